"""Helpers for driving forms through the test client, CSRF token included."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def submit(client: FlaskClient, url: str, data: dict[str, object], **kwargs) -> TestResponse:
    """GET the form, then POST it with the page's CSRF token, like a browser."""
    page = client.get(url)
    return client.post(
        url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data}, **kwargs
    )

"""Drive the participant journey through the test client."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from tests.support.forms import csrf_token

_SUBMISSION = re.compile(r'name="submission_id" value="([^"]+)"')
_FORMAT = re.compile(r"fv-question--(\w+)")


def load_demo(runner: FlaskCliRunner) -> str:
    """Load the demo content; returns the open session's code."""
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["session_code"]


def post_page(client: FlaskClient, url: str, data: dict[str, object]) -> TestResponse:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code, page.headers.get("Location"))
    return client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


def join_and_start(client: FlaskClient, code: str, audience: str) -> None:
    page = client.get("/")
    joined = client.post(
        "/join", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": code}
    )
    assert joined.status_code == 302, joined.get_data(as_text=True)
    client.get("/language")
    assert post_page(client, "/who", {"answer": audience}).status_code == 302
    assert post_page(client, "/about", {"assent": "yes"}).headers["Location"] == "/q/1"


def _question_page(client: FlaskClient, position: int) -> tuple[str, str, str, str]:
    """(format, csrf token, submission id, html) of a question page."""
    page = client.get(f"/q/{position}")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    return (
        _FORMAT.search(html).group(1),
        csrf_token(html),
        _SUBMISSION.search(html).group(1),
        html,
    )


def question_form(client: FlaskClient, position: int) -> tuple[str, str, str]:
    """(format, csrf token, submission id) of a question page."""
    return _question_page(client, position)[:3]


def answer_question(
    client: FlaskClient, position: int, answer: Callable[[str, str], dict[str, object]]
) -> tuple[str, TestResponse]:
    """Press Next on question ``position`` with ``answer(format, page html)`` filled in.

    Returns the page's format and the response.
    """
    answer_format, token, submission, html = _question_page(client, position)
    response = client.post(
        f"/q/{position}",
        data={
            "csrf_token": token,
            "submission_id": submission,
            "action": "answer",
            **answer(answer_format, html),
        },
    )
    return answer_format, response


def app_config(app: Flask, key: str) -> object:
    return app.config[key]


def skip_question(client: FlaskClient, position: int) -> TestResponse:
    """Press Skip on a question page, as a person would."""
    _format, token, submission = question_form(client, position)
    return client.post(
        f"/q/{position}",
        data={"csrf_token": token, "submission_id": submission, "action": "skip"},
    )

"""Checks every HTML page a test GETs: the basics a screen-reader user depends on."""

from __future__ import annotations

import re
from collections import Counter

import html5lib
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_TITLE_SUFFIX = " – Family Voice"


class PageProblem(AssertionError):
    pass


def check_page(html: str, url: str = "") -> None:
    """Valid HTML, lang and dir set, one <h1>, the <title> starts with it, unique ids."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        document = parser.parse(html)
    except html5lib.html5parser.ParseError as error:
        raise PageProblem(f"{url}: invalid HTML: {error}") from error
    root = document if document.tag == "html" else document.find("html")
    if root is None or not root.get("lang") or root.get("dir") not in {"ltr", "rtl"}:
        raise PageProblem(f"{url}: <html> needs lang and dir")
    headings = document.findall(".//h1")
    if len(headings) != 1:
        raise PageProblem(f"{url}: expected exactly one <h1>, found {len(headings)}")
    h1_text = _text(headings[0])
    title = document.find(".//title")
    title_text = _text(title) if title is not None else ""
    expected = h1_text
    if title_text.startswith("Error: "):
        title_text = title_text.removeprefix("Error: ")
    if not title_text.startswith(expected):
        raise PageProblem(f"{url}: <title> {title_text!r} does not start with <h1> {h1_text!r}")
    ids = Counter(el.get("id") for el in document.iter() if el.get("id"))
    duplicates = [key for key, count in ids.items() if count > 1]
    if duplicates:
        raise PageProblem(f"{url}: duplicate ids {duplicates}")


def _text(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


class CheckedClient(FlaskClient):
    """A test client that runs ``check_page`` on every HTML page it GETs."""

    def open(self, *args, **kwargs) -> TestResponse:  # type: ignore[override]
        response = super().open(*args, **kwargs)
        if (
            response.request.method == "GET"
            and response.mimetype == "text/html"
            and not 300 <= response.status_code < 400
        ):
            check_page(response.get_data(as_text=True), response.request.path)
        return response

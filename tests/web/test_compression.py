"""Text responses are compressed for clients that accept it, and only then."""

from __future__ import annotations

import gzip

import brotli
from flask.testing import FlaskClient

from tests.support.pages import check_page


def raw_client(app) -> FlaskClient:
    # The checked client parses every HTML page; these pages arrive compressed.
    return FlaskClient(app, app.response_class, use_cookies=True)


def test_a_page_is_gzipped_when_the_browser_accepts_gzip(app):
    response = raw_client(app).get("/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    html = gzip.decompress(response.data).decode()
    check_page(html, "/")
    assert response.headers["Cache-Control"] == "no-store"


def test_brotli_is_preferred_when_the_browser_offers_it(app):
    response = raw_client(app).get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert b"<h1" in brotli.decompress(response.data)


def test_json_is_compressed_too(app):
    response = raw_client(app).get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data).startswith(b"{")


def test_nothing_is_compressed_for_a_client_that_does_not_ask(app):
    response = raw_client(app).get("/")
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]  # a cache must not mix the two
    assert b"<h1" in response.data
    identity = raw_client(app).get("/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in identity.headers


def test_a_tiny_body_is_sent_as_it_is(app):
    response = raw_client(app).get("/healthz", headers={"Accept-Encoding": "gzip, br"})
    assert len(response.data) < 500
    assert "Content-Encoding" not in response.headers
    assert response.get_json()


def test_pages_are_compressed_only_while_the_session_cookie_stays_same_site(app):
    # The BREACH argument in docs/decisions/0009 rests on this: cross-site requests
    # carry no session, so a compressed page never mixes the victim's secrets with
    # an attacker's text. Loosen the cookie and text/html must leave COMPRESS_MIMETYPES.
    if "text/html" in app.config["COMPRESS_MIMETYPES"]:
        assert app.config["SESSION_COOKIE_SAMESITE"] in {"Lax", "Strict"}

"""The access log never holds a join code, a tablet link or a header."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from voice_app.access_log import ACCESS_LOG_FORMAT, AccessLogger


def logged_line(path: str, query: str = "", headers: tuple = ()) -> str:
    logger = AccessLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}" if query else path,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": "https://voice.example/?code=ABC123",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[("Set-Cookie", "s=1")])
    request = SimpleNamespace(headers=list(headers))
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    return ACCESS_LOG_FORMAT % atoms


def test_the_join_code_in_a_query_string_is_not_logged():
    line = logged_line("/", query="code=ABC123")
    assert "ABC123" not in line
    assert '"GET / HTTP/1.1" 200 1234 12ms' in line


def test_a_tablet_link_token_is_blanked_out():
    line = logged_line("/kiosk/s3cr3t-token-value")
    assert "s3cr3t" not in line and "/kiosk/[token]" in line


def test_headers_and_addresses_are_not_logged_even_if_the_format_asks():
    logger_atoms = AccessLogger(Config()).atoms(
        SimpleNamespace(status="200 OK", sent=1, headers=[]),
        SimpleNamespace(headers=[("COOKIE", "voice_session=abc"), ("AUTHORIZATION", "Bearer t")]),
        {"REQUEST_METHOD": "GET", "RAW_URI": "/", "PATH_INFO": "/", "SERVER_PROTOCOL": "HTTP/1.1"},
        timedelta(0),
    )
    assert "{cookie}i" not in logger_atoms and "{authorization}i" not in logger_atoms
    assert "10.0.0.7" not in logged_line("/")

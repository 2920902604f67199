"""Static files: content-hashed names cached for a year, plain names briefly, no session."""

from __future__ import annotations

import gzip
import posixpath
import re
from pathlib import Path

import brotli
from sqlalchemy import event

from tests.support.participants import join_and_start, load_demo
from voice_app.static_assets import IMMUTABLE

STATIC = Path(__file__).resolve().parents[2] / "static"
HASHED_STYLESHEET = re.compile(r'href="(/static/css/voice\.[0-9a-f]{12}\.css)"')
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)""")


def hashed_url(client, page: str, pattern: re.Pattern[str]) -> str:
    match = pattern.search(client.get(page).get_data(as_text=True))
    assert match, f"no hashed URL on {page}"
    return match.group(1)


def test_pages_link_the_hashed_stylesheet_and_script(client):
    html = client.get("/").get_data(as_text=True)
    assert HASHED_STYLESHEET.search(html)
    assert re.search(r'src="/static/js/voice\.[0-9a-f]{12}\.js"', html)
    assert 'href="/static/css/voice.css"' not in html


def test_a_hashed_name_is_cached_for_a_year_and_holds_the_file(client):
    url = hashed_url(client, "/", HASHED_STYLESHEET)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.mimetype == "text/css"
    assert b".fv-" in response.data  # the real stylesheet, not an error page


def test_a_plain_name_still_works_with_a_short_cache(client):
    response = client.get("/static/js/voice.js")
    assert response.status_code == 200
    assert response.data == (STATIC / "js" / "voice.js").read_bytes()
    cache = response.headers["Cache-Control"]
    assert "immutable" not in cache and "no-store" not in cache
    max_age = int(re.search(r"max-age=(\d+)", cache).group(1))
    assert 0 < max_age <= 3600


def test_a_wrong_hash_or_an_unknown_file_is_not_found(client):
    assert client.get("/static/css/voice.0123456789ab.css").status_code == 404
    assert client.get("/static/css/no-such-file.css").status_code == 404
    assert client.get("/static/../voice_app/config.py").status_code == 404


def test_every_url_in_the_stylesheets_resolves_to_a_hashed_file(client):
    checked = 0
    for name in ("css/scripts.css", "css/voice.css"):
        css_url = "/static/" + client.application.extensions["voice_static"].hashed_name(name)
        css = client.get(css_url).get_data(as_text=True)
        for ref in CSS_URL.findall(css):
            if ref.startswith("data:"):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(css_url), ref))
            assert re.search(r"\.[0-9a-f]{12}\.", target), f"{ref} in {name} is not hashed"
            response = client.get(target)
            assert response.status_code == 200, target
            assert response.headers["Cache-Control"] == IMMUTABLE
            checked += 1
    assert checked == len(list((STATIC / "fonts").glob("*.woff2")))  # every self-hosted font


def test_a_revisit_with_the_etag_gets_not_modified(client):
    url = hashed_url(client, "/", HASHED_STYLESHEET)
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_stylesheets_arrive_compressed_when_the_browser_accepts_it(client):
    url = hashed_url(client, "/", HASHED_STYLESHEET)
    plain = client.get(url).data
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain
    squeezed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed.data) == plain


def test_fonts_are_not_compressed_again(client):
    response = client.get(
        "/static/fonts/noto-sans-arabic-arabic-400-normal.woff2",
        headers={"Accept-Encoding": "gzip, br"},
    )
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers


def test_a_static_request_never_reads_or_writes_the_session_table(app, client, runner):
    join_and_start(client, load_demo(runner), "child_8_12")  # a live session cookie
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = app.extensions["voice_db"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(hashed_url(client, "/q/1", HASHED_STYLESHEET))
        statements.clear()  # the page itself uses the session; the stylesheet must not
        response = client.get("/static/css/voice.css")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert statements == []
    assert "Set-Cookie" not in response.headers

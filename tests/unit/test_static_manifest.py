"""Hashed static names: stylesheets point at hashed files, and change when those change."""

from __future__ import annotations

from voice_app.static_manifest import build_manifest, hashed_file_name, rewrite_css_urls

FONT = b"\x77\x4f\x46\x32 font bytes"


def test_the_hash_goes_before_the_suffix():
    assert hashed_file_name("css/voice.css", "abc") == "css/voice.abc.css"
    assert hashed_file_name("LICENCE", "abc") == "LICENCE.abc"


def test_relative_urls_point_at_hashed_names_and_everything_else_is_kept():
    names = {"fonts/a.woff2": "fonts/a.111.woff2", "img/b.svg": "img/b.222.svg"}
    css = (
        'src:url(../fonts/a.woff2) format("woff2");'
        "background:url('../img/b.svg#part');"
        'mask:url("data:image/svg+xml,%3Csvg%3E");'
        "x:url(https://example.org/a.woff2);y:url(/static/fonts/a.woff2);"
        "z:url(../fonts/missing.woff2)"
    )
    rewritten = rewrite_css_urls(css, "css/site.css", names)
    assert "url(../fonts/a.111.woff2)" in rewritten
    assert "url('../img/b.222.svg#part')" in rewritten
    assert 'url("data:image/svg+xml,%3Csvg%3E")' in rewritten
    assert "url(https://example.org/a.woff2)" in rewritten
    assert "url(/static/fonts/a.woff2)" in rewritten
    assert "url(../fonts/missing.woff2)" in rewritten


def test_a_changed_font_gives_the_stylesheet_that_loads_it_a_new_name():
    css = b"@font-face{src:url(../fonts/a.woff2)}"
    before = build_manifest({"fonts/a.woff2": FONT, "css/scripts.css": css})
    after = build_manifest({"fonts/a.woff2": FONT + b"!", "css/scripts.css": css})
    assert before.hashed_name("css/scripts.css") != after.hashed_name("css/scripts.css")
    new_font = after.hashed_name("fonts/a.woff2").encode()
    assert new_font != before.hashed_name("fonts/a.woff2").encode()
    assert b"url(../" + new_font + b")" in after.by_logical["css/scripts.css"].body


def test_an_imported_stylesheet_is_hashed_before_the_one_importing_it():
    files = {
        "css/a.css": b'@import url("b.css");',
        "css/b.css": b"@font-face{src:url(../fonts/a.woff2)}",
        "fonts/a.woff2": FONT,
    }
    manifest = build_manifest(files)
    imported = manifest.hashed_name("css/b.css").removeprefix("css/")
    assert f'url("{imported}")'.encode() in manifest.by_logical["css/a.css"].body
    assert manifest.by_hashed[manifest.hashed_name("css/a.css")].logical_name == "css/a.css"


def test_stylesheets_that_import_each_other_still_finish():
    files = {"css/a.css": b"@import url(b.css);", "css/b.css": b"@import url(a.css);"}
    manifest = build_manifest(files)
    assert set(manifest.by_logical) == {"css/a.css", "css/b.css"}


def test_only_text_large_enough_is_compressed():
    manifest = build_manifest(
        {"css/big.css": b"a{color:red}" * 100, "css/tiny.css": b"a{}", "fonts/a.woff2": FONT * 100}
    )
    assert manifest.by_logical["css/big.css"].gzip_body is not None
    assert manifest.by_logical["css/tiny.css"].gzip_body is None
    assert manifest.by_logical["fonts/a.woff2"].brotli_body is None

"""Fonts in the browser: a tablet with the script's fonts downloads none, and one without
them downloads one small font per script, still draws headings bold, and keeps Urdu
readable without 100 KB of web Nastaliq (decision 0010).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright

from tests.browser.test_languages_browser import start
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.database import rendering_only
from tests.support.participants import load_demo

NOTO = Path("/usr/share/fonts/truetype/noto")
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>{more}<cachedir>{cache}</cachedir></fontconfig>
"""
WEB_FONT = {
    "ar": "noto-sans-arabic-arabic-400-normal",
    "ps": "noto-sans-arabic-arabic-400-normal",
    "ur": "noto-sans-arabic-arabic-400-normal",
    "bn": "noto-sans-bengali-bengali-400-normal",
    "pa": "noto-sans-gurmukhi-gurmukhi-400-normal",
}
# Ink of the heading drawn bold over the same text drawn regular, with the page's fonts.
INK = """h => {
  const style = getComputedStyle(h), canvas = document.createElement("canvas");
  canvas.width = 2400; canvas.height = 200;
  const pen = canvas.getContext("2d");
  const ink = weight => {
    pen.clearRect(0, 0, canvas.width, canvas.height);
    pen.font = `${weight} 48px ${style.fontFamily}`;
    pen.fillText(h.textContent.trim(), 10, 120);
    const pixels = pen.getImageData(0, 0, canvas.width, canvas.height).data;
    let dark = 0;
    for (let i = 3; i < pixels.length; i += 4) dark += pixels[i] > 128;
    return dark;
  };
  return ink(700) / ink(400);
}"""


def first_question(browser: Browser, base_url: str, code: str, language: str) -> Page:
    """The first question page in ``language``, opened cold (nothing cached) as a person's
    tablet would, with the fonts it requested in ``page.fonts``."""
    page = start(browser, base_url, code, language)  # at "who is answering"
    walk = page.context
    page.locator("input[name=answer][value=young_13_17]").check()
    page.locator(".fv-actions button[type=submit]").first.click()
    page.locator("button[name=assent][value=yes]").click()
    page.wait_for_url("**/q/1")
    cookies = walk.cookies()
    walk.close()
    cold = browser.new_context(base_url=base_url, viewport={"width": 810, "height": 1080})
    cold.add_cookies(cookies)
    page = cold.new_page()
    page.fonts = []  # type: ignore[attr-defined]
    page.on("request", lambda r: ".woff" in r.url and page.fonts.append(r.url))
    page.goto("/q/1")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    return page


def fonts_in_use(page: Page) -> set[str]:
    return set(
        page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    )


def browser_seeing(playwright_instance: Playwright, folder: Path, *fonts: Path) -> Browser:
    """Chromium whose only fonts are DejaVu and ``fonts``: a tablet with just those."""
    (folder / "more").mkdir()
    for font in fonts:
        (folder / "more" / font.name).symlink_to(font)
    conf = folder / "fonts.conf"
    more = f"<dir>{folder / 'more'}</dir>" if fonts else ""
    conf.write_text(FONTS_CONF.format(more=more, cache=folder / "cache"), encoding="utf-8")
    return playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        env={**os.environ, "FONTCONFIG_FILE": str(conf)},
    )


@pytest.fixture(scope="module")
def bare_browser(playwright_instance: Playwright, tmp_path_factory) -> Iterator[Browser]:
    """Chromium that sees only DejaVu: a tablet without any of these scripts' fonts."""
    browser = browser_seeing(playwright_instance, tmp_path_factory.mktemp("fonts"))
    yield browser
    browser.close()


@rendering_only
@pytest.mark.parametrize("language", sorted(WEB_FONT))
def test_a_tablet_without_the_scripts_font_downloads_one_and_still_shows_bold_headings(
    bare_browser, base_url, runner, language
):
    page = first_question(bare_browser, base_url, load_demo(runner), language)
    downloaded = [url.rsplit("/", 1)[-1].split(".")[0] for url in page.fonts]
    assert downloaded == [WEB_FONT[language]]
    # The browser draws bold from the one weight: clearly heavier than the body text.
    assert page.locator("h1").evaluate(INK) > 1.15
    page.context.close()


@rendering_only
def test_urdu_is_drawn_in_nastaliq_where_the_tablet_has_it_and_downloads_nothing(
    browser, base_url, runner
):
    if not (NOTO / "NotoNastaliqUrdu-Regular.ttf").exists():
        message = "needs Debian fonts-noto-core (a tablet that has Nastaliq)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    code = load_demo(runner)
    for language in ("ur", "ar", "bn", "pa"):
        page = first_question(browser, base_url, code, language)
        assert page.fonts == [], language
        if language == "ur":
            assert "Installed Nastaliq" in fonts_in_use(page)
            assert "Noto Sans Arabic" not in fonts_in_use(page)
        page.context.close()


@rendering_only
def test_an_android_tablet_with_naskh_as_its_arabic_font_downloads_no_arabic_font(
    playwright_instance, tmp_path, base_url, runner
):
    # Android ships Noto Naskh Arabic, not Noto Sans Arabic: one of the other names the
    # stylesheet's "Installed Arabic" face asks the device for.
    naskh = [NOTO / f"NotoNaskhArabic-{style}.ttf" for style in ("Regular", "Bold")]
    if not all(font.exists() for font in naskh):
        message = "needs Debian fonts-noto-core (Noto Naskh Arabic)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    android = browser_seeing(playwright_instance, tmp_path, *naskh)
    try:
        code = load_demo(runner)
        for language in ("ar", "ps", "ur"):
            page = first_question(android, base_url, code, language)
            assert page.fonts == [], language
            assert "Installed Arabic" in fonts_in_use(page), language
            page.context.close()
    finally:
        android.close()

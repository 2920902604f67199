"""Every language in the browser: right-to-left that really mirrors, axe, and 320 px.

The matrix (every participant page in every language, each language with one audience in
rotation, question pages once per answer format) runs on SQLite only: what it checks is
rendering, which does not depend on the database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import assert_accessible, assert_no_horizontal_scroll, with_axe
from tests.support.database import rendering_only
from tests.support.participants import load_demo
from voice_app.languages import LANGUAGES

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AUDIENCE_LABELS = ["child_4_7", "child_8_12", "young_13_17", "parent_carer"]


def start(browser: Browser, base_url: str, code: str, language: str, width: int = 810) -> Page:
    context = with_axe(
        browser.new_context(
            base_url=base_url, viewport={"width": width, "height": 1080}, has_touch=True
        )
    )
    page = context.new_page()
    page.goto("/")
    page.locator("#code").fill(code)
    page.locator("form[action='/join'] button[type=submit]").click()
    page.wait_for_url("**/language")
    page.locator(f"input[name=answer][value={language}]").check()
    page.locator(".fv-actions button[type=submit]").first.click()
    page.wait_for_url("**/who")
    return page


def box(page: Page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found, selector
    return found


def check(page: Page) -> None:
    """axe at tablet size, then no sideways scrolling at 320 px."""
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 810, "height": 1080})


def question_format(page: Page) -> str:
    classes = page.locator("[class*='fv-question--']").first.get_attribute("class") or ""
    return next((c for c in classes.split() if c.startswith("fv-question--")), classes)


def next_button(page: Page):
    return page.locator("button[name=action][value=answer]")


@pytest.mark.parametrize(
    "language, audience", [("ar", "child_8_12"), ("ur", "parent_carer"), ("pl", "child_4_7")]
)
def test_walk_the_journey_in_arabic_urdu_and_polish(
    app, browser, base_url, runner, language, audience
):
    code = load_demo(runner)
    page = start(browser, base_url, code, language)
    tag = LANGUAGES[language].html_lang
    rtl = LANGUAGES[language].rtl
    assert page.locator("html").get_attribute("lang") == tag
    assert page.locator("html").get_attribute("dir") == ("rtl" if rtl else "ltr")
    page.locator(f"input[name=answer][value={audience}]").check()
    page.locator(".fv-actions button[type=submit]").first.click()
    page.locator("button[name=assent][value=yes]").click()
    page.wait_for_url("**/q/1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"question-{language}.png"), full_page=True)

    # Controls really mirror: in right-to-left the first button sits on the right.
    first, last = box(page, "button[value=answer]"), box(page, "button[value=stop]")
    first_dot, last_dot = box(page, ".fv-progress__step"), box(page, ".fv-progress__step >> nth=-1")
    title, worried = box(page, ".fv-header__title"), box(page, ".fv-worried")
    if rtl:
        assert first["x"] > last["x"]
        assert first_dot["x"] > last_dot["x"]
        assert title["x"] > page.viewport_size["width"] / 2
        assert worried["x"] < page.viewport_size["width"] / 2
    else:
        assert first["x"] < last["x"] and first_dot["x"] < last_dot["x"]
        assert worried["x"] > page.viewport_size["width"] / 2
    # Faces and ticks are pictures of things: never mirrored.
    for image in page.locator(".fv-card__picture").all():
        assert image.evaluate("i => getComputedStyle(i).transform") in ("none", "")

    answered = 0
    while "/q/" in page.url:
        cards = page.locator(".fv-card__input")
        ranking = page.locator("[data-ranking-cards] button")
        if ranking.count():
            for index in range(3):
                ranking.nth(index).click()
        elif page.locator("textarea").count():
            page.locator("textarea").fill("نص تجريبي" if rtl else "tekst próbny")
        else:
            cards.first.check()
        next_button(page).click()
        page.wait_for_load_state()
        answered += 1
    assert page.url.endswith("/talk") and answered >= 6
    page.locator("button[name=talk][value=no]").click()
    page.wait_for_url("**/thanks")
    assert page.locator("html").get_attribute("lang") == tag
    assert_accessible(page)
    page.context.close()


@rendering_only
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_participant_page_passes_axe_and_fits_320px_in_every_language(
    app, browser, base_url, runner, language
):
    code = load_demo(runner)
    if language not in app.extensions["voice_languages"]:
        pytest.fail(f"{language} does not ship: its catalogue is incomplete")
    # Each language walks one audience's pages, in rotation, so every audience is
    # checked in three languages (of each direction); the words of every page in every
    # language for every audience are checked without a browser in test_languages.py.
    rotation = list(LANGUAGES).index(language) % len(AUDIENCE_LABELS)
    for index, audience in enumerate(AUDIENCE_LABELS[rotation : rotation + 1]):
        # Pages that look the same for every audience (who, the error state, talk,
        # worried) are checked once.
        first = index == 0
        page = start(browser, base_url, code, language)
        if first:
            check(page)
        error_checked = not first
        page.locator(f"input[name=answer][value={audience}]").check()
        page.locator(".fv-actions button[type=submit]").first.click()
        page.wait_for_url("**/about")
        check(page)
        page.locator("button[name=assent][value=yes]").click()
        page.wait_for_url("**/q/1")
        formats_checked: set[str] = set()
        while "/q/" in page.url:
            # Question pages of one format differ only in their words: axe each format
            # once per audience (the words themselves are checked in test_languages.py).
            page_format = question_format(page)
            if page_format not in formats_checked:
                check(page)
                formats_checked.add(page_format)
            if not error_checked:
                next_button(page).click()  # no answer: the error state must pass too
                page.wait_for_load_state()
                check(page)
                error_checked = True
            page.locator("button[name=action][value=skip]").click()
            page.wait_for_load_state()
        if first:
            check(page)
        page.locator("button[name=talk][value=no]").click()
        page.wait_for_url("**/thanks")
        check(page)
        if first:
            page.goto("/worried")
            check(page)
        page.context.close()
    page = start(browser, base_url, code, language)
    page.goto("/")
    assert_accessible(page)
    page.context.close()

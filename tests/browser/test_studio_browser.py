"""The co-design studio in a real browser: axe on every page, keyboard only, live hints.

1. Every studio page, in every state it can be in (built through the studio's own pages
   by tests/support/studio.py), has no axe violations and no target under 44 px at tablet
   and phone sizes, exactly one <h1> that the <title> starts with, and no sideways
   scrolling at 320 px wide.
2. An advisor signs in, drafts a question and proposes it with the keyboard alone, and
   every element that takes focus on the way shows a focus indicator of at least 3 px.
3. studio.js checks reading level while the advisor types, without asking the server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.support.browser import (
    ROOT,
    VIEWPORTS,
    with_axe,
)
from tests.support.database import rendering_only
from tests.support.page_audit import page_problems
from tests.support.staff import TEST_PASSWORD, log_in, make_staff
from tests.support.staff_browser import pass_second_factor_in_browser, sign_in
from tests.support.studio import (
    STUDIO_ADVISOR,
    STUDIO_RESEARCHER,
    build_flows,
    build_studio,
    load_outcome_framework,
)
from voice_app.extensions import db
from voice_app.models import QuestionText, QuestionVersion, Role

STUDIO_JS = ROOT / "static" / "js" / "studio.js"
TAB_LIMIT = 120
# Twenty words in one sentence: far over the 8 a sentence for 4 to 7 year olds.
TWENTY_WORDS = (
    "I like to play with my friends at the park after school on a sunny day with my big dog."
)


# --- helpers ----------------------------------------------------------------------------


@pytest.fixture
def open_page(app: Flask, browser: Browser, base_url: str) -> Iterator:
    """Opens a signed-in tablet-sized page for a member of staff; closes them all after."""
    contexts = []

    def open_for(username: str) -> Page:
        context = with_axe(
            browser.new_context(base_url=base_url, viewport=VIEWPORTS["tablet"], locale="en-GB")
        )
        contexts.append(context)
        page = context.new_page()
        sign_in(page, app, username)
        return page

    yield open_for
    for context in contexts:
        context.close()


def focus_report(page: Page) -> dict:
    """What has focus, and how thick its focus indicator is (outline or box-shadow spread)."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return {name: 'body', ring: 0};
          const style = getComputedStyle(el);
          const outline = style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth);
          let spread = 0;
          for (const shadow of style.boxShadow.split(/,(?![^(]*\\))/)) {
            const lengths = shadow.match(/-?[\\d.]+px/g) || [];
            if (lengths.length === 4 && !shadow.includes('inset')) {
              spread = Math.max(spread, parseFloat(lengths[3]));
            }
          }
          const text = (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
          return {name: `${el.tagName.toLowerCase()}#${el.id} ${text}`,
                  ring: Math.max(outline, spread)};
        }"""
    )


def tab_to(page: Page, predicate: str, *, key: str = "Tab", limit: int = TAB_LIMIT) -> None:
    """Press Tab (or Shift+Tab) until ``predicate`` (JS, given the focused element) holds.

    Every element passed on the way must show a focus indicator of at least 3 px.
    """
    for _ in range(limit):
        page.keyboard.press(key)
        # A key that submitted a form starts a navigation: read focus on the new page
        # once its stylesheet has loaded, not the browser's default ring before it.
        page.wait_for_load_state("load")
        focused = focus_report(page)
        if focused["name"] != "body":
            assert focused["ring"] >= 3, f"focus is not visible on {focused['name']}"
        if page.evaluate(f"({predicate})(document.activeElement)"):
            return
    raise AssertionError(f"{predicate} not reached in {limit} presses of {key}")


# --- 1. axe on every page ---------------------------------------------------------------


@rendering_only
def test_every_studio_page_in_every_state_passes_axe_at_tablet_and_phone_size(
    app: Flask, open_page
) -> None:
    content = build_studio(app)
    advisor = open_page(STUDIO_ADVISOR)
    researcher = open_page(STUDIO_RESEARCHER)
    problems: list[str] = []

    def scan(page: Page, path: str, label: str) -> None:
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response)
        problems.extend(page_problems(page, label))

    # The question bank, all and by status.
    scan(advisor, "/studio/", "bank")
    expect(advisor.locator(".fv-filter__link[aria-current=page]")).to_have_text("All")
    for status in ("draft", "proposed", "approved", "retired"):
        scan(advisor, f"/studio/?status={status}", f"bank ({status})")

    # Writing: the empty form, a failed save (error summary and readability), editing.
    scan(advisor, "/studio/questions/new", "new question")
    advisor.locator("#child_4_7-wording").fill(TWENTY_WORDS)
    advisor.locator("#child_8_12-help_text").fill("Help with no question.")
    advisor.get_by_role("button", name="Save draft").click()
    expect(advisor.locator(".fv-error-summary")).to_be_visible()
    expect(advisor.locator("#child_4_7-wording-readability")).to_contain_text(
        "Sentence 1 has 20 words"
    )
    assert advisor.title().startswith("Error: ")
    problems.extend(page_problems(advisor, "new question (failed save)"))
    scan(advisor, f"/studio/versions/{content.draft}/edit", "edit question")

    # One version in each state, as the advisor and as the researcher.
    scan(advisor, f"/studio/versions/{content.draft}", "version (draft)")
    scan(researcher, f"/studio/versions/{content.proposed}", "version (proposed, researcher)")
    expect(researcher.get_by_role("heading", name="Review")).to_be_visible()
    scan(advisor, f"/studio/versions/{content.sent_back}", "version (sent back)")
    expect(advisor.locator(".fv-inset-text")).to_contain_text("Say who keeps you safe.")
    scan(researcher, f"/studio/versions/{content.approved}", "version (approved)")
    expect(researcher.get_by_role("button", name="Change it (makes a new version)")).to_be_visible()
    scan(advisor, f"/studio/versions/{content.second_version}", "version 2 (comments, diff)")
    expect(advisor.locator(".fv-diff ins").first).to_be_visible()
    expect(advisor.locator(".fv-comment")).to_have_count(2)

    # Translating into Arabic: the fields are right to left.
    scan(advisor, f"/studio/versions/{content.draft}/translate/ar", "translate (Arabic)")
    field = advisor.locator("#child_8_12-wording")
    expect(field).to_have_attribute("dir", "rtl")
    expect(field).to_have_attribute("lang", "ar")
    expect(field).to_have_attribute("aria-describedby", "child_8_12-wording-source")
    field.fill("")
    advisor.locator("#child_8_12-help_text").fill("اختر واحدا.")
    advisor.get_by_role("button", name="Save translation").click()
    expect(advisor.locator(".fv-error-summary")).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    problems.extend(page_problems(advisor, "translate (Arabic, error)"))
    scan(advisor, f"/studio/versions/{content.approved}/translate/ar", "translate (approved)")
    expect(advisor.locator("#child_8_12-wording")).to_have_attribute("readonly", "")

    # Audio: none yet, a recording, and a save with no file.
    scan(advisor, f"/studio/texts/{content.text_with_audio}/audio", "audio (recorded)")
    expect(advisor.locator("audio.fv-studio-audio")).to_have_count(1)
    scan(advisor, f"/studio/texts/{content.text_without_audio}/audio", "audio (none)")
    advisor.get_by_role("button", name="Save recording").click()
    expect(advisor.locator(".fv-error-summary")).to_be_visible()
    problems.extend(page_problems(advisor, "audio (error)"))

    # Previews on the participant's own template.
    preview = f"/studio/versions/{content.draft}/preview?audience=child_8_12"
    scan(advisor, f"{preview}&size=tablet", "preview (English, tablet)")
    assert_framed(advisor, 810)
    scan(advisor, f"{preview}&language=pl&size=phone", "preview (Polish, phone)")
    assert_framed(advisor, 390)
    scan(advisor, f"{preview}&language=ar", "preview (Arabic)")
    expect(advisor.locator("html")).to_have_attribute("dir", "rtl")

    # Flows: none yet, a name left out, then a draft and a published flow.
    scan(researcher, "/studio/flows", "flows (none)")
    researcher.get_by_role("button", name="Create flow").click()
    expect(researcher.locator(".fv-error-summary")).to_be_visible()
    problems.extend(page_problems(researcher, "flows (error)"))
    build_flows(app, content)
    scan(researcher, "/studio/flows", "flows")
    scan(researcher, f"/studio/flows/{content.flow_draft}", "flow (draft)")
    expect(researcher.get_by_role("button", name=re.compile("^Move down"))).to_have_count(1)
    scan(researcher, f"/studio/flows/{content.flow_published}", "flow (published)")
    scan(researcher, f"/studio/flows/{content.flow_draft}/preview/child_8_12/2", "flow preview")

    assert problems == [], "\n".join(problems)


def assert_framed(page: Page, width: int) -> None:
    """The participant page sits in a centred frame of the device's width; the bar does not."""
    page.set_viewport_size({"width": 1024, "height": 768})  # wider than either device
    boxes = page.evaluate(
        """() => ['.fv-preview-bar', 'body > .fv-header', 'body > .fv-width-container',
                  'body > .fv-footer'].map(s => {
            const r = document.querySelector(s).getBoundingClientRect();
            return {left: r.left, right: r.right, width: r.width};
          })"""
    )
    page.set_viewport_size(VIEWPORTS["tablet"])
    bar, *framed = boxes
    assert bar["width"] == 1024
    for box in framed:
        assert width < box["width"] <= width + 12, box  # the device, plus a 6 px frame a side
        assert abs(box["left"] - (1024 - box["right"])) <= 1, box


def test_only_studio_pages_load_the_studio_stylesheet(app: Flask) -> None:
    client = app.test_client()
    assert "css/studio." not in client.get("/").get_data(as_text=True)  # css/studio.<hash>.css
    make_staff(app, "amira", Role.ADVISOR)
    assert log_in(client, "amira").status_code == 302
    assert "css/studio." in client.get("/studio/").get_data(as_text=True)


# --- 2. keyboard only -------------------------------------------------------------------


def test_an_advisor_drafts_and_proposes_a_question_with_the_keyboard_only(
    app: Flask, page: Page
) -> None:
    load_outcome_framework(app)
    make_staff(app, "amira", Role.ADVISOR)
    keyboard = page.keyboard

    page.goto("/staff/login")
    tab_to(page, "el => el.id === 'username'")
    keyboard.type("amira")
    tab_to(page, "el => el.id === 'password'")
    keyboard.type(TEST_PASSWORD)
    keyboard.press("Enter")
    pass_second_factor_in_browser(page, app, "amira")

    tab_to(page, "el => el.matches('.fv-nav__link') && el.textContent.trim() === 'Question studio'")
    keyboard.press("Enter")
    page.wait_for_url("**/studio/")
    tab_to(page, "el => el.textContent.trim() === 'Write a new question'")
    keyboard.press("Enter")
    page.wait_for_url("**/studio/questions/new")

    tab_to(page, "el => el.id === 'format'")
    keyboard.press("ArrowDown")  # Faces scale -> Yes, maybe or no
    assert page.evaluate("document.activeElement.value") == "yes_maybe_no"
    tab_to(page, "el => el.name === 'domains'")
    keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    tab_to(page, "el => el.id === 'child_8_12-wording'")
    keyboard.type("Do you feel safe at home?")
    tab_to(page, "el => el.type === 'submit' && el.textContent.trim() === 'Save draft'")
    keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/studio/versions/\d+$"))
    tab_to(page, "el => el.textContent.trim() === 'Propose for approval'")
    keyboard.press("Enter")
    expect(page.get_by_text("Proposed. A researcher will review it.")).to_be_visible()
    # No trap: Shift+Tab leads back to the studio's place in the navigation.
    tab_to(page, "el => el.textContent.trim() === 'Question studio'", key="Shift+Tab")

    with app.app_context():
        version = db.session.scalar(
            select(QuestionVersion)
            .join(QuestionText)
            .where(QuestionText.wording == "Do you feel safe at home?")
        )
        assert version is not None
        assert (version.status.value, version.format.value) == ("proposed", "yes_maybe_no")
        assert len(version.domains) == 1


# --- 3. live readability ----------------------------------------------------------------


@pytest.mark.skipif(not STUDIO_JS.exists(), reason="static/js/studio.js is not written yet")
def test_reading_level_is_checked_while_typing_without_asking_the_server(
    app: Flask, page: Page
) -> None:
    load_outcome_framework(app)
    make_staff(app, "amira", Role.ADVISOR)
    sign_in(page, app, "amira")
    page.goto("/studio/questions/new")
    page.wait_for_load_state("load")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    page.locator("#child_4_7-wording").focus()
    page.keyboard.type(TWENTY_WORDS)

    report = page.locator("#child_4_7-wording-readability")
    expect(report).to_contain_text("Sentence 1 has 20 words")
    assert page.url.endswith("/studio/questions/new")
    assert requests == []

"""On a shared tablet, nothing of the person before can be seen again.

A young person writes something distinctive and gets a withdrawal code. After the
thank-you page, Back, Forward, Reload and typing earlier addresses in the same tab must
never show the text or the code again, and the question pages lead to the start page.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.support.journey import (
    WITHDRAWAL_CODE,
    answer,
    assent,
    at_path,
    at_question,
    choose_audience,
    finish_at_talk,
    flow_steps,
    join_by_code,
    kiosk_url,
    load_demo_session,
    press,
    start_on_kiosk,
    tablet_page,
)
from voice_app.extensions import db
from voice_app.models import Answer

SECRET = "my secret answer 7319"
AUDIENCE = "young_13_17"


def assert_forgotten(page: Page, secrets: tuple[str, ...], where: str) -> None:
    """Neither the page's markup nor any field's current value holds a secret."""
    page.wait_for_load_state()
    html = page.content()
    values = [field.input_value() for field in page.locator("textarea, input").all()]
    for secret in secrets:
        assert secret not in html, f"{where}: {secret!r} is on {page.url}"
        assert not any(secret in value for value in values), f"{where}: {secret!r} in a field"


def assert_start_page(page: Page, on_kiosk: bool, where: str) -> None:
    assert page.url.endswith("/"), f"{where} went to {page.url}, not the start page"
    start = page.get_by_role("button", name="Start", exact=True)
    expect(start).to_be_visible()
    if not on_kiosk:
        expect(page.get_by_label("Type your session code")).to_have_value("")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_back_forward_reload_and_old_addresses_never_show_the_last_persons_text_or_code(
    app: Flask, runner: FlaskCliRunner, browser: Browser, base_url: str, javascript: bool
):
    demo = load_demo_session(app, runner)
    steps = flow_steps(app, demo.id, AUDIENCE)
    free_text_at = next(step.position for step in steps if step.format == "free_text")
    on_kiosk = javascript  # a shared tablet with JavaScript; a phone without

    with tablet_page(browser, base_url, javascript=javascript) as page:
        if on_kiosk:
            start_on_kiosk(page, kiosk_url(app, demo.id))
        else:
            join_by_code(page, demo.code)
        choose_audience(page, AUDIENCE)
        assent(page)
        for step in steps:
            at_question(page, step)
            if step.format == "free_text":
                page.get_by_role("textbox", name=step.wording, exact=True).fill(SECRET)
            else:
                answer(page, step, AUDIENCE, javascript=javascript)
            press(page, "Next")
        finish_at_talk(page, "No")

        code_box = page.locator(".fv-code")
        expect(code_box).to_have_text(WITHDRAWAL_CODE)
        code = code_box.inner_text().strip()
        assert page.content().count(code) == 1, "the withdrawal code is shown once"
        secrets = (SECRET, code)

        # Back to the "talk" page and Forward to "Thank you" again: fetched afresh.
        page.go_back()
        assert_forgotten(page, secrets, "Back from Thank you")
        assert_start_page(page, on_kiosk, "Back from Thank you")
        page.go_forward()
        at_path(page, "/thanks")
        assert_forgotten(page, secrets, "Forward to Thank you")
        expect(page.locator(".fv-code")).to_have_count(0)

        # Reloading "Thank you" does not show the code again.
        page.reload()
        at_path(page, "/thanks")
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        expect(page.locator(".fv-code")).to_have_count(0)
        assert_forgotten(page, secrets, "Reload of Thank you")

        # Back past the page where the text was typed, then Forward again.
        pages_back = len(steps) - free_text_at + 3  # talk, the later questions, text, one more
        for count in range(1, pages_back + 1):
            page.go_back()
            assert_forgotten(page, secrets, f"Back x{count}")
            assert_start_page(page, on_kiosk, f"Back x{count}")
        for count in range(1, 3):
            page.go_forward()
            assert_forgotten(page, secrets, f"Forward x{count}")

        # Typing the earlier addresses into the same tab.
        for position in range(1, len(steps) + 1):
            page.goto(f"/q/{position}")
            assert_forgotten(page, secrets, f"/q/{position} again")
            assert_start_page(page, on_kiosk, f"/q/{position} again")
        for path in ("/language", "/who", "/about", "/stop", "/continue", "/talk"):
            page.goto(path)
            assert_forgotten(page, secrets, f"{path} again")
            assert_start_page(page, on_kiosk, f"{path} again")
        page.goto("/thanks")
        expect(page.locator(".fv-code")).to_have_count(0)
        assert_forgotten(page, secrets, "/thanks again")

    # The text really was sent and kept: it is the pages that forgot it.
    with app.app_context():
        stored = db.session.scalars(select(Answer.free_text).where(Answer.free_text.is_not(None)))
        assert list(stored) == [SECRET]

"""A whole participant journey, for every audience, with JavaScript on and off.

Each walk joins (by session code, or on a tablet bound with a kiosk link), answers every
question of the audience's flow in every format, skips one, goes Back once to change an
answer, says "No" at "talk to someone" and reaches "Thank you". The database must then
hold exactly what was chosen. With JavaScript on, every page is also scanned with axe
and its touch targets measured; at phone size, the first question of each format is
scanned too (every question, for parents: the longest wording).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.support.browser import VIEWPORTS, assert_accessible, assert_no_horizontal_scroll
from tests.support.database import javascript_only
from tests.support.journey import (
    KIOSK_LABEL,
    WITHDRAWAL_CODE,
    answer,
    assent,
    assert_touch_targets,
    at_path,
    at_question,
    choose_audience,
    expect_shows,
    finish_at_talk,
    flow_steps,
    join_by_code,
    kiosk_url,
    load_demo_session,
    no_check,
    press,
    start_on_kiosk,
    tablet_page,
)
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    Audience,
    Participant,
    ParticipantStatus,
    ParticipationMode,
)


@dataclass(frozen=True)
class Plan:
    """Where a walk departs from answering straight through (positions are 1-based)."""

    skip: int  # press Skip here
    back_from: int  # press Back here, change the previous answer, come forward again
    error_at: int  # press Next with nothing chosen here first
    kiosk_with_javascript: bool  # which of the two walks starts on a bound tablet
    phone_scan_all: bool = False  # scan every question page at phone size, not one a format


PLANS = {
    "child_4_7": Plan(skip=5, back_from=3, error_at=4, kiosk_with_javascript=False),
    "child_8_12": Plan(skip=6, back_from=5, error_at=2, kiosk_with_javascript=True),
    "young_13_17": Plan(skip=4, back_from=2, error_at=10, kiosk_with_javascript=False),
    "parent_carer": Plan(
        skip=1, back_from=10, error_at=8, kiosk_with_javascript=True, phone_scan_all=True
    ),
}
WITH_CODE = {"young_13_17", "parent_carer"}  # 13+ and parents get a withdrawal code


def page_checker(audience: str, *, javascript: bool):
    """axe (0 violations) and 44 px targets on every page; 96 px answer cards for 4-7s."""
    if not javascript:
        return no_check
    card_min = 96 if audience == "child_4_7" else 0

    def check(page: Page) -> None:
        page.wait_for_load_state()
        assert_accessible(page)
        # The 96 px rule is for answer cards once the person has said they are 4 to 7.
        assert_touch_targets(page, card_min if "/q/" in page.url else 0)

    return check


def scan_at_phone_size(page: Page) -> None:
    page.set_viewport_size(VIEWPORTS["phone"])
    try:
        assert_accessible(page)
        assert_no_horizontal_scroll(page)
    finally:
        page.set_viewport_size(VIEWPORTS["tablet"])


def expect_error_summary(page: Page, step_position: int) -> None:
    """Next with nothing chosen: the same question again, with a focused error summary."""
    press(page, "Next")
    summary = page.locator(".fv-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    at_path(page, f"/q/{step_position}")
    assert page.title().startswith("Error: "), page.title()


CASES = [
    pytest.param(
        audience,
        javascript,
        id=f"{audience}-{'js' if javascript else 'no-js'}",
        marks=[javascript_only] if javascript else [],
    )
    for audience in PLANS
    for javascript in (True, False)
]


@pytest.mark.parametrize(("audience", "javascript"), CASES)
def test_every_audience_can_answer_each_format_skip_and_go_back_and_answers_are_stored_exactly(
    app: Flask,
    runner: FlaskCliRunner,
    browser: Browser,
    base_url: str,
    audience: str,
    javascript: bool,
):
    plan = PLANS[audience]
    demo = load_demo_session(app, runner)
    steps = flow_steps(app, demo.id, audience)
    assert max(plan.skip, plan.back_from, plan.error_at) <= len(steps)
    assert plan.back_from > 1 and plan.back_from - 1 != plan.skip
    on_kiosk = javascript == plan.kiosk_with_javascript
    check = page_checker(audience, javascript=javascript)
    expected: dict[int, Any] = {}  # position -> stored value (None: skipped)
    phone_scanned: set[str] = set()  # formats already scanned at phone size in this walk

    with tablet_page(browser, base_url, javascript=javascript) as page:
        if on_kiosk:
            start_on_kiosk(page, kiosk_url(app, demo.id), check)
        else:
            join_by_code(page, demo.code, check)
        choose_audience(page, audience, check)
        assent(page, check)

        for step in steps:
            at_question(page, step)
            check(page)
            if javascript and (plan.phone_scan_all or step.format not in phone_scanned):
                scan_at_phone_size(page)
                phone_scanned.add(step.format)
            if step.position == plan.error_at:
                expect_error_summary(page, step.position)
                if javascript:
                    expect(page.locator(".fv-error-summary")).to_be_focused()
                check(page)
            if step.position == plan.back_from:
                press(page, "Back")
                previous = steps[step.position - 2]
                at_question(page, previous)
                expect_shows(
                    page, previous, audience, expected[previous.position], javascript=javascript
                )
                expected[previous.position] = answer(
                    page, previous, audience, javascript=javascript, variant=1
                )
                press(page, "Next")
                at_question(page, step)
            if step.position == plan.skip:
                press(page, "Skip")
                expected[step.position] = None
            else:
                expected[step.position] = answer(page, step, audience, javascript=javascript)
                press(page, "Next")

        finish_at_talk(page, "No", check)
        code = page.locator(".fv-code")
        if audience in WITH_CODE:
            expect(code).to_have_text(WITHDRAWAL_CODE)
        else:
            expect(code).to_have_count(0)
        check(page)
        press(page, "Next person")
        at_path(page, "/")
        if on_kiosk:
            expect(page.get_by_role("button", name="Start")).to_be_visible()
            expect(page.get_by_label("Type your session code")).to_have_count(0)
        else:
            expect(page.get_by_label("Type your session code")).to_be_visible()

    with app.app_context():
        participants = db.session.scalars(select(Participant)).all()
        assert len(participants) == 1
        participant = participants[0]
        assert participant.audience is Audience(audience)
        assert participant.status is ParticipantStatus.FINISHED
        if on_kiosk:
            assert participant.mode is ParticipationMode.TABLET
            assert participant.device_label == KIOSK_LABEL
        else:
            assert participant.mode is ParticipationMode.OWN_DEVICE
        answers = db.session.scalars(
            select(Answer).where(Answer.participant_id == participant.id)
        ).all()

    assert len(answers) == len(steps)
    in_order = sorted(answers, key=lambda row: row.answered_at)
    assert [row.version_id for row in in_order] == [step.version_id for step in steps]
    stored = {row.version_id: row for row in answers}
    for step in steps:
        row = stored[step.version_id]
        want = expected[step.position]
        where = f"question {step.position} ({step.format})"
        if want is None:
            assert (row.skipped, row.value, row.free_text) == (True, None, None), where
        elif step.format == "free_text":
            assert (row.skipped, row.value, row.free_text) == (False, None, want), where
        else:
            assert (row.skipped, row.value, row.free_text) == (False, want, None), where
            if step.format == "faces":
                assert type(row.value) is int and row.value in (
                    (1, 3, 5) if audience == "child_4_7" else (1, 2, 3, 4, 5)
                ), where

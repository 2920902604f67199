"""Saying "Yes" to "Do you want to talk to someone today?" alerts the facilitator quietly.

One flag for the session, and nothing on the tablet that differs from saying "No": the
next person, or anyone looking on, cannot tell who asked to talk.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from tests.support.journey import (
    KIOSK_LABEL,
    WITHDRAWAL_CODE,
    assent,
    at_path,
    at_question,
    choose_audience,
    finish_at_talk,
    flow_steps,
    kiosk_url,
    load_demo_session,
    press,
    start_next_person,
    start_on_kiosk,
    tablet_page,
)
from voice_app.extensions import db
from voice_app.models import (
    FlagKind,
    Participant,
    ParticipantStatus,
    SafeguardingFlag,
)


def thank_you_as_seen(page: Page) -> tuple[str, str]:
    """The title and main text, with the parts that differ every time masked.

    A withdrawal code is new for each person, and the countdown ticks.
    """
    page.wait_for_load_state()  # the countdown and "More time" come with JavaScript
    text = page.locator("main").inner_text()
    text = re.sub(WITHDRAWAL_CODE.pattern.strip("^$"), "<code>", text)
    text = re.sub(r"\d+ seconds", "<n> seconds", text)
    return page.title(), text


def skip_every_question(page: Page, steps) -> None:
    for step in steps:
        at_question(page, step)
        press(page, "Skip")


def test_yes_to_talk_raises_one_flag_and_thank_you_looks_the_same_as_after_no(
    app: Flask, runner: FlaskCliRunner, browser: Browser, base_url: str
):
    audience = "parent_carer"  # gets a withdrawal code: the page differs only by it
    demo = load_demo_session(app, runner)
    steps = flow_steps(app, demo.id, audience)

    with tablet_page(browser, base_url) as page:
        start_on_kiosk(page, kiosk_url(app, demo.id))
        choose_audience(page, audience)
        assent(page)
        skip_every_question(page, steps)
        finish_at_talk(page, "Yes")
        after_yes = thank_you_as_seen(page)
        press(page, "Next person")

        start_next_person(page)
        choose_audience(page, audience)
        assent(page)
        skip_every_question(page, steps)
        finish_at_talk(page, "No")
        after_no = thank_you_as_seen(page)
        press(page, "Next person")
        at_path(page, "/")

    assert after_yes == after_no

    with app.app_context():
        said_yes, said_no = db.session.scalars(
            select(Participant).order_by(Participant.started_at)
        ).all()
        assert said_yes.status is ParticipantStatus.FINISHED
        assert said_no.status is ParticipantStatus.FINISHED
        flags = db.session.scalars(select(SafeguardingFlag)).all()
        assert [(f.session_id, f.kind, f.participant_id) for f in flags] == [
            (demo.id, FlagKind.WANTS_TO_TALK, said_yes.id)
        ]
        assert flags[0].device_label == KIOSK_LABEL

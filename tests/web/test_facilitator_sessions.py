"""Facilitators set up, open, watch and close their own sessions, and nobody else's."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from tests.support.forms import csrf_token
from tests.support.participants import load_demo, post_page, question_form
from tests.support.sessions import (
    create_session,
    facilitator_client,
    make_tablet_link,
    session_button,
    session_form,
)
from tests.support.studio import post_form
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    AuditEvent,
    FlagStatus,
    GroupSession,
    KioskLink,
    Participant,
    SafeguardingFlag,
    SessionStatus,
    utcnow,
)


def _status(app: Flask, session_id: int) -> SessionStatus:
    with app.app_context():
        return db.session.get(GroupSession, session_id).status


def _walk_to_the_end(tablet, wants_to_talk: bool) -> None:
    """Start on a bound tablet, skip every question, answer the talk question."""
    page = tablet.get("/")
    assert 'action="/start"' in page.get_data(as_text=True)  # a bound tablet: one Start button
    started = tablet.post("/start", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert started.status_code == 302
    language = tablet.get("/language")
    if language.status_code == 200:
        post_page(tablet, "/language", {"answer": "en_GB"})
    assert post_page(tablet, "/who", {"answer": "child_8_12"}).status_code == 302
    assert post_page(tablet, "/about", {"assent": "yes"}).status_code == 302
    position = 1
    while True:
        page = tablet.get(f"/q/{position}")
        if page.status_code != 200:
            break
        _fmt, token, submission = question_form(tablet, position)
        tablet.post(
            f"/q/{position}",
            data={"csrf_token": token, "submission_id": submission, "action": "skip"},
        )
        position += 1
    talk = post_page(tablet, "/talk", {"talk": "yes" if wants_to_talk else "no"})
    assert talk.status_code == 302


def test_a_facilitator_runs_a_session_from_set_up_to_close(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    facilitator = facilitator_client(app, "fatima")
    session_id = create_session(facilitator, session_form(app))
    assert _status(app, session_id) is SessionStatus.DRAFT

    # Edit before it opens.
    edited = post_form(
        facilitator,
        f"/facilitate/sessions/{session_id}/edit",
        session_form(app, venue="Library meeting room"),
    )
    assert edited.status_code == 302
    page = facilitator.get(f"/facilitate/sessions/{session_id}").get_data(as_text=True)
    assert "Library meeting room" in page
    assert "<svg" in page and 'role="img"' in page  # the QR code, drawn on the server

    session_button(facilitator, session_id, "open")
    assert _status(app, session_id) is SessionStatus.OPEN
    # Once open, the details no longer change.
    assert facilitator.get(f"/facilitate/sessions/{session_id}/edit").status_code == 302

    # Bind a tablet and walk a child through, asking to talk.
    kiosk_path = make_tablet_link(facilitator, session_id, "Tablet 3")
    tablet = app.test_client()
    assert tablet.get(kiosk_path).status_code == 302
    _walk_to_the_end(tablet, wants_to_talk=True)

    state = json.loads(
        facilitator.get(f"/facilitate/sessions/{session_id}/live.json").get_data(as_text=True)
    )
    by_audience = {row["audience"]: row for row in state["counts"]}
    assert by_audience["child_8_12"]["finished"] == 1
    (flag,) = state["flags"]
    assert flag["kind"] == "wants_to_talk" and flag["device_label"] == "Tablet 3"
    assert set(flag) == {"id", "kind", "status", "device_label", "raised_at"}

    live = f"/facilitate/sessions/{session_id}/live"
    post_form(
        facilitator,
        live,
        {},
        action=f"/facilitate/sessions/{session_id}/flags/{flag['id']}/acknowledge",
    )
    missing_note = post_form(
        facilitator,
        live,
        {"note": ""},
        action=f"/facilitate/sessions/{session_id}/flags/{flag['id']}/resolve",
    )
    assert missing_note.status_code == 302
    with app.app_context():
        assert db.session.get(SafeguardingFlag, flag["id"]).status is FlagStatus.ACKNOWLEDGED
    post_form(
        facilitator,
        live,
        {"note": "Talked with them and their carer; no further action."},
        action=f"/facilitate/sessions/{session_id}/flags/{flag['id']}/resolve",
    )
    with app.app_context():
        resolved = db.session.get(SafeguardingFlag, flag["id"])
        assert resolved.status is FlagStatus.RESOLVED
        assert "no further action" in resolved.action_note

    # Close: a child part-way through is refused with a friendly page, answers unsaved.
    second = app.test_client()
    assert second.get(kiosk_path).status_code == 302
    page = second.get("/")
    assert (
        second.post(
            "/start", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
        ).status_code
        == 302
    )
    post_page(second, "/who", {"answer": "child_8_12"})
    post_page(second, "/about", {"assent": "yes"})
    _fmt, token, submission = question_form(second, 1)
    session_button(facilitator, session_id, "close")
    assert _status(app, session_id) is SessionStatus.CLOSED
    refused = second.post(
        "/q/1", data={"csrf_token": token, "submission_id": submission, "action": "skip"}
    )
    assert refused.status_code == 409
    assert "This session has finished" in refused.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Answer).where(Answer.submission_id == submission)
            )
            == 0
        )

    csv_text = facilitator.get(f"/facilitate/sessions/{session_id}/counts.csv").get_data(
        as_text=True
    )
    assert "child_8_12,2,1,0,1,0" in csv_text.replace("\r", "")
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"session.created", "session.opened", "session.closed", "flag.resolved"} <= actions


def test_another_facilitator_cannot_see_or_act_on_the_session(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    owner = facilitator_client(app, "fatima")
    other = facilitator_client(app, "omar")
    session_id = create_session(owner, session_form(app))
    base = f"/facilitate/sessions/{session_id}"
    for path in ("", "/edit", "/live", "/live.json", "/sheet", "/counts.csv"):
        assert other.get(base + path).status_code == 403, path
    token = other.get("/facilitate/").get_data(as_text=True)
    for action in ("open", "close", "tablets"):
        response = other.post(
            f"{base}/{action}", data={"csrf_token": csrf_token(token), "label": "x"}
        )
        assert response.status_code == 403, action
    assert _status(app, session_id) is SessionStatus.DRAFT
    assert "Riverside" not in other.get("/facilitate/").get_data(as_text=True)


def test_expired_or_revoked_tablet_links_no_longer_bind_a_tablet(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    facilitator = facilitator_client(app, "fatima")
    session_id = create_session(facilitator, session_form(app))
    session_button(facilitator, session_id, "open")
    revoked_path = make_tablet_link(facilitator, session_id, "Tablet 1")
    expired_path = make_tablet_link(facilitator, session_id, "Tablet 2")
    with app.app_context():
        links = {link.label: link for link in db.session.scalars(select(KioskLink))}
        links["Tablet 2"].expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        revoke_id = links["Tablet 1"].id
    session_button(facilitator, session_id, f"tablets/{revoke_id}/revoke")
    for path in (revoked_path, expired_path):
        tablet = app.test_client()
        assert tablet.get(path).status_code == 404
        welcome = tablet.get("/").get_data(as_text=True)
        assert 'name="code"' in welcome and 'action="/start"' not in welcome


def test_a_session_needs_valid_details_and_nothing_is_saved_otherwise(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    facilitator = facilitator_client(app, "fatima")
    bad_forms = [
        session_form(app, languages=[]),
        session_form(app, audiences=[]),
        session_form(app, **{"date-month": "13"}),
        session_form(app, flow_id="999999"),
        session_form(app, area_id="999999"),
        session_form(app, venue="x" * 201),
        session_form(app, venue="a\x00b"),
        session_form(app, languages=["xx"]),
    ]
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(GroupSession))
    for form in bad_forms:
        response = post_form(facilitator, "/facilitate/sessions/new", form)
        assert response.status_code == 400
        assert "There is a problem" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GroupSession)) == before
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 0

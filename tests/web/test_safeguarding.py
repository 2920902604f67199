"""Safeguarding: free text screened against the word lists, flags, the lead's pages, the lists.

A child whose free text has a listed word sees nothing different; the facilitator learns
which tablet and when, never what was written; only the safeguarding lead for the
session's area reads it, and every reading is in the audit log. Researchers keep the
word lists, and every change is audited.
"""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.support.forms import csrf_token
from tests.support.hostile import CONTROL_TEXTS, assert_neutralised, assert_shows_literally
from tests.support.participants import load_demo, post_page, question_form, skip_question
from tests.support.staff import log_in, make_staff
from tests.support.studio import post_form, staff_client
from voice_app.extensions import db
from voice_app.group_sessions import flags_for
from voice_app.kiosk import create_link
from voice_app.models import (
    Answer,
    Area,
    AuditEvent,
    FlagKind,
    FlagStatus,
    GroupSession,
    Role,
    SafeguardingFlag,
    SafeguardingTerm,
    StaffArea,
)
from voice_app.screening import MAX_PHRASE, load_starter_terms

MATCHING = "My stepdad hits me when mum is at work"
HARMLESS = "I like the youth club and the trips"
TERMS_URL = "/research/safeguarding-terms"
_TOKENS = re.compile(r'(<input[^>]*name="(?:csrf_token|submission_id)"[^>]*value=")[^"]+"')


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def demo(app: Flask, runner) -> dict[str, int | str]:
    """The demo session with the starter word lists loaded: its code, id and area."""
    code = load_demo(runner)
    with app.app_context():
        load_starter_terms(db.session)
        db.session.commit()
        group_session = db.session.scalar(select(GroupSession).where(GroupSession.code == code))
        return {"code": code, "session_id": group_session.id, "area_id": group_session.area_id}


def tablet(app: Flask, session_id: int, label: str) -> FlaskClient:
    """A shared tablet bound to the session with a kiosk link, at the Start button."""
    with app.app_context():
        _link, token = create_link(db.session, session_id, label=label)
        db.session.commit()
    client = app.test_client()
    assert client.get(f"/kiosk/{token}").status_code == 302
    return client


def start(client: FlaskClient, audience: str = "young_13_17", language: str | None = None) -> None:
    welcome = client.get("/").get_data(as_text=True)
    assert client.post("/start", data={"csrf_token": csrf_token(welcome)}).status_code == 302
    if language:
        assert post_page(client, "/language", {"answer": language}).status_code == 302
    else:
        client.get("/language")
    assert post_page(client, "/who", {"answer": audience}).status_code == 302
    assert post_page(client, "/about", {"assent": "yes"}).headers["Location"] == "/q/1"


def free_text_position(client: FlaskClient) -> int:
    """Skip to the free-text question; its position."""
    position = 1
    while question_form(client, position)[0] != "free_text":
        skip_question(client, position)
        position += 1
    return position


def write(client: FlaskClient, position: int, text: str) -> TestResponse:
    _format, token, submission = question_form(client, position)
    return client.post(
        f"/q/{position}",
        data={"csrf_token": token, "submission_id": submission, "action": "answer", "answer": text},
    )


def tablet_writes(app: Flask, demo: dict, label: str, text: str, **start_kw) -> TestResponse:
    client = tablet(app, demo["session_id"], label)
    start(client, **start_kw)
    return write(client, free_text_position(client), text)


def flags(app: Flask) -> list[SafeguardingFlag]:
    with app.app_context():
        found = db.session.scalars(select(SafeguardingFlag).order_by(SafeguardingFlag.id)).all()
        db.session.expunge_all()
        return list(found)


def audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return list(found)


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def signed_in(
    app: Flask, username: str, role: Role, area_id: int | None = None
) -> tuple[FlaskClient, int]:
    """A member of staff with one role (working in one area), signed in: browser and id."""
    user_id = make_staff(app, username, role)
    if area_id is not None:
        with app.app_context():
            db.session.add(StaffArea(user_id=user_id, area_id=area_id))
            db.session.commit()
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client, user_id


def lead_for(app: Flask, username: str, area_id: int) -> tuple[FlaskClient, int]:
    """A safeguarding lead covering one area, signed in: their browser and id."""
    return signed_in(app, username, Role.SAFEGUARDING_LEAD, area_id)


def other_area(app: Flask) -> int:
    with app.app_context():
        area = Area(code="other", name="Another partnership")
        db.session.add(area)
        db.session.commit()
        return area.id


def without_tokens(html: str) -> str:
    return _TOKENS.sub(r'\1"', html)


# --- screening in the participant journey ------------------------------------------------


def test_listed_words_raise_a_flag_with_the_tablet_and_the_child_sees_nothing_different(app, demo):
    harmless = tablet_writes(app, demo, "Tablet 1", HARMLESS)
    assert flags(app) == []
    matching = tablet_writes(app, demo, "Tablet 2", MATCHING)
    # The same next page, whatever was written.
    assert (matching.status_code, matching.headers["Location"]) == (
        harmless.status_code,
        harmless.headers["Location"],
    )
    [flag] = flags(app)
    assert flag.kind is FlagKind.SCREENED_TEXT
    assert flag.device_label == "Tablet 2"
    assert flag.status is FlagStatus.OPEN
    assert flag.session_id == demo["session_id"] and flag.participant_id
    with app.app_context():
        assert db.session.get(Answer, flag.answer_id).free_text == MATCHING


def test_the_page_after_a_flagged_answer_is_the_same_as_after_any_other(app, demo):
    pages = []
    for label, text in (("Tablet 1", HARMLESS), ("Tablet 2", MATCHING)):
        client = tablet(app, demo["session_id"], label)
        start(client)
        response = write(client, free_text_position(client), text)
        pages.append(without_tokens(client.get(response.headers["Location"]).get_data(True)))
    assert pages[0] == pages[1]
    assert len(flags(app)) == 1


def test_the_facilitator_learns_which_tablet_and_when_never_what_was_written(app, demo):
    tablet_writes(app, demo, "Tablet 7", f"<b>{MATCHING}</b>")
    with app.app_context():
        [flag] = flags_for(db.session, demo["session_id"])
        # The words are kept with the flag for the lead's record, and nowhere else.
        assert "hits me" in flag.flagged_text
        shown = {
            column.name: getattr(flag, column.name)
            for column in flag.__table__.columns
            if column.name != "flagged_text"
        }
        assert shown["device_label"] == "Tablet 7" and shown["raised_at"] is not None
        assert not any("hits me" in str(value) for value in shown.values())
    # What the facilitator's live page polls: the tablet and the time, never the words.
    with app.test_request_context():
        from voice_app.facilitator.views import _live_state

        live = json.dumps(_live_state(demo["session_id"]))
    assert "Tablet 7" in live and "hits" not in live
    with app.app_context():
        # Nor does anything in the audit log hold the text.
        details = json.dumps(db.session.scalars(select(AuditEvent.detail)).all())
        assert "hits" not in details


def test_text_is_screened_in_the_language_of_the_page_and_in_english(app, demo):
    with app.app_context():
        group_session = db.session.get(GroupSession, demo["session_id"])
        group_session.languages = ["en_GB", "pl"]
        db.session.commit()
    tablet_writes(app, demo, "Tablet 1", "Ojczym bije mnie.", language="pl")
    tablet_writes(app, demo, "Tablet 2", "he HITS me", language="pl")
    tablet_writes(app, demo, "Tablet 3", "Wszystko dobrze", language="pl")
    tablet_writes(app, demo, "Tablet 4", "My friend said bije mnie as a joke")  # English page
    assert [f.device_label for f in flags(app)] == ["Tablet 1", "Tablet 2"]


def test_words_inside_longer_words_raise_no_flag(app, demo):
    tablet_writes(app, demo, "Tablet 1", "The white mess by the shitting hitmen was abusers' fault")
    assert flags(app) == []


def test_editing_a_flagged_answer_keeps_one_open_flag_for_it(app, demo):
    client = tablet(app, demo["session_id"], "Tablet 5")
    start(client)
    position = free_text_position(client)
    write(client, position, MATCHING)
    write(client, position, "Actually he hit me and I want to run away")
    write(client, position, HARMLESS)
    assert len(flags(app)) == 1
    # Once the lead has recorded the action, a new match is a new flag.
    with app.app_context():
        flag = db.session.scalar(select(SafeguardingFlag))
        flag.status = FlagStatus.RESOLVED
        db.session.commit()
    write(client, position, "he hurt me again")
    assert [f.status for f in flags(app)] == [FlagStatus.RESOLVED, FlagStatus.OPEN]


def test_a_skipped_or_empty_free_text_is_not_screened(app, demo):
    client = tablet(app, demo["session_id"], "Tablet 1")
    start(client)
    position = free_text_position(client)
    write(client, position, "   ")
    skip_question(client, position)
    assert flags(app) == []


def test_a_word_a_researcher_adds_is_screened_from_then_on(app, demo):
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    added = post_form(researcher, TERMS_URL, {"language": "en_GB", "phrase": "locked in"})
    assert added.status_code == 302
    tablet_writes(app, demo, "Tablet 9", "They kept me LOCKED-IN my room")
    assert [f.device_label for f in flags(app)] == ["Tablet 9"]


# --- the safeguarding lead's pages ---------------------------------------------------------


def test_the_lead_sees_flags_in_their_areas_without_any_text(app, demo):
    tablet_writes(app, demo, "Tablet 2", MATCHING)
    lead, lead_id = lead_for(app, "lead", demo["area_id"])
    page = lead.get("/safeguarding/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert demo["code"] in html and "Tablet 2" in html
    assert "Free text matched the word list" in html and "Open" in html
    assert "hits me" not in html and "stepdad" not in html
    [viewed] = audit_rows(app, "flag.list_viewed")
    assert viewed.actor_id == lead_id


def test_the_lead_reads_the_text_escaped_and_every_view_is_audited(app, demo):
    hostile = f"<script>alert(1)</script>\n{MATCHING}\n{{{{ 7*7 }}}}"
    tablet_writes(app, demo, "Tablet 2", hostile)
    [flag] = flags(app)
    lead, lead_id = lead_for(app, "lead", demo["area_id"])
    for _ in range(2):
        page = lead.get(f"/safeguarding/flags/{flag.id}")
        assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_neutralised(html)
    assert_shows_literally(html, "<script>alert(1)</script>")
    assert_shows_literally(html, MATCHING)
    assert "{{ 7*7 }}" in html and 'dir="auto"' in html
    assert '<li dir="auto">hits me</li>' in html  # the words from the list that were found
    views = audit_rows(app, "flag.text_viewed")
    assert [(v.actor_id, v.target_type, v.target_id) for v in views] == [
        (lead_id, "safeguarding_flag", str(flag.id))
    ] * 2
    assert all("hits" not in json.dumps(v.detail) for v in views)


def test_the_lead_records_the_action_taken_with_a_required_note(app, demo):
    tablet_writes(app, demo, "Tablet 2", MATCHING)
    [flag] = flags(app)
    lead, lead_id = lead_for(app, "lead", demo["area_id"])
    url = f"/safeguarding/flags/{flag.id}"
    empty = post_form(lead, url, {"note": "   "}, action=f"{url}/resolve")
    assert empty.status_code == 400
    assert "Write what was done" in empty.get_data(as_text=True)
    for control in CONTROL_TEXTS[:3]:
        refused = post_form(lead, url, {"note": control}, action=f"{url}/resolve")
        assert refused.status_code == 400
        assert "hidden control characters" in refused.get_data(as_text=True)
    too_long = post_form(lead, url, {"note": "x" * 2001}, action=f"{url}/resolve")
    assert too_long.status_code == 400
    assert flags(app)[0].status is FlagStatus.OPEN
    note = "Spoke to the young person with the facilitator; referred to children's services."
    done = post_form(lead, url, {"note": note}, action=f"{url}/resolve")
    assert done.status_code == 302 and done.headers["Location"] == "/safeguarding/"
    [resolved] = flags(app)
    assert resolved.status is FlagStatus.RESOLVED
    assert resolved.resolved_by_id == lead_id and resolved.resolved_at is not None
    assert resolved.action_note == note
    assert [e.actor_id for e in audit_rows(app, "flag.resolved")] == [lead_id]
    page = lead.get(url).get_data(as_text=True)
    assert_shows_literally(page, note)
    assert "Record the action taken" not in page
    again = lead.post(f"{url}/resolve", data={"csrf_token": csrf_token(page), "note": "more"})
    assert again.status_code == 400
    assert "already been recorded" in again.get_data(as_text=True)


def test_a_wish_to_talk_flag_has_no_text_and_can_be_closed(app, demo):
    with app.app_context():
        db.session.add(
            SafeguardingFlag(
                session_id=demo["session_id"], kind=FlagKind.WANTS_TO_TALK, device_label="Tablet 4"
            )
        )
        db.session.commit()
    [flag] = flags(app)
    lead, _lead_id = lead_for(app, "lead", demo["area_id"])
    page = lead.get(f"/safeguarding/flags/{flag.id}").get_data(as_text=True)
    assert "want to talk to someone" in page and "What they wrote" not in page
    assert audit_rows(app, "flag.viewed") and not audit_rows(app, "flag.text_viewed")
    url = f"/safeguarding/flags/{flag.id}"
    done = post_form(lead, url, {"note": "Talked with them."}, action=f"{url}/resolve")
    assert done.status_code == 302


def test_a_lead_from_another_area_cannot_see_or_close_the_flag(app, demo):
    tablet_writes(app, demo, "Tablet 2", MATCHING)
    [flag] = flags(app)
    elsewhere, _lead_id = lead_for(app, "elsewhere", other_area(app))
    listing = elsewhere.get("/safeguarding/").get_data(as_text=True)
    assert demo["code"] not in listing and "There are no flags in your areas." in listing
    assert elsewhere.get(f"/safeguarding/flags/{flag.id}").status_code == 403
    token = csrf_token(listing)
    closed = elsewhere.post(
        f"/safeguarding/flags/{flag.id}/resolve", data={"csrf_token": token, "note": "x"}
    )
    assert closed.status_code == 403
    assert audit_rows(app, "flag.text_viewed") == []
    assert flags(app)[0].status is FlagStatus.OPEN


def test_a_lead_with_no_areas_is_told_so(app, demo):
    client = staff_client(app, "new-lead", Role.SAFEGUARDING_LEAD)
    html = client.get("/safeguarding/").get_data(as_text=True)
    assert "not linked to any area" in html


def test_unknown_flags_are_not_found(app, demo):
    lead, _lead_id = lead_for(app, "lead", demo["area_id"])
    for flag_id in (999, 2**31, 10**20):
        assert lead.get(f"/safeguarding/flags/{flag_id}").status_code == 404


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.RESEARCHER, Role.ADVISOR, Role.ADMIN])
def test_other_roles_cannot_use_any_safeguarding_page(app, demo, role):
    tablet_writes(app, demo, "Tablet 2", MATCHING)
    [flag] = flags(app)
    # Even working in the session's area: the role is what counts.
    client, _user_id = signed_in(app, f"someone-{role.value}", role, demo["area_id"])
    assert client.get("/safeguarding/").status_code == 403
    assert client.get(f"/safeguarding/flags/{flag.id}").status_code == 403
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    resolve = client.post(
        f"/safeguarding/flags/{flag.id}/resolve", data={"csrf_token": token, "note": "x"}
    )
    assert resolve.status_code == 403
    assert audit_rows(app, "flag.text_viewed") == []
    assert flags(app)[0].status is FlagStatus.OPEN


def test_signed_out_visitors_are_sent_to_sign_in(client, demo):
    for url in ("/safeguarding/", "/safeguarding/flags/1", TERMS_URL):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


# --- researchers keep the word lists -----------------------------------------------------


def test_researchers_see_every_list_with_counts(app, demo):
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    page = researcher.get(TERMS_URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for native in ("English", "Cymraeg", "Polski", "العربية", "ਪੰਜਾਬੀ", "Soomaali"):
        assert native in html
    assert "scared to go home" in html  # English is shown first
    polish = researcher.get(f"{TERMS_URL}?language=pl").get_data(as_text=True)
    assert "bije mnie" in polish
    assert len(audit_rows(app, "safeguarding_terms.viewed")) == 2


def test_an_empty_list_is_pointed_out(app, demo):
    with app.app_context():
        for term in db.session.scalars(
            select(SafeguardingTerm).where(SafeguardingTerm.language == "so")
        ):
            db.session.delete(term)
        db.session.commit()
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    html = researcher.get(f"{TERMS_URL}?language=so").get_data(as_text=True)
    assert "This list is empty" in html


def test_a_researcher_adds_and_removes_a_word_and_both_are_audited(app, demo):
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    added = post_form(researcher, TERMS_URL, {"language": "pl", "phrase": "  ojczym  mnie bije "})
    assert added.status_code == 302
    assert added.headers["Location"] == f"{TERMS_URL}?language=pl#terms"
    page = researcher.get(f"{TERMS_URL}?language=pl").get_data(as_text=True)
    assert "Added to the list: ojczym mnie bije" in page
    with app.app_context():
        term = db.session.scalar(
            select(SafeguardingTerm).where(SafeguardingTerm.phrase == "ojczym mnie bije")
        )
        assert term.language == "pl" and term.added_by_id is not None
        term_id = term.id
    [event] = audit_rows(app, "safeguarding_term.added")
    assert event.actor_id == term.added_by_id and event.target_id == str(term_id)
    removed = post_form(
        researcher,
        f"{TERMS_URL}?language=pl",
        {"language": "pl"},
        action=f"{TERMS_URL}/{term_id}/remove",
    )
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.get(SafeguardingTerm, term_id) is None
    assert len(audit_rows(app, "safeguarding_term.removed")) == 1
    again = post_form(researcher, TERMS_URL, {}, action=f"{TERMS_URL}/{term_id}/remove")
    assert again.status_code == 302
    assert "already been taken off" in researcher.get(again.headers["Location"]).get_data(True)
    huge = post_form(researcher, TERMS_URL, {}, action=f"{TERMS_URL}/{2**40}/remove")
    assert huge.status_code == 404  # no row can have that id
    assert len(audit_rows(app, "safeguarding_term.removed")) == 1


@pytest.mark.parametrize(
    ("language", "phrase", "message"),
    [
        ("xx", "hit me", "Choose a language from the list."),
        ("", "hit me", "Choose a language from the list."),
        ("en_GB", "", "Write the word or phrase to look for."),
        ("en_GB", " \n ", "Write the word or phrase to look for."),
        ("en_GB", "w" * (MAX_PHRASE + 1), "200 characters or fewer"),
        ("en_GB", "hit\x00me", "hidden control characters"),
        ("en_GB", "\x1b[31mred", "hidden control characters"),
        ("en_GB", "?!?", "Punctuation alone cannot be matched."),
        ("en_GB", "HIT   me", "already on this language"),
        ("en_GB", "Hit, me!", "already on this language"),
    ],
)
def test_bad_words_are_refused_with_a_friendly_message_and_nothing_changes(
    app, demo, language, phrase, message
):
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    before = count(app, SafeguardingTerm)
    refused = post_form(researcher, TERMS_URL, {"language": language, "phrase": phrase})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert message in html and "There is a problem" in html
    assert "<title>Error:" in html
    assert count(app, SafeguardingTerm) == before
    assert audit_rows(app, "safeguarding_term.added") == []


@pytest.mark.parametrize(
    "phrase", ["<script>alert(1)</script>", "{{ 7*7 }}", "'; DROP TABLE answer; --", "مجھے ڈر"]
)
def test_naughty_words_are_stored_and_shown_as_typed(app, demo, phrase):
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    added = post_form(researcher, TERMS_URL, {"language": "ur", "phrase": phrase})
    assert added.status_code == 302
    html = researcher.get(f"{TERMS_URL}?language=ur").get_data(as_text=True)
    assert_neutralised(html)
    assert_shows_literally(html, phrase)


@pytest.mark.parametrize(
    "role", [Role.FACILITATOR, Role.SAFEGUARDING_LEAD, Role.ADVISOR, Role.ADMIN]
)
def test_only_researchers_keep_the_lists(app, demo, role):
    client = staff_client(app, f"someone-{role.value}", role)
    before = count(app, SafeguardingTerm)
    assert client.get(TERMS_URL).status_code == 403
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    added = client.post(TERMS_URL, data={"csrf_token": token, "language": "en", "phrase": "x"})
    assert added.status_code == 403
    with app.app_context():
        term_id = db.session.scalar(select(SafeguardingTerm.id))
    removed = client.post(f"{TERMS_URL}/{term_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 403
    assert count(app, SafeguardingTerm) == before
    assert audit_rows(app, "safeguarding_term.added") == []
    assert audit_rows(app, "safeguarding_term.removed") == []

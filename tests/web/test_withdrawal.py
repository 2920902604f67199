"""Withdrawal by code: exactly that person's answers go, a wrong code changes nothing.

People aged 13+ finish the demo journey and note the code on their thank-you screen;
a facilitator (their own sessions only) or a researcher types it in at
/facilitate/withdraw, checks what would go, and confirms.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.support.forms import csrf_token
from tests.support.hostile import CONTROL_TEXTS, HOSTILE_TEXTS
from tests.support.pages import check_page
from tests.support.participants import join_and_start, load_demo, post_page, question_form
from tests.support.studio import staff_client
from voice_app.config import build_config
from voice_app.extensions import db
from voice_app.group_sessions import participation_counts
from voice_app.journey import NewParticipant, finish, flow_steps, record_answer, start_participant
from voice_app.models import (
    Answer,
    AnswerFormat,
    Audience,
    AuditEvent,
    FlagKind,
    GroupSession,
    Participant,
    ParticipationMode,
    Role,
    SafeguardingFlag,
    SessionStatus,
    StaffUser,
    Withdrawal,
)
from voice_app.withdrawals import (
    WithdrawalError,
    preview_withdrawal,
    withdraw_by_code,
    withdrawable_session_ids,
)

URL = "/facilitate/withdraw"
THANKS_CODE = re.compile(r'<p class="fv-code" lang="en" dir="ltr">([A-Z0-9]{4}-[A-Z0-9]{4})</p>')
UNKNOWN = "We cannot find that withdrawal code. Check it with the person and try again."
FORMAT = "A withdrawal code has 8 letters and numbers. Check it and try again."
MISSING = "Enter the withdrawal code."
DONE = "Their answers are deleted."
# What each person says, so two people's answers differ (and so does what is written).
ANSWERS = {
    "first": {"faces": "2", "yes_maybe_no": "no", "free_text": "I worry about my brother"},
    "second": {"faces": "5", "yes_maybe_no": "yes", "free_text": "My youth worker helps me"},
}


# --- set-up through the real journey --------------------------------------------------


@dataclass
class Person:
    participant_id: str
    code: str  # as shown on the thank-you screen, e.g. "AC3F-KM9X"


def finish_journey(app: Flask, session_code: str, answers: dict[str, str], talk: str) -> Person:
    """A young person answers what they can, skips the rest, and reads their code."""
    client = app.test_client()
    join_and_start(client, session_code, "young_13_17")
    position = 1
    while client.get(f"/q/{position}").status_code == 200:
        answer_format, token, submission = question_form(client, position)
        data = {"csrf_token": token, "submission_id": submission}
        if answer_format in answers:
            data |= {"action": "answer", "answer": answers[answer_format]}
        else:
            data |= {"action": "skip"}
        response = client.post(f"/q/{position}", data=data)
        assert response.status_code == 302, (position, answer_format)
        position += 1
    assert post_page(client, "/talk", {"talk": talk}).headers["Location"] == "/thanks"
    match = THANKS_CODE.search(client.get("/thanks").get_data(as_text=True))
    assert match, "no withdrawal code on the thank-you screen"
    with app.app_context():
        newest = db.session.scalars(select(Participant).order_by(Participant.finished_at.desc()))
        return Person(participant_id=newest.first().id, code=match.group(1))


@dataclass
class Room:
    session_code: str
    session_id: int
    first: Person
    second: Person


@pytest.fixture
def room(app: Flask, runner) -> Room:
    """The demo session, run by the facilitator "fay", with two young people finished."""
    session_code = load_demo(runner)
    first = finish_journey(app, session_code, ANSWERS["first"], talk="yes")
    second = finish_journey(app, session_code, ANSWERS["second"], talk="no")
    with app.app_context():
        group_session = db.session.scalar(
            select(GroupSession).where(GroupSession.code == session_code)
        )
        return Room(session_code, group_session.id, first, second)


def give_session_to(app: Flask, session_id: int, username: str) -> None:
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        db.session.get(GroupSession, session_id).facilitator_id = user.id
        db.session.commit()


@pytest.fixture
def fay(app: Flask, room: Room) -> FlaskClient:
    """The facilitator who runs the demo session."""
    client = staff_client(app, "fay", Role.FACILITATOR)
    give_session_to(app, room.session_id, "fay")
    return client


# --- looking at the database ----------------------------------------------------------


def answers_of(participant_id: str) -> list[tuple[object, ...]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(
                Answer.id,
                Answer.participant_id,
                Answer.version_id,
                Answer.skipped,
                Answer.value,
                Answer.free_text,
                Answer.submission_id,
                Answer.answered_at,
            )
            .where(Answer.participant_id == participant_id)
            .order_by(Answer.id)
        )
    ]


def participant_row(participant_id: str) -> tuple[object, ...] | None:
    table = Participant.__table__
    row = db.session.execute(select(table).where(table.c.id == participant_id)).first()
    return None if row is None else tuple(row)


def snapshot(app: Flask) -> dict[str, object]:
    """Every row a withdrawal could touch, to prove that nothing changed."""
    with app.app_context():
        return {
            "participant": sorted(
                tuple(row) for row in db.session.execute(select(Participant.__table__))
            ),
            "answer": sorted(
                (row.id, row.participant_id, row.version_id, row.skipped, row.free_text)
                for row in db.session.execute(select(Answer.__table__))
            ),
            "withdrawal": db.session.scalar(select(func.count()).select_from(Withdrawal)),
            "flags": sorted(
                (row.id, row.participant_id, row.answer_id)
                for row in db.session.execute(select(SafeguardingFlag.__table__))
            ),
            "withdrawn_events": db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "participant.withdrawn")
            ),
        }


def young_people_started(app: Flask, session_id: int) -> int:
    with app.app_context():
        counts = {c.audience: c for c in participation_counts(db.session, session_id)}
        return counts[Audience.YOUNG_13_17.value].started


# --- driving the page -----------------------------------------------------------------


def look_up(client: FlaskClient, typed: str) -> TestResponse:
    """Type a code and press Continue (the first step: nothing is deleted yet)."""
    page = client.get(URL)
    assert page.status_code == 200
    response = client.post(
        URL, data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": typed}
    )
    if response.status_code in {200, 400}:
        check_page(response.get_data(as_text=True), URL)
    return response


def confirm(client: FlaskClient, looked_up: TestResponse) -> TestResponse:
    """Press Confirm on the confirmation page, sending what its form holds."""
    html = looked_up.get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))
    return client.post(URL, data=hidden)


def withdraw(client: FlaskClient, typed: str) -> TestResponse:
    looked_up = look_up(client, typed)
    assert looked_up.status_code == 200, looked_up.get_data(as_text=True)
    return confirm(client, looked_up)


# --- the whole thing, through the pages -----------------------------------------------


def test_withdrawing_by_code_removes_exactly_that_persons_answers(app, room, fay):
    with app.app_context():
        second_answers = answers_of(room.second.participant_id)
        second_row = participant_row(room.second.participant_id)
        first_answered = db.session.scalar(
            select(func.count())
            .select_from(Answer)
            .where(Answer.participant_id == room.first.participant_id, Answer.skipped.is_(False))
        )
        first_rows = len(answers_of(room.first.participant_id))
    assert first_answered > 0 and len(second_answers) == first_rows
    assert young_people_started(app, room.session_id) == 2

    looked_up = look_up(fay, room.first.code)
    page = html.unescape(looked_up.get_data(as_text=True))
    assert looked_up.status_code == 200
    assert '<h1 class="fv-heading-l">Withdraw this person\'s answers?</h1>' in page
    assert room.session_code in page
    assert f'<dd class="fv-summary-list__value">{first_answered}</dd>' in page
    # Checking the code deletes nothing.
    with app.app_context():
        assert participant_row(room.first.participant_id) is not None

    done = confirm(fay, looked_up)
    assert done.status_code == 302 and done.headers["Location"] == URL
    assert DONE in fay.get(URL).get_data(as_text=True)

    with app.app_context():
        assert answers_of(room.first.participant_id) == []
        assert participant_row(room.first.participant_id) is None
        # The other person's answers and row are untouched, byte for byte.
        assert answers_of(room.second.participant_id) == second_answers
        assert participant_row(room.second.participant_id) == second_row
        withdrawal = db.session.scalar(select(Withdrawal))
        assert withdrawal.session_id == room.session_id
        assert withdrawal.answers_removed == first_rows
        fay_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "fay"))
        assert withdrawal.recorded_by_id == fay_id
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "participant.withdrawn")
        )
        assert event.actor_id == fay_id
        assert (event.target_type, event.target_id) == ("group_session", str(room.session_id))
        assert event.detail == {"withdrawal_id": withdrawal.id, "answers_removed": first_rows}
    assert young_people_started(app, room.session_id) == 1


def test_the_audit_log_holds_nothing_of_the_person_or_what_they_said(app, room, fay):
    withdraw(fay, room.first.code)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("participant.%"))
        ).all()
        assert {e.action for e in events} == {
            "participant.withdrawal_checked",
            "participant.withdrawn",
        }
        logged = json.dumps(
            [(e.action, e.target_type, e.target_id, e.detail) for e in events]
        ).upper()
    for secret in (
        room.first.participant_id.upper(),
        room.first.code,
        room.first.code.replace("-", ""),
        ANSWERS["first"]["free_text"].upper(),
    ):
        assert secret not in logged


def test_a_raised_safeguarding_flag_stays_after_withdrawal(app, room, fay):
    with app.app_context():
        flag = db.session.scalar(
            select(SafeguardingFlag).where(
                SafeguardingFlag.participant_id == room.first.participant_id
            )
        )
        assert flag.kind is FlagKind.WANTS_TO_TALK
        flag_id = flag.id
    assert withdraw(fay, room.first.code).status_code == 302
    with app.app_context():
        kept = db.session.get(SafeguardingFlag, flag_id)
        assert kept is not None and kept.participant_id is None
        assert kept.session_id == room.session_id


def test_the_same_code_cannot_be_used_twice(app, room, fay):
    looked_up = look_up(fay, room.first.code)
    assert confirm(fay, looked_up).status_code == 302
    before = snapshot(app)
    again = look_up(fay, room.first.code)
    assert again.status_code == 400 and UNKNOWN in again.get_data(as_text=True)
    # Pressing Confirm a second time (a double click, or Back then Confirm) does nothing.
    twice = confirm(fay, looked_up)
    assert twice.status_code == 400 and UNKNOWN in twice.get_data(as_text=True)
    assert snapshot(app) == before


def test_codes_are_forgiving_of_case_spaces_and_dashes(app, room, fay):
    spaced = f"  {room.first.code.lower().replace('-', ' - ')}  "
    squashed = " ".join(room.second.code.replace("-", "").lower())
    assert withdraw(fay, spaced).status_code == 302
    with app.app_context():
        assert participant_row(room.first.participant_id) is None
        assert participant_row(room.second.participant_id) is not None
    assert withdraw(fay, squashed).status_code == 302
    with app.app_context():
        assert participant_row(room.second.participant_id) is None


WRONG_CODES = [
    ("", MISSING),
    ("   - ", MISSING),
    ("ABC", FORMAT),
    ("ACEF-HJKMN", FORMAT),
    ("BBBB-BBBB", FORMAT),  # B is not in the code alphabet: it looks like 8
    ("ACEF-HJKM", UNKNOWN),
]


def test_a_wrong_code_changes_nothing_and_says_so_kindly(app, room, fay):
    before = snapshot(app)
    for typed, message in WRONG_CODES:
        response = look_up(fay, typed)
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400, typed
        assert message in page and "<title>Error: " in page, typed
        assert 'href="#code"' in page  # the error summary leads to the box
    assert snapshot(app) == before


def test_hostile_codes_are_refused_cleanly(app, room, fay):
    app.config["WITHDRAWAL_CODE_FAILURES_LIMIT"] = "1000 per 5 minutes"
    before = snapshot(app)
    for typed in HOSTILE_TEXTS + CONTROL_TEXTS:
        response = look_up(fay, typed)  # look_up checks the page is valid HTML
        assert response.status_code == 400, typed
        page = response.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert snapshot(app) == before


def test_a_wrong_code_at_the_confirm_step_changes_nothing(app, room, fay):
    looked_up = look_up(fay, room.first.code)
    html = looked_up.get_data(as_text=True)
    forged = {
        "csrf_token": csrf_token(html),
        "code": "ACEF-HJKM",
        "step": "confirm",
    }
    before = snapshot(app)
    response = fay.post(URL, data=forged)
    assert response.status_code == 400 and UNKNOWN in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_cancelling_at_the_confirm_step_keeps_everything(app, room, fay):
    before = snapshot(app)
    looked_up = look_up(fay, room.first.code)
    assert f'href="{URL}">Cancel</a>' in looked_up.get_data(as_text=True)
    assert fay.get(URL).status_code == 200
    after = snapshot(app)
    assert after == before


# --- who may withdraw whom ------------------------------------------------------------


def test_another_facilitator_cannot_withdraw_from_a_session_that_is_not_theirs(app, room, fay):
    otto = staff_client(app, "otto", Role.FACILITATOR)
    with app.app_context():
        demo = db.session.get(GroupSession, room.session_id)
        otto_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "otto"))
        db.session.add(
            GroupSession(
                code="TTTTTT",
                area_id=demo.area_id,
                flow_id=demo.flow_id,
                facilitator_id=otto_id,
                status=SessionStatus.OPEN,
            )
        )
        db.session.commit()
    before = snapshot(app)
    response = look_up(otto, room.first.code)
    # The same message as for a code that does not exist: nothing says it is real.
    assert response.status_code == 400 and UNKNOWN in response.get_data(as_text=True)
    assert room.session_code not in response.get_data(as_text=True)
    # Sending the confirm step directly does not get round it either.
    page = otto.get(URL).get_data(as_text=True)
    forced = otto.post(
        URL, data={"csrf_token": csrf_token(page), "code": room.first.code, "step": "confirm"}
    )
    assert forced.status_code == 400 and UNKNOWN in forced.get_data(as_text=True)
    assert snapshot(app) == before


def test_a_researcher_can_withdraw_from_any_session(app, room, fay):
    rosa = staff_client(app, "rosa", Role.RESEARCHER)
    assert withdraw(rosa, room.second.code).status_code == 302
    with app.app_context():
        assert participant_row(room.second.participant_id) is None
        assert participant_row(room.first.participant_id) is not None
        rosa_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "rosa"))
        assert db.session.scalar(select(Withdrawal.recorded_by_id)) == rosa_id


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SAFEGUARDING_LEAD, Role.ADMIN])
def test_other_staff_cannot_use_the_withdrawal_page(app, room, role):
    client = staff_client(app, f"someone-{role.value}", role)
    assert client.get(URL).status_code == 403
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    before = snapshot(app)
    response = client.post(URL, data={"csrf_token": token, "code": room.first.code})
    assert response.status_code == 403
    assert snapshot(app) == before


def test_signed_out_visitors_are_sent_to_sign_in(app, room):
    response = app.test_client().get(URL)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


# --- guessing codes is limited ---------------------------------------------------------


def test_guessing_codes_is_rate_limited_per_client(app, room, fay):
    before = snapshot(app)
    token = csrf_token(fay.get(URL).get_data(as_text=True))

    def send(code: str) -> int:
        return fay.post(URL, data={"csrf_token": token, "code": code}).status_code

    statuses = [send("ACEF-HJKM") for _ in range(9)]
    # Looking up a right code is not a failure and does not count.
    statuses.append(send(room.first.code))
    statuses.append(send("ACEF-HJKM"))
    assert statuses == [400] * 9 + [200, 400]
    refused = fay.post(URL, data={"csrf_token": token, "code": "ACEF-HJKM"})
    assert refused.status_code == 429
    check_page(refused.get_data(as_text=True), URL)
    assert "Too many tries" in refused.get_data(as_text=True)
    # Once limited, even the right code (or its confirm step) waits.
    confirm_step = {"csrf_token": token, "code": room.first.code, "step": "confirm"}
    assert fay.post(URL, data=confirm_step).status_code == 429
    # The page itself still opens, and another computer is not locked out.
    assert fay.get(URL).status_code == 200
    colleague = staff_client(app, "rosa", Role.RESEARCHER)
    colleague.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert send_from(colleague, "ACEF-HJKM") == 400
    assert snapshot(app)["participant"] == before["participant"]


def send_from(client: FlaskClient, code: str) -> int:
    token = csrf_token(client.get(URL).get_data(as_text=True))
    return client.post(URL, data={"csrf_token": token, "code": code}).status_code


def test_the_limit_comes_from_configuration(app, room, fay):
    app.config["WITHDRAWAL_CODE_FAILURES_LIMIT"] = "2 per 5 minutes"
    assert [send_from(fay, "ACEF-HJKM") for _ in range(3)] == [400, 400, 429]


def test_the_limit_defaults_to_ten_tries_in_five_minutes_and_can_be_set(tmp_path):
    assert build_config(tmp_path, {}, None)["WITHDRAWAL_CODE_FAILURES_LIMIT"] == (
        "10 per 5 minutes"
    )
    environ = {"VOICE_WITHDRAWAL_CODE_FAILURES_LIMIT": "5 per hour"}
    assert build_config(tmp_path, environ, None)["WITHDRAWAL_CODE_FAILURES_LIMIT"] == "5 per hour"


# --- the service on its own -------------------------------------------------------------


@dataclass
class Stored:
    session_id: int
    first: Person
    second: Person


def finish_directly(session_id: int, key: str, free_text: str) -> Person:
    """A young person through the journey services: every question answered or skipped."""
    group_session = db.session.get(GroupSession, session_id)
    participant = start_participant(
        db.session,
        NewParticipant(session_id, Audience.YOUNG_13_17, "en_GB", ParticipationMode.TABLET),
    )
    db.session.commit()
    for step in flow_steps(db.session, group_session, Audience.YOUNG_13_17):
        if step.format is AnswerFormat.FREE_TEXT:
            kwargs = {"value": free_text}
        elif step.format is AnswerFormat.YES_MAYBE_NO:
            kwargs = {"value": "maybe"}
        else:
            kwargs = {"skipped": True}
        record_answer(
            db.session,
            participant_id=participant.id,
            step=step,
            submission_id=f"{participant.id}-{step.position}",
            **kwargs,
        )
    code = finish(
        db.session,
        participant_id=participant.id,
        stopped=False,
        wants_to_talk=False,
        pseudonym_key=key,
    )
    db.session.commit()
    assert code is not None
    return Person(participant.id, code)


@pytest.fixture
def stored(app: Flask, runner) -> Stored:
    session_code = load_demo(runner)
    staff_client(app, "fay", Role.FACILITATOR)
    staff_client(app, "rosa", Role.RESEARCHER)
    with app.app_context():
        session_id = db.session.scalar(
            select(GroupSession.id).where(GroupSession.code == session_code)
        )
    give_session_to(app, session_id, "fay")
    with app.app_context():
        key = app.config["PSEUDONYM_KEY"]
        first = finish_directly(session_id, key, "first person's words")
        second = finish_directly(session_id, key, "second person's words")
    return Stored(session_id, first, second)


def staff_named(username: str) -> StaffUser:
    return db.session.scalar(select(StaffUser).where(StaffUser.username == username))


def call(app: Flask, service, typed: str, username: str = "fay", allowed=...):
    """Run a service the way the view does, committing only when it succeeds."""
    actor = staff_named(username)
    if allowed is ...:
        allowed = withdrawable_session_ids(db.session, actor)
    try:
        result = service(
            db.session,
            pseudonym_key=app.config["PSEUDONYM_KEY"],
            typed_code=typed,
            actor=actor,
            allowed_session_ids=allowed,
        )
    except WithdrawalError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def test_withdraw_by_code_deletes_answers_and_person_and_records_it(app, stored):
    with app.app_context():
        removed = len(answers_of(stored.first.participant_id))
        others = answers_of(stored.second.participant_id)
        result = call(app, withdraw_by_code, stored.first.code)
        assert result.answers_removed == removed > 0
        assert result.session_id == stored.session_id
        assert answers_of(stored.first.participant_id) == []
        assert participant_row(stored.first.participant_id) is None
        assert answers_of(stored.second.participant_id) == others
        withdrawal = db.session.get(Withdrawal, result.withdrawal_id)
        assert withdrawal.answers_removed == removed
        assert withdrawal.recorded_by_id == staff_named("fay").id


def test_withdraw_by_code_twice_is_code_unknown(app, stored):
    with app.app_context():
        call(app, withdraw_by_code, stored.first.code)
        with pytest.raises(WithdrawalError) as refused:
            call(app, withdraw_by_code, stored.first.code)
        assert refused.value.code == "code_unknown"
        assert db.session.scalar(select(func.count()).select_from(Withdrawal)) == 1


def test_a_session_outside_the_allowed_ones_is_code_unknown(app, stored):
    with app.app_context():
        for allowed in (frozenset(), frozenset({stored.session_id + 1000})):
            with pytest.raises(WithdrawalError) as refused:
                call(app, withdraw_by_code, stored.first.code, allowed=allowed)
            assert refused.value.code == "code_unknown"
        assert participant_row(stored.first.participant_id) is not None
        # None means any session: a researcher's reach.
        call(app, withdraw_by_code, stored.first.code, username="rosa", allowed=None)
        assert participant_row(stored.first.participant_id) is None


BAD_CODES = [
    ("", "code_missing"),
    (" -- ", "code_missing"),
    ("\x00" * 8, "code_missing"),
    ("ACEF", "code_format"),
    ("ACEFHJKMN", "code_format"),
    ("acef-hjk0", "code_format"),  # 0 is not in the code alphabet
    ("١٢٣٤٥٦٧٨", "code_format"),
    ("ACEF-HJKM", "code_unknown"),
]


def test_withdraw_by_code_refuses_bad_codes(app, stored):
    with app.app_context():
        for typed, code in BAD_CODES:
            with pytest.raises(WithdrawalError) as refused:
                call(app, withdraw_by_code, typed)
            assert refused.value.code == code, typed
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 2
        assert db.session.scalar(select(func.count()).select_from(Withdrawal)) == 0


def test_a_code_only_works_with_the_key_it_was_made_under(app, stored):
    with app.app_context(), pytest.raises(WithdrawalError):
        withdraw_by_code(
            db.session,
            pseudonym_key="another-key-" + "z" * 32,
            typed_code=stored.first.code,
            actor=staff_named("rosa"),
            allowed_session_ids=None,
        )


def test_preview_counts_answers_and_deletes_nothing(app, stored):
    with app.app_context():
        rows = answers_of(stored.first.participant_id)
        preview = call(app, preview_withdrawal, stored.first.code.lower())
        assert preview.session_id == stored.session_id
        assert preview.answered == sum(1 for row in rows if not row[3]) > 0
        assert preview.skipped == sum(1 for row in rows if row[3])
        assert preview.answers == len(rows)
        assert preview.session_date is not None
        assert answers_of(stored.first.participant_id) == rows
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "participant.withdrawal_checked")
        )
        assert event.target_id == str(stored.session_id) and event.detail == {}


def test_who_may_withdraw_whom(app, stored):
    with app.app_context():
        assert withdrawable_session_ids(db.session, staff_named("rosa")) is None
        assert withdrawable_session_ids(db.session, staff_named("fay")) == {stored.session_id}


def test_flags_on_withdrawn_answers_stay_without_pointing_at_them(app, stored):
    with app.app_context():
        written = db.session.scalar(
            select(Answer).where(
                Answer.participant_id == stored.first.participant_id,
                Answer.free_text.is_not(None),
            )
        )
        flag = SafeguardingFlag(
            session_id=stored.session_id,
            participant_id=stored.first.participant_id,
            answer_id=written.id,
            kind=FlagKind.SCREENED_TEXT,
            device_label="Tablet 2",
        )
        db.session.add(flag)
        db.session.commit()
        flag_id = flag.id
        call(app, withdraw_by_code, stored.first.code)
    with app.app_context():
        kept = db.session.get(SafeguardingFlag, flag_id)
        assert (kept.participant_id, kept.answer_id) == (None, None)
        assert (kept.kind, kept.device_label) == (FlagKind.SCREENED_TEXT, "Tablet 2")

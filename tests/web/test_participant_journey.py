"""The participant journey through the test client: storage, idempotency, hostile input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select

from tests.support.forms import csrf_token
from tests.support.participants import (
    answer_question,
    join_and_start,
    load_demo,
    post_page,
    question_form,
    skip_question,
)
from voice_app.extensions import db
from voice_app.kiosk import create_link, revoke_link
from voice_app.models import (
    Answer,
    FlagKind,
    GroupSession,
    Participant,
    ParticipantStatus,
    SafeguardingFlag,
    SessionStatus,
    WebSession,
    utcnow,
)

FIRST_ANSWER = {"faces": "4", "yes_maybe_no": "yes"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_double_submitted_answer_is_stored_once(app, client, runner):
    code = load_demo(runner)
    join_and_start(client, code, "child_8_12")
    answer_format, token, submission = question_form(client, 1)
    data = {
        "csrf_token": token,
        "submission_id": submission,
        "action": "answer",
        "answer": FIRST_ANSWER[answer_format],
    }
    first = client.post("/q/1", data=data)
    second = client.post("/q/1", data=data)  # a double tap, or the browser resending
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == "/q/2"
    with app.app_context():
        assert count(Answer) == 1


def test_a_skip_is_stored_as_a_skip_with_no_value(app, client, runner):
    join_and_start(client, load_demo(runner), "parent_carer")
    _format, token, submission = question_form(client, 1)
    response = client.post(
        "/q/1",
        data={"csrf_token": token, "submission_id": submission, "action": "skip", "answer": "5"},
    )
    assert response.headers["Location"] == "/q/2"
    with app.app_context():
        answer = db.session.scalar(select(Answer))
        assert answer.skipped is True and answer.value is None and answer.free_text is None


def test_back_goes_to_the_previous_question_without_storing(app, client, runner):
    join_and_start(client, load_demo(runner), "young_13_17")
    _format, token, submission = question_form(client, 2)
    response = client.post(
        "/q/2", data={"csrf_token": token, "submission_id": submission, "action": "back"}
    )
    assert response.headers["Location"] == "/q/1"
    with app.app_context():
        assert count(Answer) == 0


def test_answering_again_after_back_replaces_the_earlier_answer(app, client, runner):
    join_and_start(client, load_demo(runner), "young_13_17")
    for choice in ("2", "5"):
        _format, token, submission = question_form(client, 1)
        client.post(
            "/q/1",
            data={
                "csrf_token": token,
                "submission_id": submission,
                "action": "answer",
                "answer": choice,
            },
        )
    with app.app_context():
        answers = db.session.scalars(select(Answer)).all()
        assert [a.value for a in answers] == [5]


def test_missing_answer_gets_a_friendly_error_and_stores_nothing(app, client, runner):
    join_and_start(client, load_demo(runner), "child_4_7")
    _format, token, submission = question_form(client, 1)
    response = client.post(
        "/q/1", data={"csrf_token": token, "submission_id": submission, "action": "answer"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose an answer, or press Skip." in page
    assert "<title>Error: " in page
    with app.app_context():
        assert count(Answer) == 0


HOSTILE_VALUES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "x" * 100_000,
    "\x00\x01\x02",
    "١٢٣",
    "999",
    "-1",
    "faces",
    "' OR 1=1 --",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_answers_to_every_question_are_refused_cleanly(app, client, runner, value):
    join_and_start(client, load_demo(runner), "parent_carer")
    position = 1
    while True:
        answer_format, response = answer_question(
            client,
            position,
            lambda _format, _html: {
                "answer": [value, value],
                "rank_1": value,
                "rank_2": value,
                "rank_3": value,
            },
        )
        assert response.status_code in {302, 400}, (position, answer_format)
        body = response.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body
        assert "<img src=x" not in body
        # Move on by skipping, so every question gets the hostile post.
        if not skip_question(client, position).headers["Location"].startswith("/q/"):
            break
        position += 1
    with app.app_context():
        answers = db.session.scalars(select(Answer)).all()
        assert answers and all(a.skipped for a in answers), [
            (a.value, a.free_text) for a in answers
        ]


def test_free_text_is_kept_as_plain_text_and_limited(app, client, runner):
    join_and_start(client, load_demo(runner), "young_13_17")
    position = 1
    while True:
        answer_format, token, submission = question_form(client, position)
        if answer_format == "free_text":
            break
        skip_question(client, position)
        position += 1
    too_long = client.post(
        f"/q/{position}",
        data={
            "csrf_token": token,
            "submission_id": submission,
            "action": "answer",
            "answer": "a" * 1001,
        },
    )
    assert too_long.status_code == 400
    assert "1000 characters or fewer" in too_long.get_data(as_text=True)
    _f, token, submission = question_form(client, position)
    client.post(
        f"/q/{position}",
        data={
            "csrf_token": token,
            "submission_id": submission,
            "action": "answer",
            "answer": "<b>bold</b> and \x00 null",
        },
    )
    page = client.get(f"/q/{position}").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    with app.app_context():
        assert (
            db.session.scalar(select(Answer.free_text).where(Answer.free_text.is_not(None)))
            == "<b>bold</b> and  null"
        )


def test_posting_a_question_beyond_the_flow_or_from_another_session_stores_nothing(
    app, client, runner
):
    code = load_demo(runner)
    join_and_start(client, code, "child_4_7")
    _format, token, submission = question_form(client, 1)
    beyond = client.post(
        "/q/99",
        data={"csrf_token": token, "submission_id": submission, "action": "answer", "answer": "1"},
    )
    assert beyond.status_code == 404
    # A second browser's page token does not work in the first browser's journey.
    other = app.test_client()
    join_and_start(other, code, "child_4_7")
    _f, _other_token, other_submission = question_form(other, 1)
    crossed = client.post(
        "/q/1",
        data={
            "csrf_token": token,
            "submission_id": other_submission,
            "action": "answer",
            "answer": "1",
        },
    )
    assert crossed.status_code == 302 and crossed.headers["Location"] == "/q/1"
    with app.app_context():
        assert count(Answer) == 0


def test_pages_of_the_journey_need_a_journey(client):
    for url in ("/language", "/who", "/about", "/q/1", "/talk", "/stop", "/continue"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/", url


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Type the code the grown-up gave you"),
        ("ABC", "The code is 6 letters and numbers"),
        ("ZZZZZZ", "The code is 6 letters and numbers"),
        ("AAAAAA", "We cannot find that code"),
        ("<script>", "The code is 6 letters and numbers"),
    ],
)
def test_a_wrong_code_gets_a_friendly_message(client, runner, typed, message):
    load_demo(runner)
    page = client.get("/")
    response = client.post(
        "/join", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": typed}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_codes_are_forgiving_of_case_and_spaces(client, runner):
    code = load_demo(runner)
    page = client.get("/")
    typed = f" {code[:3].lower()} {code[3:]} "
    response = client.post(
        "/join", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": typed}
    )
    assert response.status_code == 302


def test_a_closed_session_refuses_to_join_and_refuses_further_answers(app, client, runner):
    code = load_demo(runner)
    join_and_start(client, code, "child_8_12")
    _format, token, submission = question_form(client, 1)
    with app.app_context():
        db.session.scalar(select(GroupSession)).status = SessionStatus.CLOSED
        db.session.commit()
    response = client.post(
        "/q/1",
        data={"csrf_token": token, "submission_id": submission, "action": "answer", "answer": "3"},
    )
    assert response.status_code == 409
    assert "This session has finished" in response.get_data(as_text=True)
    fresh = app.test_client()
    page = fresh.get("/")
    refused = fresh.post(
        "/join", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": code}
    )
    assert "That session has finished" in refused.get_data(as_text=True)
    with app.app_context():
        assert count(Answer) == 0


def test_guessing_codes_is_rate_limited_per_client(app, client, runner):
    load_demo(runner)
    page = client.get("/")
    token = csrf_token(page.get_data(as_text=True))
    statuses = [
        client.post("/join", data={"csrf_token": token, "code": "AAAAAA"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    assert "Too many tries" in client.post(
        "/join", data={"csrf_token": token, "code": "AAAAAA"}
    ).get_data(as_text=True)


def test_a_kiosk_link_binds_the_tablet_and_stops_working_when_revoked_or_expired(app, runner):
    load_demo(runner)
    with app.app_context():
        session = db.session.scalar(select(GroupSession))
        link, token = create_link(db.session, session.id, label="Tablet 3")
        _expired, expired_token = create_link(
            db.session, session.id, lifetime=timedelta(seconds=-1)
        )
        db.session.commit()
        link_id = link.id
    tablet = app.test_client()
    assert tablet.get(f"/kiosk/{token}").status_code == 302
    welcome = tablet.get("/").get_data(as_text=True)
    assert 'action="/start"' in welcome and 'name="code"' not in welcome
    assert post_page(tablet, "/", {}) is not None
    start = tablet.post("/start", data={"csrf_token": csrf_token(welcome)})
    assert start.headers["Location"] == "/language"
    assert app.test_client().get(f"/kiosk/{expired_token}").status_code == 404
    assert app.test_client().get("/kiosk/not-a-real-token").status_code == 404
    with app.app_context():
        revoke_link(db.session, db.session.get(type(link), link_id))
        db.session.commit()
    # Revoking unbinds the tablet on its next visit, and the link no longer binds.
    assert 'name="code"' in tablet.get("/").get_data(as_text=True)
    assert app.test_client().get(f"/kiosk/{token}").status_code == 404


def test_finishing_records_status_and_a_wish_to_talk_without_content(app, client, runner):
    join_and_start(client, load_demo(runner), "young_13_17")
    client.get("/stop")
    assert post_page(client, "/stop", {"confirm": "yes"}).headers["Location"] == "/talk"
    assert post_page(client, "/talk", {"talk": "yes"}).headers["Location"] == "/thanks"
    thanks = client.get("/thanks").get_data(as_text=True)
    assert "If you change your mind" in thanks
    with app.app_context():
        participant = db.session.scalar(select(Participant))
        assert participant.status is ParticipantStatus.STOPPED
        assert participant.withdrawal_code_hmac and len(participant.withdrawal_code_hmac) == 64
        flag = db.session.scalar(select(SafeguardingFlag))
        assert flag.kind is FlagKind.WANTS_TO_TALK and flag.participant_id == participant.id


def test_children_get_no_withdrawal_code(app, client, runner):
    join_and_start(client, load_demo(runner), "child_4_7")
    client.get("/stop")
    post_page(client, "/stop", {"confirm": "yes"})
    post_page(client, "/talk", {"talk": "no"})
    assert "If you change your mind" not in client.get("/thanks").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Participant)).withdrawal_code_hmac is None
        assert count(SafeguardingFlag) == 0


def test_no_thanks_counts_a_decline_and_stores_no_answers(app, client, runner):
    code = load_demo(runner)
    page = client.get("/")
    client.post("/join", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": code})
    client.get("/language")
    post_page(client, "/who", {"answer": "parent_carer"})
    assert post_page(client, "/about", {"assent": "no"}).headers["Location"] == "/thanks"
    assert "Thank you for coming" in client.get("/thanks").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Participant)).status is ParticipantStatus.DECLINED
        assert count(Answer) == 0


def test_every_participant_page_is_never_cached(client, runner):
    join_and_start(client, load_demo(runner), "child_8_12")
    for url in ("/", "/who", "/about", "/q/1", "/worried", "/thanks"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_worried_page_gives_childline_and_the_local_contact(client, runner):
    join_and_start(client, load_demo(runner), "child_8_12")
    page = client.get("/worried").get_data(as_text=True)
    assert "0800 1111" in page and "Demo family support team" in page
    assert 'href="/continue"' in page


def test_the_worried_link_is_in_the_same_place_on_every_participant_page(client, runner):
    join_and_start(client, load_demo(runner), "child_8_12")
    for url in ("/", "/who", "/about", "/q/1", "/q/2", "/worried"):
        page = client.get(url).get_data(as_text=True)
        main_start = page.split('<main id="main" class="fv-main" tabindex="-1">')[1].lstrip()
        assert main_start.startswith('<a class="fv-worried" href="/worried">'), url


def test_database_holds_no_personal_identifiers_after_a_journey(app, client, runner):
    """Every column written during a walk is one of the known, non-identifying fields."""
    join_and_start(client, load_demo(runner), "parent_carer")
    position = 1
    while client.get(f"/q/{position}").status_code == 200:
        skip_question(client, position)
        position += 1
    post_page(client, "/talk", {"talk": "no"})
    allowed = {
        "participant": {
            "id",
            "session_id",
            "area_id",
            "audience",
            "age_band",
            "language",
            "mode",
            "status",
            "device_label",
            "started_at",
            "finished_at",
            "linkage_hmac",
            "withdrawal_code_hmac",
        },
        "answer": {
            "id",
            "participant_id",
            "version_id",
            "skipped",
            "value",
            "free_text",
            "submission_id",
            "answered_at",
            "score",
        },
        "answer_choice": {"answer_id", "rank", "domain_id"},
    }
    with app.app_context():
        inspector = inspect(db.engine)
        for table, columns in allowed.items():
            assert {c["name"] for c in inspector.get_columns(table)} == columns, table
        # Server-side sessions keep nothing of the finished person.
        participant_id = db.session.scalar(select(Participant.id))
        for stored in db.session.scalars(select(WebSession.data)):
            assert participant_id not in json.dumps(stored)
            assert "journey" not in stored
        participant = db.session.scalar(select(Participant))
        assert len(participant.id) == 32 and participant.linkage_hmac is None
        assert participant.started_at <= utcnow()

"""Facilitators type in paper questionnaires: stored whole and checked like a tablet's answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.support.forms import csrf_token
from tests.support.hostile import HOSTILE, assert_neutralised, assert_shows_literally
from tests.support.pages import check_page
from tests.support.participants import load_demo
from tests.support.staff import log_in, make_staff
from voice_app import group_sessions
from voice_app.demo import DEMO_AREA_CODE, STARTER_FLOW_NAME
from voice_app.extensions import db
from voice_app.journey import flow_steps
from voice_app.models import (
    Answer,
    AnswerFormat,
    Area,
    Audience,
    AuditEvent,
    Flow,
    GroupSession,
    OutcomeDomain,
    Participant,
    ParticipantStatus,
    ParticipationMode,
    QuestionOption,
    QuestionText,
    Role,
    SafeguardingFlag,
    SafeguardingTerm,
    StaffArea,
    StaffUser,
)
from voice_app.paper_answers import PaperError, new_entry_id, record_paper_questionnaire
from voice_app.participant.content import ANSWER_ERRORS

_ENTRY_ID = re.compile(r'name="entry_id" value="([^"]+)"')
ALL_AUDIENCES = [a.value for a in Audience]


# --- set-up -------------------------------------------------------------------------------


def facilitator(app: Flask, username: str) -> tuple[FlaskClient, int]:
    """A signed-in facilitator who works in the demo area (load the demo first)."""
    user_id = make_staff(app, username, Role.FACILITATOR)
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.code == DEMO_AREA_CODE))
        db.session.add(StaffArea(user_id=user_id, area_id=area.id))
        db.session.commit()
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client, user_id


def new_session(
    app: Flask,
    user_id: int,
    *,
    status: str = "open",
    languages: tuple[str, ...] = ("en_GB",),
    audiences: tuple[str, ...] = tuple(ALL_AUDIENCES),
    free_text: bool = True,
) -> int:
    """A session of the starter flow, made and opened (and closed) through the services."""
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        group_session = group_sessions.create_session(
            db.session,
            group_sessions.SessionDraft(
                area_id=db.session.scalar(select(Area.id).where(Area.code == DEMO_AREA_CODE)),
                flow_id=db.session.scalar(select(Flow.id).where(Flow.name == STARTER_FLOW_NAME)),
                session_date=date(2027, 3, 27),
                venue="Riverside family centre",
                languages=languages,
                audiences=audiences,
                free_text_enabled=free_text,
            ),
            user,
            app.extensions["voice_languages"],
        )
        if status in ("open", "closed"):
            group_sessions.open_now(db.session, group_session, user)
        if status == "closed":
            group_sessions.close_now(db.session, group_session, user)
        db.session.commit()
        return group_session.id


@dataclass(frozen=True)
class Question:
    version_id: int
    format: AnswerFormat
    option_keys: tuple[str, ...]
    domain_keys: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"q{self.version_id}"


def questions(app: Flask, session_id: int, audience: str) -> list[Question]:
    """The questionnaire's questions, in order, with what may be chosen in each."""
    with app.app_context():
        group_session = db.session.get(GroupSession, session_id)
        domains = tuple(
            db.session.scalars(
                select(OutcomeDomain.key)
                .where(OutcomeDomain.framework_id == group_session.flow.framework_id)
                .order_by(OutcomeDomain.position)
            )
        )
        found = []
        for step in flow_steps(db.session, group_session, Audience(audience)):
            options = tuple(
                db.session.scalars(
                    select(QuestionOption.key)
                    .where(QuestionOption.version_id == step.version_id)
                    .order_by(QuestionOption.position)
                )
            )
            found.append(Question(step.version_id, step.format, options, domains))
        return found


def full_answers(
    items: list[Question], audience: str
) -> tuple[dict[str, object], dict[int, tuple[Any, str | None]]]:
    """Form fields answering every question, and what should be stored (value, free text)."""
    posted: dict[str, object] = {}
    stored: dict[int, tuple[Any, str | None]] = {}
    for item in items:
        if item.format is AnswerFormat.FACES:
            face = "5" if audience == "child_4_7" else "4"
            posted[item.name], stored[item.version_id] = face, (int(face), None)
        elif item.format is AnswerFormat.YES_MAYBE_NO:
            posted[item.name], stored[item.version_id] = "maybe", ("maybe", None)
        elif item.format is AnswerFormat.CHOOSE_ONE:
            posted[item.name] = item.option_keys[-1]
            stored[item.version_id] = (item.option_keys[-1], None)
        elif item.format is AnswerFormat.CHOOSE_MANY:
            # Ticked in another order than shown: stored in the options' own order.
            posted[item.name] = [item.option_keys[2], item.option_keys[0]]
            stored[item.version_id] = ([item.option_keys[0], item.option_keys[2]], None)
        elif item.format is AnswerFormat.TOP_THREE:
            ranked = [item.domain_keys[3], item.domain_keys[0], item.domain_keys[5]]
            for rank, key in enumerate(ranked, start=1):
                posted[f"{item.name}_rank_{rank}"] = key
            stored[item.version_id] = (ranked, None)
        elif item.format is AnswerFormat.FREE_TEXT:
            posted[item.name] = "  More youth clubs, please.\r\nAnd buses.  "
            stored[item.version_id] = (None, "More youth clubs, please.\nAnd buses.")
    return posted, stored


def form_url(session_id: int, audience: str, language: str = "en_GB") -> str:
    return f"/facilitate/sessions/{session_id}/paper/{audience}?language={language}"


def open_form(client: FlaskClient, url: str) -> tuple[str, dict[str, str]]:
    """GET the questionnaire; its HTML and the hidden fields a browser would send back."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    return html, {"csrf_token": csrf_token(html), "entry_id": _ENTRY_ID.search(html).group(1)}


def send(client: FlaskClient, url: str, data: dict[str, object]) -> TestResponse:
    _html, hidden = open_form(client, url)
    return client.post(url, data={**hidden, **data})


def counts(app: Flask) -> tuple[int, int, int]:
    """(participants, answers, paper.entered audit rows)."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Participant)),
            db.session.scalar(select(func.count()).select_from(Answer)),
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "paper.entered")
            ),
        )


@pytest.fixture
def demo(app: Flask, runner) -> None:
    load_demo(runner)


# --- entering a questionnaire ---------------------------------------------------------------


@pytest.mark.parametrize("audience", ALL_AUDIENCES)
def test_a_facilitator_types_in_a_whole_paper_questionnaire(app, demo, audience):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id)
    start = client.get(f"/facilitate/sessions/{session_id}/paper")
    assert start.status_code == 200
    assert "after it has closed" in start.get_data(as_text=True)
    chosen = client.get(
        f"/facilitate/sessions/{session_id}/paper",
        query_string={"audience": audience, "language": "en_GB"},
    )
    assert chosen.status_code == 302
    assert chosen.headers["Location"] == form_url(session_id, audience)

    items = questions(app, session_id, audience)
    html, hidden = open_form(client, form_url(session_id, audience))
    assert f"Question 1 of {len(items)}" in html
    assert f"Question {len(items)} of {len(items)}" in html
    posted, expected = full_answers(items, audience)
    saved = client.post(form_url(session_id, audience), data={**hidden, **posted})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert saved.headers["Location"] == f"/facilitate/sessions/{session_id}"
    assert "Paper questionnaire saved." in client.get(saved.headers["Location"]).get_data(
        as_text=True
    )

    with app.app_context():
        participant = db.session.scalar(select(Participant))
        assert participant.mode is ParticipationMode.PAPER
        assert participant.status is ParticipantStatus.FINISHED
        assert participant.finished_at is not None
        assert participant.audience is Audience(audience)
        assert participant.age_band == {"parent_carer": "adult"}.get(
            audience, audience.split("_", 1)[1].replace("_", "-")
        )
        assert participant.language == "en_GB"
        assert participant.session_id == session_id
        assert participant.area_id == db.session.get(GroupSession, session_id).area_id
        answers = {a.version_id: a for a in participant.answers}
        # Every answer points at the exact version on this group's questionnaire.
        assert sorted(answers) == sorted(item.version_id for item in items)
        for version_id, (value, free_text) in expected.items():
            answer = answers[version_id]
            assert (answer.skipped, answer.value, answer.free_text) == (False, value, free_text)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "paper.entered"))
        assert event.actor_id == user_id and event.target_id == participant.id
        assert "buses" not in str(event.detail) and "maybe" not in str(event.detail)
    assert counts(app) == (1, len(items), 1)


def test_not_answered_is_the_default_and_is_stored_as_skips(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id)
    items = questions(app, session_id, "child_8_12")
    html, hidden = open_form(client, form_url(session_id, "child_8_12"))
    for item in items:
        if item.format in (AnswerFormat.FACES, AnswerFormat.YES_MAYBE_NO, AnswerFormat.CHOOSE_ONE):
            assert re.search(rf'name="{item.name}" value=""\s+checked', html), item
            assert len(re.findall(rf'name="{item.name}" value="[^"]+"\s+checked', html)) == 0
        assert f'id="question-{item.version_id}"' in html
    assert client.post(form_url(session_id, "child_8_12"), data=hidden).status_code == 302
    with app.app_context():
        participant = db.session.scalar(select(Participant))
        assert participant.status is ParticipantStatus.FINISHED
        assert len(participant.answers) == len(items)
        assert all(
            a.skipped and a.value is None and a.free_text is None for a in participant.answers
        )


def test_sending_the_same_form_twice_stores_one_questionnaire(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id)
    url = form_url(session_id, "parent_carer")
    posted, _expected = full_answers(questions(app, session_id, "parent_carer"), "parent_carer")
    _html, hidden = open_form(client, url)
    first = client.post(url, data={**hidden, **posted})
    again = client.post(url, data={**hidden, **posted})  # a double click, or a resend
    assert first.status_code == again.status_code == 302
    assert "already saved" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert counts(app)[0] == 1 and counts(app)[2] == 1
    # A second paper form with the same answers is another person: stored again.
    assert send(client, url, posted).status_code == 302
    assert counts(app)[0] == 2


def test_a_closed_session_still_takes_paper_questionnaires(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id, status="closed")
    assert send(client, form_url(session_id, "young_13_17"), {}).status_code == 302
    assert counts(app)[0] == 1


def test_free_text_follows_the_sessions_setting(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id, free_text=False)
    with_text = questions(app, new_session(app, user_id, free_text=True), "parent_carer")
    text_question = next(q for q in with_text if q.format is AnswerFormat.FREE_TEXT)
    html, hidden = open_form(client, form_url(session_id, "parent_carer"))
    assert "<textarea" not in html
    saved = client.post(
        form_url(session_id, "parent_carer"), data={**hidden, text_question.name: "Hello"}
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Answer.free_text.is_not(None))) == 0


# --- the same checks as the tablet -----------------------------------------------------------


def _first(items: list[Question], answer_format: AnswerFormat) -> Question:
    return next(item for item in items if item.format is answer_format)


INVALID = {
    "face_out_of_range": (AnswerFormat.FACES, lambda q: {q.name: "9"}, "invalid"),
    "yes_maybe_no_other": (AnswerFormat.YES_MAYBE_NO, lambda q: {q.name: "perhaps"}, "invalid"),
    "choice_not_offered": (AnswerFormat.CHOOSE_ONE, lambda q: {q.name: "the_moon"}, "invalid"),
    "two_radio_values": (
        AnswerFormat.CHOOSE_ONE,
        lambda q: {q.name: [q.option_keys[0], q.option_keys[1]]},
        "invalid",
    ),
    "ticked_not_offered": (
        AnswerFormat.CHOOSE_MANY,
        lambda q: {q.name: [q.option_keys[0], "the_moon"]},
        "invalid",
    ),
    "duplicate_top_three": (
        AnswerFormat.TOP_THREE,
        lambda q: {f"{q.name}_rank_1": q.domain_keys[0], f"{q.name}_rank_2": q.domain_keys[0]},
        "duplicate_top",
    ),
    "gap_in_ranks": (
        AnswerFormat.TOP_THREE,
        lambda q: {f"{q.name}_rank_1": q.domain_keys[0], f"{q.name}_rank_3": q.domain_keys[1]},
        "gap_top",
    ),
    "card_not_offered": (
        AnswerFormat.TOP_THREE,
        lambda q: {f"{q.name}_rank_1": "the_moon"},
        "invalid",
    ),
    "free_text_1001": (AnswerFormat.FREE_TEXT, lambda q: {q.name: "x" * 1001}, "too_long"),
    "nul_in_a_choice": (AnswerFormat.YES_MAYBE_NO, lambda q: {q.name: "yes\x00"}, "invalid"),
    "nul_in_a_card": (
        AnswerFormat.TOP_THREE,
        lambda q: {f"{q.name}_rank_1": q.domain_keys[0] + "\x00"},
        "invalid",
    ),
}


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_a_wrong_answer_gets_the_tablets_message_and_nothing_is_stored(app, demo, case):
    answer_format, fields, code = INVALID[case]
    audience = "child_8_12" if answer_format is AnswerFormat.CHOOSE_ONE else "parent_carer"
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id)
    items = questions(app, session_id, audience)
    posted, _expected = full_answers(items, audience)
    wrong = _first(items, answer_format)
    posted = {k: v for k, v in posted.items() if not k.startswith(wrong.name)}
    response = send(client, form_url(session_id, audience), {**posted, **fields(wrong)})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    check_page(html)
    assert "<title>Error: " in html
    position = items.index(wrong) + 1
    message = str(ANSWER_ERRORS[code]).replace("'", "&#39;")
    assert f'<a href="#question-{wrong.version_id}">Question {position}: {message}</a>' in html
    assert f'id="question-{wrong.version_id}-error"' in html
    assert html.count("fv-form-group--error") == 1
    if answer_format in (AnswerFormat.FACES, AnswerFormat.YES_MAYBE_NO, AnswerFormat.CHOOSE_ONE):
        # Neither a wrong answer nor "Not answered" is ticked: the facilitator chooses again.
        assert not re.search(rf'name="{wrong.name}" value="[^"]*"\s+checked', html)
    assert counts(app) == (0, 0, 0)


def test_control_characters_in_free_text_are_refused_and_not_shown_back(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id)
    items = questions(app, session_id, "young_13_17")
    text = _first(items, AnswerFormat.FREE_TEXT)
    for typed in ("before\x00after", "ring\x07ring", "\x1b[31mred"):
        response = send(client, form_url(session_id, "young_13_17"), {text.name: typed})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        check_page(html)
        assert "hidden control characters" in html
        assert "\x00" not in html and "\x07" not in html and "\x1b" not in html
    assert counts(app) == (0, 0, 0)


def test_every_wrong_answer_is_listed_at_once_and_the_rest_is_kept(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id)
    items = questions(app, session_id, "parent_carer")
    posted, _expected = full_answers(items, "parent_carer")
    faces = _first(items, AnswerFormat.FACES)
    cards = _first(items, AnswerFormat.TOP_THREE)
    posted.update({faces.name: "0", f"{cards.name}_rank_2": posted[f"{cards.name}_rank_1"]})
    response = send(client, form_url(session_id, "parent_carer"), posted)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count('<a href="#question-') == 2
    assert html.count("fv-form-group--error") == 2
    yes_maybe_no = _first(items, AnswerFormat.YES_MAYBE_NO)
    assert re.search(rf'name="{yes_maybe_no.name}" value="maybe"\s+checked', html)
    assert "More youth clubs, please." in html
    assert counts(app) == (0, 0, 0)


@pytest.mark.parametrize(
    "name", ["script", "attribute_breakout", "template_injection", "rtl_override", "urdu", "sql"]
)
def test_free_text_is_kept_exactly_as_typed_and_shown_back_as_text(app, demo, name):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id)
    items = questions(app, session_id, "parent_carer")
    text = _first(items, AnswerFormat.FREE_TEXT)
    faces = _first(items, AnswerFormat.FACES)
    url = form_url(session_id, "parent_carer")
    refused = send(client, url, {text.name: HOSTILE[name], faces.name: "9"})
    assert refused.status_code == 400
    assert_neutralised(refused.get_data(as_text=True))
    assert_shows_literally(refused.get_data(as_text=True), HOSTILE[name])
    assert send(client, url, {text.name: HOSTILE[name]}).status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(Answer.free_text).where(Answer.free_text.is_not(None)))
            == (HOSTILE[name])
        )


def test_written_answers_are_screened_like_a_tablets(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id)
    with app.app_context():
        # The demo loads the starter lists; make sure this word is on the English one.
        known = select(SafeguardingTerm.id).where(
            SafeguardingTerm.language == "en_GB", SafeguardingTerm.phrase == "hit me"
        )
        if db.session.scalar(known) is None:
            db.session.add(SafeguardingTerm(language="en_GB", phrase="hit me"))
            db.session.commit()
    text = _first(questions(app, session_id, "young_13_17"), AnswerFormat.FREE_TEXT)
    url = form_url(session_id, "young_13_17")
    assert send(client, url, {text.name: "Nothing else, thanks."}).status_code == 302
    assert send(client, url, {text.name: "Sometimes my dad hit me."}).status_code == 302
    with app.app_context():
        flag = db.session.scalar(select(SafeguardingFlag))
        assert flag.kind.value == "screened_text" and flag.session_id == session_id
        assert db.session.get(Answer, flag.answer_id).free_text == "Sometimes my dad hit me."
        assert db.session.scalar(select(func.count()).select_from(SafeguardingFlag)) == 1
        events = db.session.scalars(select(AuditEvent.detail)).all()
        assert not any("dad" in str(detail) for detail in events)


# --- languages -------------------------------------------------------------------------------


def test_questions_are_shown_in_the_questionnaires_language_with_the_staff_words(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id, languages=("en_GB", "pl"))
    items = questions(app, session_id, "child_8_12")
    with app.app_context():
        polish, english = (
            db.session.scalar(
                select(QuestionText.wording).where(
                    QuestionText.version_id == items[0].version_id,
                    QuestionText.audience == Audience.CHILD_8_12,
                    QuestionText.language == language,
                )
            )
            for language in ("pl", "en_GB")
        )
    assert polish and polish != english
    html, hidden = open_form(client, form_url(session_id, "child_8_12", "pl"))
    assert f'<span lang="pl" dir="auto">{polish}</span>' in html
    assert f"In English: {english}" in html
    assert "Bardzo wesoło" in html and "Very happy" in html  # a face, as on a Polish tablet
    assert "<title>Type in a paper questionnaire" in html  # the page itself is the staff's
    assert client.post(form_url(session_id, "child_8_12", "pl"), data=hidden).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Participant.language)) == "pl"


def test_who_and_which_language_are_chosen_first(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(
        app, user_id, languages=("en_GB", "pl"), audiences=("child_8_12", "parent_carer")
    )
    start = f"/facilitate/sessions/{session_id}/paper"
    page = client.get(start).get_data(as_text=True)
    assert 'value="child_8_12"' in page and 'value="parent_carer"' in page
    assert 'value="child_4_7"' not in page
    assert 'value="pl"' in page and 'value="ar"' not in page

    nobody = client.get(start, query_string={"language": "pl"})
    assert nobody.status_code == 400
    assert "Choose who filled in the questionnaire." in nobody.get_data(as_text=True)
    for language in ("ar", "xx", "pl\x00"):
        wrong = client.get(start, query_string={"audience": "child_8_12", "language": language})
        assert wrong.status_code == 400
        assert "Choose the language the questionnaire was in." in wrong.get_data(as_text=True)
    # Straight to a questionnaire the session does not offer: not found, or back to the start.
    assert client.get(form_url(session_id, "child_4_7")).status_code == 404
    assert client.get(form_url(session_id, "grown_ups")).status_code == 404
    assert client.get(form_url(session_id, "child_8_12", "ar")).status_code == 302
    assert client.post(form_url(session_id, "child_4_7"), data={}).status_code in (400, 404)
    assert counts(app) == (0, 0, 0)


# --- who may, and when -----------------------------------------------------------------------


def test_a_draft_session_takes_no_paper_questionnaires(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id, status="draft")
    start = client.get(f"/facilitate/sessions/{session_id}/paper")
    assert start.status_code == 409
    assert "not opened yet" in start.get_data(as_text=True)
    assert client.get(form_url(session_id, "parent_carer")).status_code == 409
    page = client.get(start.request.path).get_data(as_text=True)
    posted = client.post(
        form_url(session_id, "parent_carer"),
        data={"csrf_token": csrf_token(page), "entry_id": new_entry_id()},
    )
    assert posted.status_code == 409
    assert counts(app) == (0, 0, 0)


def test_only_the_sessions_own_facilitator_may_type_in_its_questionnaires(app, demo, login_as):
    owner, owner_id = facilitator(app, "fatima")
    session_id = new_session(app, owner_id)
    url = form_url(session_id, "parent_carer")
    _html, hidden = open_form(owner, url)

    other, _other_id = facilitator(app, "omar")
    assert other.get(f"/facilitate/sessions/{session_id}/paper").status_code == 403
    assert other.get(url).status_code == 403
    page = other.get("/facilitate/").get_data(as_text=True)
    sent = other.post(url, data={"csrf_token": csrf_token(page), "entry_id": hidden["entry_id"]})
    assert sent.status_code == 403

    researcher = login_as(Role.RESEARCHER)
    assert researcher.get(url).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(url).headers["Location"].startswith("/staff/login")
    assert owner.get("/facilitate/sessions/999999/paper").status_code == 404
    assert counts(app) == (0, 0, 0)


def test_a_form_without_its_one_time_id_stores_nothing(app, demo):
    client, user_id = facilitator(app, "fatima")
    session_id = new_session(app, user_id)
    url = form_url(session_id, "parent_carer")
    _html, hidden = open_form(client, url)
    for entry_id in ("", "short", "x" * 41, "abc\x00" * 5, "../../etc/passwd/abcdef"):
        sent = client.post(url, data={**hidden, "entry_id": entry_id})
        assert sent.status_code == 400
    assert counts(app) == (0, 0, 0)


# --- the service on its own ------------------------------------------------------------------


def test_the_service_refuses_what_the_session_does_not_offer(app, demo):
    _client, user_id = facilitator(app, "fatima")
    _other, other_id = facilitator(app, "omar")
    session_id = new_session(app, user_id, audiences=("child_8_12",))
    draft_id = new_session(app, user_id, status="draft")
    items = questions(app, session_id, "child_8_12")
    parents = questions(app, session_id, "parent_carer")
    with app.app_context():
        owner = db.session.get(StaffUser, user_id)
        other = db.session.get(StaffUser, other_id)

        def attempt(**changes: object) -> str:
            arguments: dict[str, Any] = {
                "session_id": session_id,
                "audience": Audience.CHILD_8_12,
                "language": "en_GB",
                "answers": {},
                "entry_id": new_entry_id(),
                "entered_by": owner,
                **changes,
            }
            with pytest.raises(PaperError) as refused:
                record_paper_questionnaire(db.session, **arguments)
            db.session.rollback()
            return refused.value.code

        assert attempt(session_id=draft_id) == "session_draft"
        assert attempt(audience=Audience.PARENT_CARER) == "audience_not_offered"
        assert attempt(language="pl") == "language_not_offered"
        assert attempt(entered_by=other) == "not_your_session"
        assert attempt(entry_id="no") == "entry_id_invalid"
        not_for_children = next(q for q in parents if q not in items)
        assert attempt(answers={not_for_children.version_id: "x"}) == "question_not_in_flow"

        entry_id = new_entry_id()
        values = {items[0].version_id: 3}
        first = record_paper_questionnaire(
            db.session,
            session_id=session_id,
            audience=Audience.CHILD_8_12,
            language="en_GB",
            answers=values,
            entry_id=entry_id,
            entered_by=owner,
        )
        again = record_paper_questionnaire(
            db.session,
            session_id=session_id,
            audience=Audience.CHILD_8_12,
            language="en_GB",
            answers=values,
            entry_id=entry_id,
            entered_by=owner,
        )
        assert (first.repeat, again.repeat) == (False, True)
        assert again.participant.id == first.participant.id
        stored = {a.version_id: a for a in first.participant.answers}
        assert stored[items[0].version_id].value == 3
        assert all(stored[item.version_id].skipped for item in items[1:])
        assert stored[items[0].version_id].submission_id == (
            f"paper:{entry_id}:{items[0].version_id}"
        )
    assert counts(app) == (1, len(items), 1)

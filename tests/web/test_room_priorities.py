"""The group "what matters most" activity on the room's projector.

A fixture with known top-3 answers: nothing is shown under the minimum, the right order
(ties sharing a rank) above it, and never anything about one person.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, func, select

from tests.support.forms import csrf_token
from tests.support.participants import load_demo
from tests.support.sessions import add_top_three_answers
from tests.support.studio import staff_client
from voice_app.accounts import find_user
from voice_app.demo import DEMO_SESSION_VENUE
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    AnswerFormat,
    Audience,
    AuditEvent,
    FlowItem,
    GroupSession,
    OutcomeDomain,
    OutcomeDomainText,
    Participant,
    QuestionVersion,
    Role,
    SessionStatus,
)
from voice_app.room_priorities import room_priorities
from voice_app.session_codes import new_session_code

# Five people's top 3, in order. Counts: feeling_safe 3, friends_belonging 3,
# stable_home 3, right_help 2, learning_school 1, everything else 0.
FIVE_PEOPLE = [
    ["stable_home", "feeling_safe", "friends_belonging"],
    ["stable_home", "right_help", "feeling_safe"],
    ["friends_belonging", "stable_home", "learning_school"],
    ["feeling_safe", "friends_belonging"],
    ["right_help"],
]
# Ties share a rank and keep the framework's order (feeling_safe is domain 1, ...).
EXPECTED_ORDER = [
    ("feeling_safe", 1, 60),
    ("friends_belonging", 1, 60),
    ("stable_home", 1, 60),
    ("right_help", 4, 40),
    ("learning_school", 5, 20),
    ("being_listened_to", 6, 0),
    ("family_supported", 6, 0),
    ("health_wellbeing", 6, 0),
]
EXPECTED_NAMES = [
    "Feeling safe",
    "Friends and fitting in",
    "A settled home",
    "Help at the right time",
    "Learning and school",
    "Being listened to",
    "Help for my family",
    "Healthy body and mind",
]
_LIST = re.compile(r"data-projector-list[^>]*>(.*?)</ol>", re.S)
_NAME = re.compile(r'class="fv-projector__name"[^>]*>([^<]+)<')


def _projector_url(session_id: int) -> str:
    return f"/facilitate/sessions/{session_id}/projector"


@pytest.fixture
def room(app: Flask, runner: FlaskCliRunner, staff: dict[Role, str]) -> dict[str, int]:
    """The demo session, run by the ``facilitator`` account; its top-3 question version."""
    load_demo(runner)
    with app.app_context():
        session = db.session.scalar(
            select(GroupSession).where(GroupSession.venue == DEMO_SESSION_VENUE)
        )
        session.facilitator_id = find_user(db.session, staff[Role.FACILITATOR]).id
        version_id = db.session.scalar(
            select(FlowItem.version_id)
            .join(QuestionVersion, QuestionVersion.id == FlowItem.version_id)
            .where(
                FlowItem.flow_id == session.flow_id,
                QuestionVersion.format == AnswerFormat.TOP_THREE,
            )
            .limit(1)
        )
        db.session.commit()
        return {"session_id": session.id, "version_id": version_id}


def other_session(app: Flask, demo_session_id: int) -> int:
    with app.app_context():
        demo = db.session.get(GroupSession, demo_session_id)
        session = GroupSession(
            code=new_session_code(),
            area_id=demo.area_id,
            flow_id=demo.flow_id,
            facilitator_id=demo.facilitator_id,
            status=SessionStatus.OPEN,
            languages=["en_GB"],
            audiences=[a.value for a in Audience],
        )
        db.session.add(session)
        db.session.commit()
        return session.id


def priorities(app: Flask, session_id: int, min_people: int = 5):
    with app.app_context():
        return room_priorities(db.session, session_id, min_people)


def shown_names(html: str) -> list[str]:
    return _NAME.findall(_LIST.search(html).group(1))


def facilitator(login_as) -> FlaskClient:
    return login_as(Role.FACILITATOR)


# --- the service ------------------------------------------------------------------------


def test_four_people_show_nothing_but_five_show_the_order_with_ties(app, room):
    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE[:4])
    below = priorities(app, room["session_id"])
    assert (below.people, below.shown, below.domains) == (4, False, ())

    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE[4:])
    above = priorities(app, room["session_id"])
    assert above.people == 5 and above.shown
    assert [(d.key, d.rank, d.percent) for d in above.domains] == EXPECTED_ORDER
    assert [d.name for d in above.domains] == EXPECTED_NAMES


def test_the_room_sees_figures_change_only_in_whole_groups_of_the_minimum(app, room):
    """A sixth person's choice must not show up on its own: the figures wait for ten."""
    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE)
    five = priorities(app, room["session_id"])
    sixth = [d.key for d in five.domains][-3:]  # what nobody much chose so far
    add_top_three_answers(app, room["session_id"], room["version_id"], [sixth] * 4)
    nine = priorities(app, room["session_id"])
    assert nine.people == 5
    assert [(d.key, d.rank, d.percent) for d in nine.domains] == EXPECTED_ORDER
    add_top_three_answers(app, room["session_id"], room["version_id"], [sixth])
    ten = priorities(app, room["session_id"])
    assert ten.people == 10
    assert [(d.key, d.rank, d.percent) for d in ten.domains] != EXPECTED_ORDER


def test_skipped_answers_do_not_count_as_people(app, room):
    add_top_three_answers(
        app, room["session_id"], room["version_id"], [*FIVE_PEOPLE[:4], None, None]
    )
    result = priorities(app, room["session_id"])
    assert (result.people, result.shown) == (4, False)


def test_other_sessions_answers_do_not_count(app, room):
    elsewhere = other_session(app, room["session_id"])
    add_top_three_answers(app, elsewhere, room["version_id"], [["right_help"]] * 6)
    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE[:4])
    assert priorities(app, room["session_id"]).people == 4

    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE[4:])
    result = priorities(app, room["session_id"])
    assert [(d.key, d.rank, d.percent) for d in result.domains] == EXPECTED_ORDER
    assert priorities(app, elsewhere).domains[0].key == "right_help"


def test_answers_naming_no_known_domain_are_not_people(app, room):
    odd = [["not_a_domain"], [], ["right_help", "not_a_domain"]]
    add_top_three_answers(app, room["session_id"], room["version_id"], odd)
    result = priorities(app, room["session_id"], min_people=1)
    assert result.people == 1
    assert (result.domains[0].key, result.domains[0].percent) == ("right_help", 100)


def test_withdrawn_people_leave_the_order(app, room):
    ids = add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE)
    with app.app_context():
        db.session.execute(delete(Answer).where(Answer.participant_id == ids[0]))
        db.session.execute(delete(Participant).where(Participant.id == ids[0]))
        db.session.commit()
    assert priorities(app, room["session_id"]).shown is False


# --- the projector page and its JSON ----------------------------------------------------


def test_projector_under_the_minimum_shows_only_the_rule(app, room, login_as):
    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE[:4])
    client = facilitator(login_as)
    page = client.get(_projector_url(room["session_id"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The results appear when at least 5 people have answered." in html
    assert shown_names(html) == []
    assert not any(name in html for name in EXPECTED_NAMES)
    assert "4 people" not in html  # not even a head count below the minimum
    data = client.get(_projector_url(room["session_id"]) + ".json").get_json()
    assert data["shown"] is False and data["domains"] == []
    assert data["message"] == "The results appear when at least 5 people have answered."


def test_projector_page_and_json_show_the_same_order(app, room, login_as):
    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE)
    client = facilitator(login_as)
    html = client.get(_projector_url(room["session_id"])).get_data(as_text=True)
    assert shown_names(html) == EXPECTED_NAMES
    assert "5 people have answered so far." in html
    data = client.get(_projector_url(room["session_id"]) + ".json").get_json()
    assert [d["name"] for d in data["domains"]] == EXPECTED_NAMES
    assert [(d["key"], d["rank"], d["percent"]) for d in data["domains"]] == EXPECTED_ORDER
    assert data["domains"][0]["percent_text"] == "60%"
    assert re.fullmatch(
        r"/static/img/domains/feeling_safe\.[0-9a-f]{12}\.svg", data["domains"][0]["picture"]
    )
    assert data["message"] == "5 people have answered so far."


def test_projector_shows_nothing_about_any_one_person(app, room, login_as):
    ids = add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE)
    client = facilitator(login_as)
    html = client.get(_projector_url(room["session_id"])).get_data(as_text=True)
    json_text = client.get(_projector_url(room["session_id"]) + ".json").get_data(as_text=True)
    for participant_id in ids:
        assert participant_id not in html and participant_id not in json_text
    # Nobody's own top 3 is listed anywhere: the room sees one order for the group.
    assert "stable_home, feeling_safe" not in json_text
    assert "Signed in as" not in html and "Staff sections" not in html
    assert DEMO_SESSION_VENUE not in html


def test_projector_follows_the_configured_minimum(app, room, login_as):
    app.config["LIVE_ROOM_MIN_CELL_SIZE"] = 3
    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE[:2])
    client = facilitator(login_as)
    html = client.get(_projector_url(room["session_id"])).get_data(as_text=True)
    assert "The results appear when at least 3 people have answered." in html
    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE[2:3])
    html = client.get(_projector_url(room["session_id"])).get_data(as_text=True)
    assert "3 people have answered so far." in html
    # stable_home 3 of 3; feeling_safe and friends_belonging tie on 2 (framework order).
    assert shown_names(html)[:3] == ["A settled home", "Feeling safe", "Friends and fitting in"]


def test_projector_is_in_the_rooms_language_with_english_where_untranslated(app, room, login_as):
    with app.app_context():
        session = db.session.get(GroupSession, room["session_id"])
        session.languages, session.default_language = ["pl", "en_GB"], "pl"
        right_help = db.session.scalar(
            select(OutcomeDomain).where(OutcomeDomain.key == "right_help")
        )
        db.session.execute(
            delete(OutcomeDomainText).where(
                OutcomeDomainText.domain_id == right_help.id, OutcomeDomainText.language == "pl"
            )
        )
        db.session.commit()
    add_top_three_answers(app, room["session_id"], room["version_id"], FIVE_PEOPLE)
    html = facilitator(login_as).get(_projector_url(room["session_id"])).get_data(as_text=True)
    assert '<html lang="pl"' in html
    assert "Przejdź do treści głównej" in html  # the page's own words are in Polish too
    names = shown_names(html)
    assert names[2] == "Stabilny dom"
    assert names[3] == "Help at the right time"
    assert 'lang="en-GB" dir="ltr">Help at the right time<' in html


def test_projector_works_without_javascript_and_never_refreshes_itself(app, room, login_as):
    html = facilitator(login_as).get(_projector_url(room["session_id"])).get_data(as_text=True)
    assert f'href="{_projector_url(room["session_id"])}">Refresh</a>' in html
    assert 'http-equiv="refresh"' not in html.lower()
    assert re.search(r'<script src="/static/js/projector\.[0-9a-f]{12}\.js" defer></script>', html)
    assert "<script>" not in html  # the CSP allows no inline script


def test_another_facilitator_gets_403(app, room):
    other = staff_client(app, "second-facilitator", Role.FACILITATOR)
    assert other.get(_projector_url(room["session_id"])).status_code == 403
    assert other.get(_projector_url(room["session_id"]) + ".json").status_code == 403


def test_other_roles_and_strangers_cannot_see_the_projector(app, room, login_as):
    url = _projector_url(room["session_id"])
    stranger = app.test_client()
    assert stranger.get(url).status_code == 302
    assert "/staff/login" in stranger.get(url + ".json").headers["Location"]
    researcher = login_as(Role.RESEARCHER)
    assert researcher.get(url).status_code == 403


def test_unknown_or_impossible_sessions_are_404(room, login_as):
    client = facilitator(login_as)
    assert client.get(_projector_url(999_999)).status_code == 404
    assert client.get(_projector_url(2**31)).status_code == 404
    assert client.get("/facilitate/sessions/99999999999999999999/projector.json").status_code == 404


def test_each_page_view_is_audited_but_not_each_poll(app, room, login_as):
    def views() -> int:
        with app.app_context():
            return db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == "session.projector_viewed",
                    AuditEvent.target_id == str(room["session_id"]),
                )
            )

    client = facilitator(login_as)
    client.get(_projector_url(room["session_id"]))
    for _poll in range(3):
        client.get(_projector_url(room["session_id"]) + ".json")
    assert views() == 1


def test_a_message_for_the_facilitator_never_reaches_the_projector(room, login_as):
    client = facilitator(login_as)
    session_url = f"/facilitate/sessions/{room['session_id']}"
    token = csrf_token(client.get(session_url).get_data(as_text=True))
    closed = client.post(f"{session_url}/close", data={"csrf_token": token})
    assert closed.status_code == 302
    projector = client.get(_projector_url(room["session_id"])).get_data(as_text=True)
    assert "The session is closed" not in projector
    # The message waits for the facilitator's own page instead.
    assert "The session is closed" in client.get(session_url).get_data(as_text=True)

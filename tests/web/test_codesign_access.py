"""Who may use each studio page, and that every refusal changes nothing.

The roles that may use each /studio endpoint come from the app's access table
(tests/support/access_rules.py). The tests read the app's url_map, so a new studio
route (or a new method on one) fails here until someone decides who may use it. Each
refusal is made against real objects (a draft, a proposed and an approved version, a
draft and a published flow, a text with audio) with a form that would change them, so a
403 is not hiding a 404 and a missing check would show up as a change in the database.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support.access_rules import ACCESS
from tests.support.forms import csrf_token
from tests.support.staff import log_in, make_staff
from tests.support.studio import staff_client, studio_snapshot, version_action, wav_tone
from voice_app import demo, flows
from voice_app import question_bank as bank
from voice_app.audio import store_recording
from voice_app.extensions import db
from voice_app.models import (
    AnswerFormat,
    Audience,
    QuestionVersion,
    QuestionVote,
    Role,
    StaffUser,
)

ADVISOR, RESEARCHER = Role.ADVISOR, Role.RESEARCHER

# Every studio endpoint and the roles that may use it (every method alike), from the one
# access table the whole-app matrix (test_access_matrix.py) also checks.
STUDIO_ACCESS: dict[str, frozenset[Role]] = {
    endpoint: access.roles
    for endpoint, access in ACCESS.items()
    if endpoint.startswith("codesign.")
}
# Staff who work with families or run the system, but never write or review questions.
NEVER_IN_STUDIO = (Role.FACILITATOR, Role.SAFEGUARDING_LEAD, Role.ADMIN)
FLOW_ITEM_CHANGES = ("up", "down", "remove")


@dataclass(frozen=True)
class Studio:
    """Real objects for every kind of id a studio URL carries."""

    draft: int  # a draft version written by the author, for child 4-7
    proposed: int  # a proposed version written by the author
    approved: int  # an approved version that is in no draft flow yet
    text: int  # the draft's English text, with a recording
    clip: int
    draft_flow: int  # a draft flow with two items for children aged 8 to 12
    first_item: int
    second_item: int
    published_flow: int
    domain: int


@dataclass(frozen=True)
class Call:
    endpoint: str
    method: str
    url: str
    data: Callable[[], dict[str, object]]


@pytest.fixture
def studio(app: Flask) -> Studio:
    """Built through the services (the walk test covers the same steps through pages)."""
    make_staff(app, "author", ADVISOR)
    make_staff(app, "reviewer", RESEARCHER)
    with app.app_context():
        author = db.session.scalar(select(StaffUser).where(StaffUser.username == "author"))
        reviewer = db.session.scalar(select(StaffUser).where(StaffUser.username == "reviewer"))
        framework = demo.load_framework(db.session)
        demo.ensure_area(db.session)
        safe = next(d.id for d in framework.domains if d.key == "feeling_safe")

        def write(wording: str, audience: Audience = Audience.CHILD_8_12) -> QuestionVersion:
            draft = bank.QuestionDraft(
                AnswerFormat.FACES, [bank.TextDraft(audience, wording)], [safe]
            )
            return bank.create_question(db.session, draft, author, framework.id)

        def approved(wording: str) -> QuestionVersion:
            version = write(wording)
            bank.propose(db.session, version, author)
            bank.approve(db.session, version, reviewer)
            return version

        draft = write("Do you like your bedroom?", Audience.CHILD_4_7)
        proposed = write("Do you sleep well?")
        bank.propose(db.session, proposed, author)
        spare = approved("Do you eat breakfast?")
        flow = flows.create_flow(db.session, "Access pilot", reviewer)
        first, second = (
            flows.add_item(db.session, flow, Audience.CHILD_8_12, approved(w).id, reviewer)
            for w in ("Do you walk to school?", "Do you have a pet?")
        )
        (text,) = draft.texts
        (clip, *_others) = store_recording(
            db.session, text, wav_tone(0.3), recorded_by_id=author.id
        )
        published = flows.create_flow(db.session, "Published pilot", reviewer)
        flows.add_item(db.session, published, Audience.CHILD_8_12, spare.id, reviewer)
        flows.publish(db.session, published, reviewer)
        db.session.commit()
        return Studio(
            draft.id,
            proposed.id,
            spare.id,
            text.id,
            clip.id,
            flow.id,
            first.id,
            second.id,
            published.id,
            safe,
        )


def studio_calls(app: Flask, s: Studio) -> list[Call]:
    """One request for every method of every studio route, aimed at a real object."""
    version_for = {
        "codesign.approve": s.proposed,
        "codesign.send_back": s.proposed,
        "codesign.vote": s.proposed,
        "codesign.retire": s.approved,
        "codesign.new_version": s.approved,
    }
    posted: dict[str, Callable[[], dict[str, object]]] = {
        "codesign.new_question": lambda: {
            "format": "faces",
            "domains": [str(s.domain)],
            "child_4_7-wording": "Written by someone who may not",
        },
        "codesign.edit": lambda: {
            "format": "faces",
            "domains": [str(s.domain)],
            "child_4_7-wording": "Changed by someone who may not",
        },
        "codesign.translate": lambda: {"child_4_7-wording": "Zmienione przez kogoś"},
        "codesign.preview": lambda: {"action": "answer", "answer": "3"},
        "codesign.flow_preview": lambda: {"action": "answer", "answer": "3"},
        "codesign.comment": lambda: {"body": "A comment from someone who may not"},
        "codesign.send_back": lambda: {"reason": "Sent back by someone who may not"},
        "codesign.audio": lambda: {"audio": (io.BytesIO(wav_tone(0.3)), "take.wav")},
        "codesign.flows": lambda: {"name": "A flow from someone who may not"},
        "codesign.add_flow_item": lambda: {"audience": "child_8_12", "version_id": s.approved},
    }
    calls = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("codesign."):
            continue
        values: dict[str, object] = {
            "version_id": version_for.get(rule.endpoint, s.draft),
            "text_id": s.text,
            "clip_id": s.clip,
            "flow_id": s.published_flow if rule.endpoint == "codesign.copy_flow" else s.draft_flow,
            "audience": "child_8_12",
            "position": 1,
            "language": "pl",
        }
        variants = [values]
        if "change" in rule.arguments:
            assert set(rule._converters["change"].items) == set(FLOW_ITEM_CHANGES)
            variants = [
                {
                    **values,
                    "change": change,
                    "item_id": s.second_item if change == "up" else s.first_item,
                }
                for change in FLOW_ITEM_CHANGES
            ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for args in variants:
                url = adapter.build(rule.endpoint, {k: args[k] for k in rule.arguments})
                data = posted.get(rule.endpoint, dict) if method == "POST" else dict
                calls.append(Call(rule.endpoint, method, url, data))
    return calls


def send(client: FlaskClient, call: Call, token: str):
    if call.method == "GET":
        return client.get(call.url)
    return client.post(
        call.url,
        data={"csrf_token": token, **call.data()},
        content_type="multipart/form-data",
    )


def test_every_studio_route_and_method_has_an_access_rule(app: Flask) -> None:
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/studio") or rule.endpoint.startswith("codesign.")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert {endpoint for endpoint, _method in routes} == set(STUDIO_ACCESS), (
        "A studio route was added or removed: decide who may use it in access_rules.py."
    )
    for endpoint, roles in STUDIO_ACCESS.items():
        assert set(app.view_functions[endpoint].required_roles) == set(roles), endpoint


@pytest.mark.parametrize(
    "role", [*NEVER_IN_STUDIO, ADVISOR, RESEARCHER], ids=lambda role: role.value
)
def test_each_role_is_refused_every_studio_request_it_may_not_make_and_nothing_changes(
    app: Flask, studio: Studio, role: Role
) -> None:
    client = staff_client(app, f"someone-{role.value}", role)
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    calls = studio_calls(app, studio)
    refused = [c for c in calls if role not in STUDIO_ACCESS[c.endpoint]]
    if role in NEVER_IN_STUDIO:
        assert len(refused) == len(calls)
    before = studio_snapshot(app)
    for call in refused:
        response = send(client, call, token)
        assert response.status_code == 403, (role.value, call.method, call.url)
        assert studio_snapshot(app) == before, (role.value, call.method, call.url)
    # The pages this role may open are there (so the ids above are real, not 404s).
    for call in calls:
        if call.method == "GET" and role in STUDIO_ACCESS[call.endpoint]:
            assert client.get(call.url).status_code == 200, (role.value, call.url)


def test_advisors_cannot_review_retire_or_touch_flows() -> None:
    refused = {endpoint for endpoint, roles in STUDIO_ACCESS.items() if ADVISOR not in roles}
    assert refused == {
        "codesign.approve",
        "codesign.send_back",
        "codesign.retire",
        "codesign.flows",
        "codesign.flow",
        "codesign.add_flow_item",
        "codesign.change_flow_item",
        "codesign.publish_flow",
        "codesign.copy_flow",
        "codesign.flow_preview",
    }


def test_anonymous_visitors_are_sent_to_sign_in_for_every_studio_request(
    app: Flask, studio: Studio
) -> None:
    visitor = app.test_client()
    token = csrf_token(visitor.get("/staff/login").get_data(as_text=True))
    before = studio_snapshot(app)
    for call in studio_calls(app, studio):
        response = send(visitor, call, token)
        assert response.status_code == 302, (call.method, call.url, response.status_code)
        assert response.headers["Location"].startswith("/staff/login?next="), call.url
        assert studio_snapshot(app) == before, (call.method, call.url)


def test_the_author_cannot_give_their_own_question_a_thumbs_up(app: Flask, studio: Studio) -> None:
    author = app.test_client()
    assert log_in(author, "author").status_code == 302
    before = studio_snapshot(app)
    refused = version_action(author, studio.proposed, "vote")
    assert refused.status_code == 302
    assert "cannot give a thumbs-up to your own question" in author.get(
        refused.headers["Location"]
    ).get_data(as_text=True)
    assert studio_snapshot(app) == before


def test_a_second_vote_from_the_same_advisor_takes_the_thumbs_up_back(
    app: Flask, studio: Studio
) -> None:
    voter = staff_client(app, "voter", ADVISOR)
    other = staff_client(app, "other-voter", ADVISOR)

    def votes() -> list[str]:
        with app.app_context():
            return sorted(
                db.session.scalars(
                    select(QuestionVote.voter_id).where(QuestionVote.version_id == studio.proposed)
                )
            )

    version_action(voter, studio.proposed, "vote")
    version_action(other, studio.proposed, "vote")
    assert len(votes()) == 2
    taken_back = version_action(voter, studio.proposed, "vote")
    assert "Thumbs-up taken back." in voter.get(taken_back.headers["Location"]).get_data(
        as_text=True
    )
    assert len(votes()) == 1
    version_action(voter, studio.proposed, "vote")
    assert len(votes()) == 2

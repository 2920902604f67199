"""Every staff route that reads or changes data leaves an audit row naming who did it.

The walk visits each ``staff:*`` route of tests/web/routes.txt as a role allowed to use
it (a GET, and for POST routes a valid POST where practical) and checks that a row
with that member of staff and the expected action was written. Routes that read and
change no data are exempt, each with its reason; a new staff route that is in neither
list fails the first test. Planted answer content (free text with a marker, and the
flag raised by it) must never reach an audit row's detail.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support.forms import csrf_token
from tests.support.participants import load_demo
from tests.support.sessions import (
    finished_person,
    flag_ids,
    make_session,
    make_tablet_link,
    session_form,
    staff_in_first_area,
)
from tests.support.staff import log_in, make_staff
from tests.support.studio import (
    STUDIO_ADVISOR,
    STUDIO_RESEARCHER,
    build_flows,
    build_studio,
    domain_ids,
)
from voice_app import api_clients
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    Area,
    AudioClip,
    AuditEvent,
    FlowItem,
    KioskLink,
    Role,
    SafeguardingFlag,
    SafeguardingTerm,
    SessionStatus,
    StaffUser,
)

ROUTES = Path(__file__).with_name("routes.txt")
MARKER = "ZQX-MARKER-5517"  # in a child's free text: must never reach the audit log
FREE_TEXT = f"my uncle hit me {MARKER}"  # "hit me" is on the starter safeguarding list

# Routes that read and change no data, and why. Everything else must be walked below.
# A route taking GET and POST is walked by its POST when its GET only shows a form
# (new session, edit session, a paper questionnaire, the withdrawal code box).
EXEMPT = {
    "auth.home": "the staff home page: links to the user's own work, reads no records",
    "facilitator.live_json": "the live page's poll every few seconds; opening the live "
    "page is audited (session.live_viewed), each refresh would drown the log",
    "facilitator.projector_data": "the projector's poll; opening it is audited "
    "(session.projector_viewed)",
    "facilitator.sheet": "the printable join sheet: only the code and venue the "
    "facilitator set up, shown again for printing",
    "facilitator.paper_start": "chooses which group's paper questionnaire to type in; "
    "typing one in is audited (paper.entered)",
    # Question studio pages show the project's own questions and flows: wording, not
    # anyone's answers or account. Every change to them is audited and walked below.
    "codesign.bank_list": "studio: the list of questions (content, not people's data)",
    "codesign.play_audio": "studio: plays a recording of a question's wording",
    "codesign.flow": "studio: a flow's questions (content)",
    "codesign.flow_preview": "studio: a flow shown as participants see it; the preview's "
    "POST stores nothing",
    "codesign.preview": "studio: a question shown as participants see it; POST stores nothing",
    "codesign.version": "studio: one question version, its comments and history (content)",
    "codesign.translate": "studio: the translation form (content); saving one is audited "
    "by the service (question.translated) and tested in test_question_bank",
    "codesign.audio": "studio: the recording form (content); a saved recording is audited "
    "(audio.recorded) and tested in test_codesign_walk",
}


@dataclass
class Visit:
    endpoint: str
    role: str  # a key of World.clients
    method: str
    path: str
    action: str  # the audit action this visit must write
    data: dict[str, object] = field(default_factory=dict)
    form_page: str = ""  # a page whose form gives the CSRF token (POSTs)
    status: tuple[int, ...] = (200, 201, 302)


@dataclass
class World:
    app: Flask
    clients: dict[str, FlaskClient]
    user_ids: dict[str, int]
    ids: dict[str, int]


def staff_routes() -> dict[str, set[str]]:
    """endpoint -> methods, for every ``staff:*`` rule in the committed route list."""
    found: dict[str, set[str]] = {}
    for line in ROUTES.read_text().splitlines():
        _path, methods, endpoint, rule = line.rsplit(" ", 3)
        if rule.startswith("staff:"):
            found[endpoint] = set(methods.split(","))
    return found


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def audit_count(app: Flask, user_id: int, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.actor_id == user_id, AuditEvent.action == action)
        )


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


def walk(world: World, visits: list[Visit]) -> set[str]:
    walked = set()
    for visit in visits:
        client = world.clients[visit.role]
        user_id = world.user_ids[visit.role]
        before = audit_count(world.app, user_id, visit.action)
        if visit.method == "GET":
            response = client.get(visit.path)
        else:
            form_page = client.get(visit.form_page or "/staff/")
            assert form_page.status_code == 200, (visit.path, form_page.status_code)
            page = form_page.get_data(as_text=True)
            data = {"csrf_token": csrf_token(page), **visit.data}
            response = client.post(visit.path, data=data)
        assert response.status_code in visit.status, (
            visit.endpoint,
            visit.path,
            response.status_code,
            response.get_data(as_text=True)[:2000],
        )
        after = audit_count(world.app, user_id, visit.action)
        assert after > before, f"{visit.method} {visit.path} wrote no {visit.action!r} row"
        walked.add(visit.endpoint)
    return walked


def assert_no_answer_content_in_the_log(app: Flask) -> None:
    with app.app_context():
        # The content really is stored, in the answer and in the flag it raised.
        assert db.session.scalar(select(Answer.id).where(Answer.free_text.contains(MARKER)))
        assert db.session.scalar(
            select(SafeguardingFlag.id).where(SafeguardingFlag.flagged_text.contains(MARKER))
        )
        details = json.dumps(db.session.scalars(select(AuditEvent.detail)).all())
        targets = json.dumps(db.session.execute(select(AuditEvent.target_id)).scalars().all())
    assert MARKER not in details and MARKER not in targets
    assert "hit me" not in details and "uncle" not in details


# --- people's data: sessions, flags, withdrawals, figures, accounts --------------------


@pytest.fixture
def people_world(app: Flask, runner) -> World:
    load_demo(runner)
    user_ids = {
        "facilitator": staff_in_first_area(app, "fiona", Role.FACILITATOR),
        "lead": staff_in_first_area(app, "lena", Role.SAFEGUARDING_LEAD),
        "researcher": make_staff(app, "rhys", Role.RESEARCHER),
        "admin": make_staff(app, "ada", Role.ADMIN),
    }
    user_ids["leaving"] = make_staff(app, "leon", Role.RESEARCHER)
    usernames = {"facilitator": "fiona", "lead": "lena", "researcher": "rhys", "admin": "ada"}
    clients = {role: signed_in(app, name) for role, name in usernames.items()}
    clients["leaving"] = signed_in(app, "leon")
    running = make_session(app, user_ids["facilitator"], SessionStatus.OPEN)
    draft = make_session(app, user_ids["facilitator"])
    person = finished_person(app, running, free_text=FREE_TEXT, wants_to_talk=True)
    make_tablet_link(clients["facilitator"], running)
    with app.app_context():
        area_code = db.session.scalars(select(Area.code).order_by(Area.id)).first()
        client, _token = api_clients.create_client(
            db.session, "Coverage client", [area_code], user_ids["admin"]
        )
        db.session.commit()
        ids = {
            "running": running,
            "draft": draft,
            "flag": flag_ids(app, running)[0],
            "link": db.session.scalar(select(KioskLink.id).where(KioskLink.session_id == running)),
            "client": client.id,
            "term": db.session.scalars(
                select(SafeguardingTerm.id).order_by(SafeguardingTerm.id)
            ).first(),
        }
    world = World(app, clients, user_ids, ids)
    world.ids["area_code"] = area_code  # type: ignore[assignment]
    world.withdrawal_code = person.withdrawal_code  # type: ignore[attr-defined]
    return world


def people_visits(world: World) -> list[Visit]:
    app, i = world.app, world.ids
    s, d = f"/facilitate/sessions/{i['running']}", f"/facilitate/sessions/{i['draft']}"
    paper = f"{s}/paper/young_13_17?language=en_GB"
    paper_page = world.clients["facilitator"].get(paper).get_data(as_text=True)
    entry = {k: v for k, v in hidden_fields(paper_page).items() if k != "csrf_token"}
    return [
        Visit("admin.users", "admin", "GET", "/admin/users", "staff_user.list"),
        Visit("admin.api_clients", "admin", "GET", "/admin/api-clients", "api_client.list"),
        Visit(
            "admin.api_clients",
            "admin",
            "POST",
            "/admin/api-clients",
            "api_client.created",
            {"name": "Second client", "areas": [i["area_code"]]},
        ),
        Visit(
            "admin.revoke_api_client",
            "admin",
            "POST",
            f"/admin/api-clients/{i['client']}/revoke",
            "api_client.revoked",
        ),
        Visit("admin.audit", "admin", "GET", "/admin/audit", "audit_log.viewed"),
        Visit("admin.audit_csv", "admin", "GET", "/admin/audit.csv", "audit_log.exported"),
        Visit("research.languages", "admin", "GET", "/research/languages", "coverage.view"),
        Visit("facilitator.sessions", "facilitator", "GET", "/facilitate/", "session.list_viewed"),
        Visit("facilitator.session", "facilitator", "GET", s, "session.viewed"),
        Visit(
            "facilitator.new_session",
            "facilitator",
            "POST",
            "/facilitate/sessions/new",
            "session.created",
            session_form(app),
        ),
        Visit(
            "facilitator.edit_session",
            "facilitator",
            "POST",
            f"{d}/edit",
            "session.edited",
            session_form(app, venue="Hillside hall"),
        ),
        Visit("facilitator.open_session", "facilitator", "POST", f"{d}/open", "session.opened"),
        Visit("facilitator.close_session", "facilitator", "POST", f"{d}/close", "session.closed"),
        Visit("facilitator.live", "facilitator", "GET", f"{s}/live", "session.live_viewed"),
        Visit(
            "facilitator.projector",
            "facilitator",
            "GET",
            f"{s}/projector",
            "session.projector_viewed",
        ),
        Visit(
            "facilitator.counts_csv",
            "facilitator",
            "GET",
            f"{s}/counts.csv",
            "session.counts_exported",
        ),
        Visit(
            "facilitator.flag_action",
            "facilitator",
            "POST",
            f"{s}/flags/{i['flag']}/acknowledge",
            "flag.acknowledged",
        ),
        Visit(
            "facilitator.add_tablet",
            "facilitator",
            "POST",
            f"{s}/tablets",
            "kiosk_link.created",
            {"label": "Tablet 9", "hours": "12"},
        ),
        Visit(
            "facilitator.revoke_tablet",
            "facilitator",
            "POST",
            f"{s}/tablets/{i['link']}/revoke",
            "kiosk_link.revoked",
        ),
        Visit(
            "facilitator.paper_form",
            "facilitator",
            "POST",
            paper,
            "paper.entered",
            entry,
            form_page=paper,
        ),
        Visit(
            "facilitator.withdraw",
            "researcher",
            "POST",
            "/facilitate/withdraw",
            "participant.withdrawal_checked",
            {"code": world.withdrawal_code},  # type: ignore[attr-defined]
            form_page="/facilitate/withdraw",
        ),
        Visit("safeguarding.flags", "lead", "GET", "/safeguarding/", "flag.list_viewed"),
        Visit(
            "safeguarding.flag",
            "lead",
            "GET",
            f"/safeguarding/flags/{i['flag']}",
            "flag.text_viewed",
        ),
        Visit(
            "safeguarding.resolve",
            "lead",
            "POST",
            f"/safeguarding/flags/{i['flag']}/resolve",
            "flag.resolved",
            {"note": "Spoke with the family support team."},
            form_page=f"/safeguarding/flags/{i['flag']}",
        ),
        Visit(
            "research.priorities", "researcher", "GET", "/research/priorities", "priorities.view"
        ),
        Visit(
            "research.export_file",
            "researcher",
            "GET",
            "/research/export/csv",
            "priorities.export",
        ),
        Visit(
            "research.safeguarding_terms",
            "researcher",
            "GET",
            "/research/safeguarding-terms",
            "safeguarding_terms.viewed",
        ),
        Visit(
            "research.safeguarding_terms",
            "researcher",
            "POST",
            "/research/safeguarding-terms",
            "safeguarding_term.added",
            {"language": "en_GB", "phrase": "coverage walk phrase"},
        ),
        Visit(
            "research.remove_safeguarding_term",
            "researcher",
            "POST",
            f"/research/safeguarding-terms/{i['term']}/remove",
            "safeguarding_term.removed",
            {"language": "en_GB"},
        ),
        Visit("auth.logout", "leaving", "POST", "/staff/logout", "auth.logout"),
    ]


# --- the question studio: every change is audited -------------------------------------


@pytest.fixture
def studio_world(app: Flask) -> World:
    content = build_flows(app, build_studio(app))
    with app.app_context():
        ids = {name: getattr(content, name) for name in vars(content)}
        clip_text = content.text_with_audio
        ids["clip"] = db.session.scalar(
            select(AudioClip.id).where(AudioClip.question_text_id == clip_text)
        )
        ids["item"] = db.session.scalars(
            select(FlowItem.id).where(FlowItem.flow_id == content.flow_draft).order_by(FlowItem.id)
        ).first()
        user_ids = {
            name: db.session.scalar(select(StaffUser.id).where(StaffUser.username == username))
            for name, username in {
                "author": "amira",
                "advisor": STUDIO_ADVISOR,
                "researcher": STUDIO_RESEARCHER,
            }.items()
        }
    clients = {
        "author": signed_in(app, "amira"),
        "advisor": signed_in(app, STUDIO_ADVISOR),
        "researcher": signed_in(app, STUDIO_RESEARCHER),
    }
    return World(app, clients, user_ids, ids)


def studio_visits(world: World) -> list[Visit]:
    i = world.ids
    (safe,) = domain_ids(world.app, "feeling_safe")
    question = {"format": "yes_maybe_no", "domains": [str(safe)]}
    new = question | {"child_8_12-wording": "Do you feel safe when you walk to school?"}
    edited = question | {"child_8_12-wording": "Do you feel safe on the way to school?"}
    version = lambda number: f"/studio/versions/{number}"  # noqa: E731
    flow = f"/studio/flows/{i['flow_draft']}"
    return [
        Visit(
            "codesign.new_question",
            "author",
            "POST",
            "/studio/questions/new",
            "question.created",
            new,
        ),
        Visit(
            "codesign.edit",
            "author",
            "POST",
            f"{version(i['sent_back'])}/edit",
            "question.edited",
            edited,
        ),
        Visit(
            "codesign.comment",
            "advisor",
            "POST",
            f"{version(i['proposed'])}/comments",
            "question.commented",
            {"body": "Clear for my little brother."},
        ),
        Visit(
            "codesign.vote", "advisor", "POST", f"{version(i['proposed'])}/vote", "question.voted"
        ),
        Visit(
            "codesign.approve",
            "researcher",
            "POST",
            f"{version(i['proposed'])}/approve",
            "question.approved",
        ),
        Visit(
            "codesign.propose",
            "author",
            "POST",
            f"{version(i['sent_back'])}/propose",
            "question.proposed",
        ),
        Visit(
            "codesign.send_back",
            "researcher",
            "POST",
            f"{version(i['sent_back'])}/send-back",
            "question.sent_back",
            {"reason": "Please make it shorter for the 4 to 7s."},
        ),
        Visit(
            "codesign.new_version",
            "author",
            "POST",
            f"{version(i['approved_other'])}/new-version",
            "question.created",
        ),
        Visit(
            "codesign.flows",
            "researcher",
            "POST",
            "/studio/flows",
            "flow.created",
            {"name": "Coverage flow"},
        ),
        Visit(
            "codesign.change_flow_item",
            "researcher",
            "POST",
            f"{flow}/items/{i['item']}/down",
            "flow.item_moved",
        ),
        Visit(
            "codesign.change_flow_item",
            "researcher",
            "POST",
            f"{flow}/items/{i['item']}/remove",
            "flow.item_removed",
        ),
        Visit(
            "codesign.add_flow_item",
            "researcher",
            "POST",
            f"{flow}/items",
            "flow.item_added",
            {"audience": "child_8_12", "version_id": i["approved"]},
        ),
        Visit(
            "codesign.copy_flow",
            "researcher",
            "POST",
            f"/studio/flows/{i['flow_published']}/copy",
            "flow.copied",
        ),
        Visit("codesign.publish_flow", "researcher", "POST", f"{flow}/publish", "flow.published"),
        Visit(
            "codesign.retire",
            "researcher",
            "POST",
            f"{version(i['approved_other'])}/retire",
            "question.retired",
        ),
    ]


# --- the checks -----------------------------------------------------------------------


def test_every_staff_route_is_walked_or_exempt_with_a_reason():
    source = Path(__file__).read_text()
    named = set(re.findall(r'Visit\(\s*"([a-z_]+\.[a-z_]+)"', source))
    missing = set(staff_routes()) - named - set(EXEMPT)
    assert not missing, f"staff routes neither walked nor exempt: {sorted(missing)}"
    assert not set(EXEMPT) & named, "a route is both walked and exempt"
    assert all(reason.strip() for reason in EXEMPT.values())
    assert set(EXEMPT) <= set(staff_routes()), "an exemption names a route that is gone"


def test_staff_reading_or_changing_peoples_data_is_audited(people_world):
    walked = walk(people_world, people_visits(people_world))
    routes = staff_routes()
    people = {e for e in routes if not e.startswith("codesign.")} - set(EXEMPT)
    assert people <= walked, sorted(people - walked)
    assert_no_answer_content_in_the_log(people_world.app)


def test_every_change_in_the_question_studio_is_audited(studio_world):
    walked = walk(studio_world, studio_visits(studio_world))
    studio = {e for e in staff_routes() if e.startswith("codesign.")} - set(EXEMPT)
    assert studio <= walked, sorted(studio - walked)

"""A world for the form fuzzer: every role signed in, sessions, flags, studio content, people
mid-journey, and pools of ids that the fuzzer's URLs draw from.

Everything the fuzzer changes for real (opening and closing sessions, approving questions,
publishing flows, finishing a journey) happens to rows kept for it, never to the session
the fuzzed participants are answering in, so the participant forms stay reachable.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from tests.support.forms import csrf_token
from tests.support.participants import load_demo
from tests.support.sessions import finished_person, make_session
from tests.support.staff import (
    CODE_URL,
    ENROL_DONE_URL,
    ENROL_URL,
    NEW_PASSWORD_URL,
    TEST_PASSWORD,
    fresh_code,
    log_in,
    make_staff,
    secret_from_enrolment_page,
)
from tests.support.studio import build_flows, build_studio
from voice_app import api_clients, flows, journey, kiosk
from voice_app.extensions import db
from voice_app.models import (
    ApiClient,
    Area,
    Audience,
    AudioClip,
    Flow,
    FlowItem,
    FlowStatus,
    GroupSession,
    KioskLink,
    QuestionText,
    QuestionVersion,
    Role,
    SafeguardingFlag,
    SafeguardingTerm,
    SessionStatus,
    StaffArea,
    StaffUser,
    VersionStatus,
)
from voice_app.passwords import hash_password, is_breached

LANGUAGES = ("en_GB", "pl", "ar")
BREACHED_PASSWORD = "password123456"
_RECOVERY_CODE = re.compile(r"<code data-recovery-code>([^<]+)</code>")
_SUBMISSION = re.compile(r'name="submission_id" value="([^"]+)"')
_ENTRY = re.compile(r'name="entry_id" value="([^"]+)"')


def plain_client(app: Flask) -> FlaskClient:
    """A test client without the page checker: the fuzzer's thousands of GETs stay cheap."""
    return FlaskClient(app, app.response_class, use_cookies=True)


@dataclass
class StaffBrowser:
    """A signed-in member of staff, and the CSRF token their pages carry."""

    client: FlaskClient
    username: str
    token: str = ""

    def sign_in(self) -> None:
        response = log_in(self.client, self.username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        self.token = csrf_token(self.client.get("/staff/").get_data(as_text=True))


@dataclass
class Person:
    """A participant's browser, brought back to ``stage`` whenever a post ended the journey.

    ``stage``: "joined" (language and "Who are you?"), "chosen" (the easy-read page), or
    "answering" (questions, Stop, Talk). ``audience`` is who they say they are.
    """

    client: FlaskClient
    audience: str
    stage: str
    token: str | None = None  # the CSRF token, until a post ends the journey


@dataclass
class World:
    app: Flask
    code: str  # join code of the open session the fuzzed people answer in
    session_id: int
    staff: dict[str, StaffBrowser]
    people: dict[str, Person]
    stranger: FlaskClient  # another browser, whose CSRF token is not ours
    stranger_token: str
    stale_tokens: list[str]  # tokens of sessions since signed out
    kiosk_client: FlaskClient
    kiosk_link_id: int
    nexter: FlaskClient  # presses "Next person" (which ends whatever it had)
    login_client: FlaskClient  # signs in, and fails to
    free_text_term: str  # a listed word: written answers with it raise flags
    withdrawal_codes: list[str]
    ids: dict[str, list[int]] = field(default_factory=dict)
    sign_in_clients: dict[str, FlaskClient] = field(default_factory=dict)
    recovery_codes: list[str] = field(default_factory=list)
    used: dict[str, list[str]] = field(default_factory=dict)  # accepted one-time ids, to replay

    # --- ids that URLs draw from ------------------------------------------------------

    def refresh_ids(self) -> None:
        """Read the pools again: the fuzzer's own accepted posts add rows to them."""
        with self.app.app_context():
            s = db.session

            def ids(query) -> list[int]:
                return list(s.scalars(query.order_by(query.selected_columns[0]).limit(40)))

            facilitator = s.scalar(select(StaffUser).where(StaffUser.username == "fz-facilitator"))
            own_areas = [
                a.area_id for a in s.scalars(select(StaffArea)) if a.user_id == facilitator.id
            ]
            sessions = select(GroupSession.id).where(
                GroupSession.id != self.session_id, GroupSession.facilitator_id == facilitator.id
            )
            self.ids = {
                "draft_sessions": ids(sessions.where(GroupSession.status == SessionStatus.DRAFT)),
                "open_sessions": ids(sessions.where(GroupSession.status == SessionStatus.OPEN)),
                "closed_sessions": ids(sessions.where(GroupSession.status == SessionStatus.CLOSED)),
                "other_area_sessions": ids(
                    select(GroupSession.id).where(GroupSession.area_id.not_in(own_areas))
                ),
                "flags": ids(select(SafeguardingFlag.id)),
                "links": ids(select(KioskLink.id)),
                "terms": ids(select(SafeguardingTerm.id)),
                "api_clients": ids(select(ApiClient.id)),
                "areas": ids(select(Area.id)),
                "published_flows": ids(select(Flow.id).where(Flow.status == FlowStatus.PUBLISHED)),
                "draft_flows": ids(select(Flow.id).where(Flow.status == FlowStatus.DRAFT)),
                "flow_items": ids(select(FlowItem.id)),
                "versions": ids(select(QuestionVersion.id)),
                "draft_versions": ids(
                    select(QuestionVersion.id).where(QuestionVersion.status == VersionStatus.DRAFT)
                ),
                "proposed_versions": ids(
                    select(QuestionVersion.id).where(
                        QuestionVersion.status == VersionStatus.PROPOSED
                    )
                ),
                "approved_versions": ids(
                    select(QuestionVersion.id).where(
                        QuestionVersion.status == VersionStatus.APPROVED
                    )
                ),
                "texts": ids(select(QuestionText.id)),
                "clips": ids(select(AudioClip.id)),
                "domains": [d.id for d in bank_domains(s)],
            }

    def steps(self, audience: str) -> list[journey.JourneyStep]:
        with self.app.app_context():
            group_session = db.session.get(GroupSession, self.session_id)
            return list(journey.flow_steps(db.session, group_session, Audience(audience)))

    def option_keys(self, version_id: int) -> list[str]:
        with self.app.app_context():
            version = db.session.get(QuestionVersion, version_id)
            return [option.key for option in version.options]

    def domain_keys(self) -> list[str]:
        with self.app.app_context():
            return [d.key for d in bank_domains(db.session)]

    # --- bringing people back to where the fuzzer needs them ----------------------------

    def ready(self, person: Person) -> str:
        """Make sure the person is at their stage; the page's CSRF token."""
        if person.token:
            return person.token
        client = person.client
        page = {"joined": "/who", "chosen": "/about", "answering": "/stop"}[person.stage]
        response = client.get(page)
        if response.status_code != 200:
            self.join(person)
            response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        person.token = csrf_token(response.get_data(as_text=True))
        return person.token

    def join(self, person: Person) -> None:
        client = person.client
        page = client.get("/")
        token = csrf_token(page.get_data(as_text=True))
        joined = client.post("/join", data={"csrf_token": token, "code": self.code})
        assert joined.status_code == 302, joined.get_data(as_text=True)[:500]
        token = csrf_token(client.get("/language").get_data(as_text=True))
        client.post("/language", data={"csrf_token": token, "answer": "en_GB"})
        if person.stage == "joined":
            return
        client.post("/who", data={"csrf_token": token, "answer": person.audience})
        if person.stage == "chosen":
            return
        about = client.post("/about", data={"csrf_token": token, "assent": "yes"})
        assert about.headers.get("Location") == "/q/1", about.status_code

    def question_form(self, person: Person, position: int) -> tuple[str, str]:
        """(CSRF token, a fresh one-time submission id) from the person's question page."""
        response = person.client.get(f"/q/{position}")
        if response.status_code != 200:
            self.join(person)
            response = person.client.get(f"/q/{position}")
        html = response.get_data(as_text=True)
        person.token = csrf_token(html)
        return person.token, _SUBMISSION.search(html).group(1)

    def second_step(
        self, username: str, page: str, *, enrolled: bool = True, breached: bool = False
    ) -> tuple[FlaskClient, str, str]:
        """A browser whose password ``username`` has just given, at the sign-in step ``page``.

        The account is unlocked first (the fuzzer's wrong codes lock it), and taken back
        to not enrolled or to its breached password as the form needs. Returns the browser,
        the page's CSRF token and the page.
        """
        with self.app.app_context():
            user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
            user.failed_logins, user.locked_until = 0, None
            if not enrolled:
                user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
            if breached:
                user.password_hash = hash_password(BREACHED_PASSWORD)
            db.session.commit()
        client = self.sign_in_clients.setdefault(username, plain_client(self.app))
        address = {"REMOTE_ADDR": f"10.255.{len(username)}.{secrets.randbelow(250) + 1}"}
        token = csrf_token(client.get("/").get_data(as_text=True))
        password = BREACHED_PASSWORD if breached else TEST_PASSWORD
        signed = client.post(
            "/staff/login",
            data={"csrf_token": token, "username": username, "password": password},
            environ_base=address,
        )
        assert signed.status_code == 302, signed.get_data(as_text=True)[:300]
        if breached:
            token = csrf_token(client.get(CODE_URL).get_data(as_text=True))
            code = fresh_code(self.app, username)
            passed = client.post(
                CODE_URL, data={"csrf_token": token, "code": code}, environ_base=address
            )
            assert passed.headers.get("Location") == NEW_PASSWORD_URL, passed.status_code
        html = client.get(page).get_data(as_text=True)
        return client, csrf_token(html), html

    def paper_form(self, url: str) -> str | None:
        """A fresh entry id from the paper questionnaire page (None if it has none now)."""
        html = self.staff["facilitator"].client.get(url).get_data(as_text=True)
        found = _ENTRY.search(html)
        return found.group(1) if found else None


def enrol_keeping_codes(app: Flask, username: str) -> list[str]:
    """Enrol through the pages, and keep the recovery codes they show once."""
    client = plain_client(app)
    token = csrf_token(client.get("/").get_data(as_text=True))
    client.post(
        "/staff/login", data={"csrf_token": token, "username": username, "password": TEST_PASSWORD}
    )
    page = client.get(ENROL_URL).get_data(as_text=True)
    code = enrolment_code(page)
    shown = client.post(ENROL_URL, data={"csrf_token": csrf_token(page), "code": code})
    html = shown.get_data(as_text=True)
    client.post(ENROL_DONE_URL, data={"csrf_token": csrf_token(html)})
    codes = _RECOVERY_CODE.findall(html)
    assert codes, "no recovery codes shown"
    return codes


def enrolment_code(page: str) -> str:
    """The code an authenticator app would show now for the key on the enrolment page."""
    import pyotp

    return pyotp.TOTP(secret_from_enrolment_page(page)).now()


def bank_domains(s) -> list:
    from voice_app.models import OutcomeDomain

    return list(s.scalars(select(OutcomeDomain).order_by(OutcomeDomain.id)))


def _staff(app: Flask, username: str, *roles: Role, area_ids: list[int] = ()) -> StaffBrowser:
    make_staff(app, username, *roles)
    with app.app_context():
        user_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == username))
        for area_id in area_ids:
            db.session.add(StaffArea(user_id=user_id, area_id=area_id))
        db.session.commit()
    browser = StaffBrowser(plain_client(app), username)
    browser.sign_in()
    return browser


def _existing_staff(app: Flask, username: str) -> StaffBrowser:
    browser = StaffBrowser(plain_client(app), username)
    browser.sign_in()
    return browser


def build_world(
    app: Flask, runner: FlaskCliRunner, on_step: Callable[[str], None] = print
) -> World:
    """The demo, a studio with questions in every state, sessions, flags and people."""
    load_demo(runner)
    content = build_flows(app, build_studio(app))
    on_step("demo and studio loaded")
    with app.app_context():
        demo_area = db.session.scalars(select(Area.id).order_by(Area.id)).first()
        other_area = Area(code="E99000099", name="Another area")
        db.session.add(other_area)
        db.session.commit()
        other_area_id = other_area.id
    staff = {
        "facilitator": _staff(app, "fz-facilitator", Role.FACILITATOR, area_ids=[demo_area]),
        "lead": _staff(app, "fz-lead", Role.SAFEGUARDING_LEAD, area_ids=[demo_area]),
        "researcher": _existing_staff(app, "rosa"),
        "advisor": _existing_staff(app, "amira"),
        "voter": _existing_staff(app, "ben"),
        "admin": _staff(app, "fz-admin", Role.ADMIN),
        "leaver": _staff(app, "fz-leaver", Role.FACILITATOR, area_ids=[demo_area]),
    }
    make_staff(app, "fz-login", Role.ADVISOR)
    with app.app_context():
        facilitator_id = db.session.scalar(
            select(StaffUser.id).where(StaffUser.username == "fz-facilitator")
        )
    everyone = tuple(a.value for a in Audience)
    # Only languages whose catalogues are complete can be offered (others may be mid-translation).
    ready = tuple(c for c in LANGUAGES if c in app.extensions["voice_languages"]) or ("en_GB",)
    session_id = make_session(
        app, facilitator_id, SessionStatus.OPEN, languages=ready, audiences=everyone
    )
    for status in (
        SessionStatus.DRAFT,
        SessionStatus.DRAFT,
        SessionStatus.OPEN,
        SessionStatus.OPEN,
    ):
        make_session(app, facilitator_id, status, languages=ready)
    make_session(app, facilitator_id, SessionStatus.CLOSED)
    elsewhere = make_staff(app, "fz-elsewhere", Role.FACILITATOR)
    with app.app_context():
        db.session.add(StaffArea(user_id=elsewhere, area_id=other_area_id))
        db.session.commit()
    make_session(app, elsewhere, SessionStatus.DRAFT, area_id=other_area_id)
    with app.app_context():
        code = db.session.get(GroupSession, session_id).code
        term = db.session.scalar(
            select(SafeguardingTerm.phrase).where(SafeguardingTerm.language == "en_GB").limit(1)
        )
        link, token = kiosk.create_link(db.session, session_id, label="Tablet 1")
        kiosk_link_id = link.id
        for label in ("Tablet 2", "Tablet 3"):
            kiosk.create_link(db.session, session_id, label=label)
        api_clients.create_client(db.session, "Outcome framework", ["DEMO"], None)
        db.session.commit()
    codes = []
    for number in range(6):
        person = finished_person(
            app,
            session_id,
            device_label="Tablet 1",
            free_text=f"I am {term} at home" if number % 2 else None,
            wants_to_talk=number % 3 == 0,
        )
        codes.append(person.withdrawal_code)
    on_step("sessions, flags and withdrawal codes made")

    kiosk_client = plain_client(app)
    kiosk_client.get(f"/kiosk/{token}")
    stranger = plain_client(app)
    stranger_token = csrf_token(stranger.get("/").get_data(as_text=True))
    leaver = _staff(app, "fz-gone", Role.FACILITATOR)
    stale = [leaver.token]
    leaver.client.post("/staff/logout", data={"csrf_token": leaver.token})

    people = {
        "joiner": Person(plain_client(app), "young_13_17", "joined"),
        "chooser": Person(plain_client(app), "child_8_12", "joined"),
        "assenter": Person(plain_client(app), "parent_carer", "chosen"),
        "stopper": Person(plain_client(app), "young_13_17", "answering"),
    }
    for audience in everyone:
        people[audience] = Person(plain_client(app), audience, "answering")
    world = World(
        app=app,
        code=code,
        session_id=session_id,
        staff=staff,
        people=people,
        stranger=stranger,
        stranger_token=stranger_token,
        stale_tokens=stale,
        kiosk_client=kiosk_client,
        kiosk_link_id=kiosk_link_id,
        nexter=plain_client(app),
        login_client=plain_client(app),
        free_text_term=term,
        withdrawal_codes=[c for c in codes if c],
    )
    for person in people.values():
        world.join(person)
    with app.app_context():
        # A second draft flow, for the flow buttons.
        researcher = db.session.scalar(select(StaffUser).where(StaffUser.username == "rosa"))
        flows.copy_flow(db.session, db.session.get(Flow, content.flow_published), researcher)
        db.session.commit()
    # Second-step sign-in: one account each, enrolled through the real pages.
    assert is_breached(BREACHED_PASSWORD)
    for username in ("fz-enrol", "fz-code", "fz-recovery", "fz-breached"):
        make_staff(app, username, Role.ADVISOR)
    for username in ("fz-code", "fz-breached"):
        assert log_in(plain_client(app), username).status_code == 302, username
    world.recovery_codes = enrol_keeping_codes(app, "fz-recovery")
    world.refresh_ids()
    on_step("people mid-journey")
    return world

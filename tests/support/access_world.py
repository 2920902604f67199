"""One small world with a real value for every id a URL carries, and a browser per role.

Two areas. Session A (area A) is run by one facilitator, session B (area B) by another
who also works in area A, so a refusal shows ownership, not area, decides. Each session
runs its own published flow with its own recording, A has a raised flag and a tablet
link; the studio has a draft question, a draft flow and a recording; there is an API
client for area A and a safeguarding word. Everything is made through the services.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import LargeBinary, func, select
from werkzeug.test import TestResponse

from tests.support.forms import csrf_token
from tests.support.sessions import finished_person
from tests.support.staff import log_in, make_staff
from tests.support.studio import wav_tone
from voice_app import api_clients, demo, flows, group_sessions, kiosk, screening
from voice_app import question_bank as bank
from voice_app.extensions import db
from voice_app.models import (
    AnswerFormat,
    Audience,
    AudioClip,
    Base,
    QuestionText,
    Role,
    SafeguardingFlag,
    StaffArea,
    StaffUser,
)


class Who(enum.Enum):
    """Everyone the matrix sends requests as."""

    ANONYMOUS = "anonymous"
    PARTICIPANT_A = "participant-of-A"
    PARTICIPANT_B = "participant-of-B"
    ADVISOR = "advisor"
    FACILITATOR_OWNER = "facilitator-owning-A"
    FACILITATOR_OTHER = "other-facilitator"
    RESEARCHER = "researcher"
    ADMIN = "admin"
    LEAD_OF_AREA = "lead-of-A's-area"
    LEAD_ELSEWHERE = "lead-of-another-area"
    API_CLIENT = "api-client"


# The staff among them: their role, and the areas they work in ("A", "B").
STAFF: dict[Who, tuple[Role, tuple[str, ...]]] = {
    Who.ADVISOR: (Role.ADVISOR, ()),
    Who.FACILITATOR_OWNER: (Role.FACILITATOR, ("A",)),
    Who.FACILITATOR_OTHER: (Role.FACILITATOR, ("A", "B")),
    Who.RESEARCHER: (Role.RESEARCHER, ()),
    Who.ADMIN: (Role.ADMIN, ()),
    Who.LEAD_OF_AREA: (Role.SAFEGUARDING_LEAD, ("A",)),
    Who.LEAD_ELSEWHERE: (Role.SAFEGUARDING_LEAD, ("B",)),
}
PARTICIPANT_AUDIENCE = "young_13_17"
# Never compared: every request may write a session row, and refusals are audited.
UNCOMPARED_TABLES = frozenset({"web_session", "audit_event"})


@dataclass
class World:
    """Ids of real things, the URL values they fill, and how to get a browser per role."""

    app: Flask
    session_a: int
    session_b: int
    code_a: str
    code_b: str
    flag_a: int
    clip_a: int  # a recording of a question in session A's flow (not in B's)
    tablet_link_a: int
    tablet_token_a: str
    api_client: int
    api_token: str
    version: int  # a draft question version in the studio
    text: int  # its English text
    draft_flow: int
    flow_item: int
    term: int
    area_a: int
    flow_a: int
    domain: int
    usernames: dict[Who, str] = field(default_factory=dict)

    def url_values(self) -> dict[str, object]:
        """A value for every URL argument name the app uses, aimed at session A's things."""
        return {
            "session_id": self.session_a,
            "flag_id": self.flag_a,
            "link_id": self.tablet_link_a,
            "token": self.tablet_token_a,
            "clip_id": self.clip_a,
            "client_id": self.api_client,
            "term_id": self.term,
            "version_id": self.version,
            "text_id": self.text,
            "flow_id": self.draft_flow,
            "item_id": self.flow_item,
            "audience": PARTICIPANT_AUDIENCE,
            "position": 1,
            "language": "pl",
            "fmt": "csv",
            "filename": "css/voice.css",
        }

    def query_for(self, endpoint: str) -> dict[str, str]:
        """Query arguments a page needs to show itself rather than send you back a step."""
        return {"language": "en_GB"} if endpoint == "facilitator.paper_form" else {}

    def browser(self, who: Who) -> Browser:
        """A new browser (test client) for ``who``, signed in or joined as they would be."""
        client = self.app.test_client()
        headers: dict[str, str] = {}
        if who in STAFF:
            response = log_in(client, self.usernames[who])
            assert response.status_code == 302, (who, response.status_code)
            page = "/staff/"
        elif who in (Who.PARTICIPANT_A, Who.PARTICIPANT_B):
            join_session(client, self.code_a if who is Who.PARTICIPANT_A else self.code_b)
            page = "/q/1"
        else:
            page = "/staff/login"
            if who is Who.API_CLIENT:
                headers["Authorization"] = f"Bearer {self.api_token}"
        browser = Browser(who, client, page, headers)
        browser.read_csrf_token()
        return browser


@dataclass
class Browser:
    who: Who
    client: FlaskClient
    page: str  # a page with a form, to read the CSRF token from
    headers: dict[str, str]
    csrf: str = ""

    def read_csrf_token(self) -> None:
        self.csrf = csrf_token(self.client.get(self.page, headers=self.headers).text)

    def send(self, method: str, url: str, data: dict[str, object] | None = None) -> TestResponse:
        if method == "GET":
            return self.client.get(url, headers=self.headers)
        body = {"csrf_token": self.csrf, **(data or {})}
        return self.client.open(
            url,
            method=method,
            data=body,
            headers=self.headers,
            content_type="multipart/form-data",
        )


def join_session(client: FlaskClient, code: str) -> None:
    """Join by code, choose English, say who you are and agree: at the first question."""
    page = client.get("/")
    joined = client.post("/join", data={"csrf_token": csrf_token(page.text), "code": code})
    assert joined.status_code == 302, joined.text
    for url, data in (
        ("/language", {"language": "en_GB", "listen_language": "en_GB"}),
        ("/who", {"answer": PARTICIPANT_AUDIENCE}),
        ("/about", {"assent": "yes"}),
    ):
        form = client.get(url)
        if form.status_code == 302:  # a session in one language skips the choice
            continue
        assert form.status_code == 200, (url, form.status_code)
        client.post(url, data={"csrf_token": csrf_token(form.text), **data})
    assert client.get("/q/1").status_code == 200


def build_world(app: Flask) -> World:
    usernames = {who: who.name.lower() for who in STAFF}
    ids = {who: make_staff(app, usernames[who], role) for who, (role, _areas) in STAFF.items()}
    with app.app_context():
        session = db.session
        framework = demo.load_framework(session)
        flow_a = demo.load_starter_questions(session, framework)
        areas = {"A": demo.ensure_area(session), "B": demo.ensure_area(session, "area-b", "B")}
        for who, (_role, codes) in STAFF.items():
            session.add_all(StaffArea(user_id=ids[who], area_id=areas[c].id) for c in codes)
        session.flush()
        staff = {who: session.get(StaffUser, user_id) for who, user_id in ids.items()}
        advisor, researcher = staff[Who.ADVISOR], staff[Who.RESEARCHER]
        domain = framework.domains[0].id

        def question(wording: str) -> bank.QuestionVersion:
            draft = bank.QuestionDraft(
                AnswerFormat.FACES, [bank.TextDraft(Audience.YOUNG_13_17, wording)], [domain]
            )
            return bank.create_question(session, draft, advisor, framework.id)

        def approved(wording: str) -> bank.QuestionVersion:
            version = question(wording)
            bank.propose(session, version, advisor)
            bank.approve(session, version, researcher)
            return version

        # Session B's flow shares no question with A's, so no recording either.
        flow_b = flows.create_flow(session, "Flow of session B", researcher)
        flows.add_item(session, flow_b, Audience.YOUNG_13_17, approved("Is B fun?").id, researcher)
        flows.publish(session, flow_b, researcher)
        draft_flow = flows.create_flow(session, "A draft flow", researcher)
        item = flows.add_item(
            session, draft_flow, Audience.YOUNG_13_17, approved("Do you cook?").id, researcher
        )
        draft = question("Do you like your room?")

        def session_of(who: Who, area: str, flow_id: int) -> group_sessions.GroupSession:
            values = group_sessions.SessionDraft(
                area_id=areas[area].id,
                flow_id=flow_id,
                session_date=date(2027, 3, 27),
                venue=f"Centre {area}",
                languages=("en_GB", "pl"),
                audiences=[a.value for a in Audience],
                local_contact="Family support team: 01632 960 001",
                free_text_enabled=True,
            )
            made = group_sessions.create_session(
                session, values, staff[who], app.extensions["voice_languages"]
            )
            group_sessions.open_now(session, made, staff[who])
            return made

        session_a = session_of(Who.FACILITATOR_OWNER, "A", flow_a.id)
        session_b = session_of(Who.FACILITATOR_OTHER, "B", flow_b.id)
        in_flow_a = session.scalar(
            select(QuestionText)
            .where(QuestionText.version_id == flow_a.items[0].version_id)
            .limit(1)
        )
        clip = _clip(in_flow_a, staff[Who.ADVISOR])
        session.add_all([clip, _clip(draft.texts[0], staff[Who.ADVISOR])])
        link, link_token = kiosk.create_link(session, session_a.id, "Tablet 1")
        client, api_token = api_clients.create_client(
            session, "Outcome framework", [demo.DEMO_AREA_CODE], None
        )
        term = screening.add_term(session, "en_GB", "access matrix word", researcher.id)
        session.commit()
        world = World(
            app=app,
            session_a=session_a.id,
            session_b=session_b.id,
            code_a=session_a.code,
            code_b=session_b.code,
            flag_a=0,
            clip_a=clip.id,
            tablet_link_a=link.id,
            tablet_token_a=link_token,
            api_client=client.id,
            api_token=api_token,
            version=draft.id,
            text=draft.texts[0].id,
            draft_flow=draft_flow.id,
            flow_item=item.id,
            term=term.id,
            area_a=areas["A"].id,
            flow_a=flow_a.id,
            domain=domain,
            usernames=usernames,
        )
    finished_person(app, world.session_a, wants_to_talk=True)
    with app.app_context():
        world.flag_a = db.session.scalar(
            select(SafeguardingFlag.id).where(SafeguardingFlag.session_id == world.session_a)
        )
    return world


def _clip(text: QuestionText, recorded_by: StaffUser) -> AudioClip:
    # Stored as is: access decisions never decode audio, and re-encoding is slow.
    return AudioClip(
        question_text_id=text.id,
        codec="opus",
        text_sha256="0" * 64,
        data=wav_tone(0.1),
        duration_ms=100,
        recorded_by_id=recorded_by.id,
    )


def forms_that_would_change_things(world: World) -> dict[str, Callable[[], dict[str, object]]]:
    """What a request would send to change something: a missing check would show as a change.

    Endpoints not listed get only the CSRF token (buttons such as close or revoke).
    """
    return {
        "facilitator.new_session": lambda: {
            "area_id": str(world.area_a),
            "flow_id": str(world.flow_a),
            "date-day": "27",
            "date-month": "3",
            "date-year": "2027",
            "venue": "Made by someone who may not",
            "languages": ["en_GB"],
            "audiences": ["young_13_17"],
        },
        "facilitator.flag_action": lambda: {"note": "Resolved by someone who may not"},
        "safeguarding.resolve": lambda: {"note": "Resolved by someone who may not"},
        "admin.api_clients": lambda: {
            "name": "Made by someone who may not",
            "areas": [demo.DEMO_AREA_CODE],
        },
        "research.safeguarding_terms": lambda: {"language": "en_GB", "phrase": "sneaked in"},
        "research.remove_safeguarding_term": lambda: {"language": "en_GB"},
        "codesign.new_question": lambda: {
            "format": "faces",
            "domains": [str(world.domain)],
            "young_13_17-wording": "Written by someone who may not",
        },
        "codesign.comment": lambda: {"body": "A comment from someone who may not"},
        "codesign.send_back": lambda: {"reason": "Sent back by someone who may not"},
        "codesign.audio": lambda: {"audio": (io.BytesIO(wav_tone(0.2)), "take.wav")},
        "codesign.flows": lambda: {"name": "A flow from someone who may not"},
        "codesign.add_flow_item": lambda: {"audience": "young_13_17", "version_id": world.version},
        "facilitator.withdraw": lambda: {"code": "AAAA-BBBB-CCCC"},
    }


def snapshot(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the session store and the audit trail (binary as length)."""
    with app.app_context():
        tables = {}
        for table in Base.metadata.sorted_tables:
            if table.name in UNCOMPARED_TABLES:
                continue
            columns = [
                func.length(c) if isinstance(c.type, LargeBinary) else c for c in table.columns
            ]
            rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns))
            tables[table.name] = [tuple(row) for row in rows]
        return tables

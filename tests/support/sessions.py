"""Facilitators and their sessions, set up through the real pages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support.staff import make_staff
from tests.support.studio import post_form, staff_client
from voice_app import group_sessions, journey
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    AnswerFormat,
    Area,
    Audience,
    Flow,
    FlowItem,
    FlowStatus,
    GroupSession,
    Participant,
    ParticipationMode,
    QuestionVersion,
    Role,
    SafeguardingFlag,
    SessionStatus,
    StaffArea,
    StaffUser,
    new_public_id,
)

_SESSION_URL = re.compile(r"/facilitate/sessions/(\d+)$")
_KIOSK_URL = re.compile(r"(/kiosk/[A-Za-z0-9_-]+)")


def facilitator_client(app: Flask, username: str) -> FlaskClient:
    """A signed-in facilitator who works in the demo area (load the demo first)."""
    client = staff_client(app, username, Role.FACILITATOR)
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        area = db.session.scalars(select(Area).order_by(Area.id)).first()
        db.session.add(StaffArea(user_id=user.id, area_id=area.id))
        db.session.commit()
    return client


def session_form(app: Flask, **changes: object) -> dict[str, object]:
    with app.app_context():
        area_id = db.session.scalars(select(Area.id).order_by(Area.id)).first()
        flow_id = db.session.scalars(
            select(Flow.id).where(Flow.status == FlowStatus.PUBLISHED)
        ).first()
    form: dict[str, object] = {
        "area_id": area_id,
        "flow_id": flow_id,
        "date-day": "27",
        "date-month": "3",
        "date-year": "2027",
        "venue": "Riverside family centre",
        "languages": ["en_GB", "pl"],
        "audiences": ["child_8_12", "young_13_17"],
        "local_contact": "Family support team: 01632 960 001",
        "free_text_enabled": "yes",
    }
    form.update(changes)
    return form


def create_session(client: FlaskClient, form: dict[str, object]) -> int:
    response = post_form(client, "/facilitate/sessions/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(_SESSION_URL.search(response.headers["Location"]).group(1))


def session_button(client: FlaskClient, session_id: int, action: str, data=None):
    return post_form(
        client,
        f"/facilitate/sessions/{session_id}",
        data or {},
        action=f"/facilitate/sessions/{session_id}/{action}",
    )


def make_tablet_link(client: FlaskClient, session_id: int, label: str = "Tablet 3") -> str:
    response = session_button(client, session_id, "tablets", {"label": label, "hours": "12"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return _KIOSK_URL.search(response.get_data(as_text=True)).group(1)


# --- for browser tests: staff, sessions, people and flags made through the services ----


def staff_in_first_area(app: Flask, username: str, role: Role) -> int:
    """A member of staff with one role who works in the first area (the demo's); their id."""
    user_id = make_staff(app, username, role)
    with app.app_context():
        area_id = db.session.scalars(select(Area.id).order_by(Area.id)).first()
        db.session.add(StaffArea(user_id=user_id, area_id=area_id))
        db.session.commit()
    return user_id


def make_session(
    app: Flask, user_id: int, status: SessionStatus = SessionStatus.DRAFT, **changes: object
) -> int:
    """A session of the first published flow, set up (and opened, and closed) as asked."""
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        values: dict[str, object] = {
            "area_id": db.session.scalars(select(Area.id).order_by(Area.id)).first(),
            "flow_id": db.session.scalars(
                select(Flow.id).where(Flow.status == FlowStatus.PUBLISHED).order_by(Flow.id)
            ).first(),
            "session_date": date(2027, 3, 27),
            "venue": "Riverside family centre",
            "languages": ("en_GB",),
            "audiences": tuple(a.value for a in Audience),
            "local_contact": "Family support team: 01632 960 001",
            "free_text_enabled": True,
        }
        values.update(changes)
        group_session = group_sessions.create_session(
            db.session,
            group_sessions.SessionDraft(**values),
            user,
            app.extensions["voice_languages"],
        )
        if status is not SessionStatus.DRAFT:
            group_sessions.open_now(db.session, group_session, user)
        if status is SessionStatus.CLOSED:
            group_sessions.close_now(db.session, group_session, user)
        db.session.commit()
        return group_session.id


@dataclass(frozen=True)
class SeededPerson:
    participant_id: str
    withdrawal_code: str | None  # as the thank-you screen shows it (13+ and parents)


def finished_person(
    app: Flask,
    session_id: int,
    *,
    audience: Audience = Audience.YOUNG_13_17,
    device_label: str = "",
    free_text: str | None = None,
    wants_to_talk: bool = False,
) -> SeededPerson:
    """Someone who went through on a tablet: skipped all but the free text, then finished.

    Free text is screened as on the tablet, so a listed word raises a flag; so does
    saying yes to talking to someone.
    """
    with app.app_context():
        group_session = db.session.get(GroupSession, session_id)
        person = journey.start_participant(
            db.session,
            journey.NewParticipant(
                session_id=session_id,
                audience=audience,
                language="en_GB",
                mode=ParticipationMode.TABLET,
                device_label=device_label,
            ),
        )
        db.session.commit()
        person_id = person.id
        for step in journey.flow_steps(db.session, group_session, audience):
            writes = free_text is not None and step.format is AnswerFormat.FREE_TEXT
            journey.record_answer(
                db.session,
                participant_id=person_id,
                step=step,
                submission_id=new_public_id(),
                value=free_text if writes else None,
                skipped=not writes,
            )
        code = journey.finish(
            db.session,
            participant_id=person_id,
            stopped=False,
            wants_to_talk=wants_to_talk,
            pseudonym_key=app.config["PSEUDONYM_KEY"],
        )
        db.session.commit()
        return SeededPerson(person_id, code)


def flag_ids(app: Flask, session_id: int) -> list[int]:
    """The session's flags, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(SafeguardingFlag.id)
                .where(SafeguardingFlag.session_id == session_id)
                .order_by(SafeguardingFlag.id)
            )
        )


def add_room_answers(app: Flask, session_id: int, top_threes: list[list[str]]) -> None:
    """One new person per list, who put these outcome domains (by key) in their top 3."""
    with app.app_context():
        group_session = db.session.get(GroupSession, session_id)
        version_id = db.session.scalar(
            select(FlowItem.version_id)
            .join(QuestionVersion, QuestionVersion.id == FlowItem.version_id)
            .where(
                FlowItem.flow_id == group_session.flow_id,
                QuestionVersion.format == AnswerFormat.TOP_THREE,
            )
            .limit(1)
        )
    assert version_id is not None, "the session's flow has no top-3 question"
    add_top_three_answers(app, session_id, version_id, top_threes)


def add_top_three_answers(
    app: Flask, session_id: int, version_id: int, answers: Sequence[list[str] | None]
) -> list[str]:
    """One new 13-17 person per answer; ``None`` is a person who pressed Skip. Their ids."""
    ids = []
    with app.app_context():
        group_session = db.session.get(GroupSession, session_id)
        for value in answers:
            person = Participant(
                session_id=session_id,
                area_id=group_session.area_id,
                audience=Audience.YOUNG_13_17,
                language="en_GB",
            )
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Answer(
                    participant_id=person.id,
                    version_id=version_id,
                    skipped=value is None,
                    value=value,
                    submission_id=new_public_id(),
                )
            )
            ids.append(person.id)
        db.session.commit()
    return ids

"""People with known answers, for the priorities engine's tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from tests.support.sessions import add_top_three_answers
from voice_app.demo import ensure_area
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    AnswerFormat,
    Area,
    Audience,
    FlowItem,
    GroupSession,
    OutcomeDomain,
    Participant,
    ParticipantStatus,
    QuestionVersion,
    QuestionVersionDomain,
    new_public_id,
)


def version_ids(app: Flask) -> dict[str, int]:
    """The demo's question versions by what they are: "top_three", and
    "<format>:<first linked domain>" for the scaled ones."""
    with app.app_context():
        found: dict[str, int] = {}
        for version in db.session.scalars(select(QuestionVersion).order_by(QuestionVersion.id)):
            if version.format is AnswerFormat.TOP_THREE:
                found.setdefault("top_three", version.id)
            linked = db.session.scalars(
                select(OutcomeDomain.key)
                .join(QuestionVersionDomain, QuestionVersionDomain.domain_id == OutcomeDomain.id)
                .where(QuestionVersionDomain.version_id == version.id)
                .order_by(OutcomeDomain.position)
            ).all()
            for key in linked:
                found.setdefault(f"{version.format.value}:{key}", version.id)
        return found


def domain_keys(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutcomeDomain.key).order_by(OutcomeDomain.position)))


def add_area(app: Flask, code: str, name: str) -> int:
    with app.app_context():
        area = Area(code=code, name=name)
        db.session.add(area)
        db.session.commit()
        return area.id


def add_person(
    app: Flask,
    session_id: int,
    *,
    audience: Audience = Audience.YOUNG_13_17,
    started_at: datetime | None = None,
    answers: Mapping[int, Any] | None = None,
) -> str:
    """One finished person with these answers (version id -> value; None = skipped)."""
    with app.app_context():
        group_session = db.session.get(GroupSession, session_id)
        person = Participant(
            session_id=session_id,
            area_id=group_session.area_id,
            audience=audience,
            language="en_GB",
            status=ParticipantStatus.FINISHED,
        )
        if started_at is not None:
            person.started_at = started_at
        db.session.add(person)
        db.session.flush()
        for version_id, value in (answers or {}).items():
            db.session.add(
                Answer(
                    participant_id=person.id,
                    version_id=version_id,
                    skipped=value is None,
                    value=value,
                    submission_id=new_public_id(),
                )
            )
        db.session.commit()
        return person.id


def add_people(
    app: Flask,
    session_id: int,
    top_threes: Sequence[list[str]],
    *,
    audience: Audience | None = None,
    started: datetime | None = None,
    area_code: str | None = None,
) -> None:
    """People with these top 3s, then moved to another audience, quarter or area."""
    with app.app_context():
        flow_id = db.session.get(GroupSession, session_id).flow_id
        version_id = db.session.scalar(
            select(FlowItem.version_id)
            .join(QuestionVersion, QuestionVersion.id == FlowItem.version_id)
            .where(FlowItem.flow_id == flow_id, QuestionVersion.format == AnswerFormat.TOP_THREE)
            .limit(1)
        )
    ids = add_top_three_answers(app, session_id, version_id, list(top_threes))
    changes: dict[str, object] = {}
    if audience is not None:
        changes["audience"] = audience
    if started is not None:
        changes["started_at"] = started
    with app.app_context():
        if area_code is not None:
            changes["area_id"] = ensure_area(db.session, area_code, f"Area {area_code}").id
        if changes:
            db.session.execute(update(Participant).where(Participant.id.in_(ids)).values(changes))
        db.session.commit()

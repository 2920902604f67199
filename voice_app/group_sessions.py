"""Group sessions run by facilitators: set up, open, watch, close. No Flask imports.

A session belongs to the facilitator who created it; only they see its people and
flags. Counts here are of people, never of what anyone answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from voice_app.audit import record_event
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE
from voice_app.models import (
    Area,
    Audience,
    FlagStatus,
    Flow,
    FlowStatus,
    GroupSession,
    Participant,
    ParticipantStatus,
    SafeguardingFlag,
    SessionStatus,
    StaffUser,
    utcnow,
)
from voice_app.sanitise import plain_text_problem
from voice_app.session_codes import new_session_code

MAX_VENUE = 200
MAX_CONTACT = 500
MAX_NOTE = 2000


class SessionError(ValueError):
    """A change to a session the service refuses; ``code`` picks the friendly message."""

    def __init__(self, code: str, field: str = ""):
        super().__init__(code)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class SessionDraft:
    area_id: int
    flow_id: int
    session_date: date | None
    venue: str = ""
    languages: Sequence[str] = (SOURCE_LANGUAGE,)
    audiences: Sequence[str] = field(default_factory=lambda: [a.value for a in Audience])
    local_contact: str = ""
    free_text_enabled: bool = False


def areas_for(db_session: Session, user: StaffUser) -> list[Area]:
    """The areas a facilitator works in: sessions can only be set up there."""
    return sorted(user.areas, key=lambda area: area.name)


def sessions_for(db_session: Session, user: StaffUser) -> list[GroupSession]:
    return list(
        db_session.scalars(
            select(GroupSession)
            .where(GroupSession.facilitator_id == user.id)
            .order_by(GroupSession.session_date.desc(), GroupSession.id.desc())
        )
    )


def is_owner(user: StaffUser, group_session: GroupSession) -> bool:
    return group_session.facilitator_id == user.id


def _text(value: str, limit: int, name: str) -> str:
    value = value.strip()
    if plain_text_problem(value):
        raise SessionError("control_characters", name)
    if len(value) > limit:
        raise SessionError("too_long", name)
    return value


def _check(
    db_session: Session, draft: SessionDraft, user: StaffUser, shipped: Sequence[str]
) -> dict[str, Any]:
    if draft.area_id not in {area.id for area in user.areas}:
        raise SessionError("area_not_yours", "area_id")
    flow = db_session.get(Flow, draft.flow_id)
    if flow is None or flow.status is not FlowStatus.PUBLISHED:
        raise SessionError("flow_not_published", "flow_id")
    languages = [code for code in LANGUAGES if code in set(draft.languages)]
    if not languages or len(languages) != len(set(draft.languages)):
        raise SessionError("languages_needed", "languages")
    if any(code not in shipped for code in languages):
        raise SessionError("language_not_ready", "languages")
    audiences = [a.value for a in Audience if a.value in set(draft.audiences)]
    if not audiences or len(audiences) != len(set(draft.audiences)):
        raise SessionError("audiences_needed", "audiences")
    if draft.session_date is None:
        raise SessionError("date_needed", "session_date")
    return {
        "area_id": draft.area_id,
        "flow_id": flow.id,
        "session_date": draft.session_date,
        "venue": _text(draft.venue, MAX_VENUE, "venue"),
        "languages": languages,
        "default_language": languages[0],
        "audiences": audiences,
        "local_contact": _text(draft.local_contact, MAX_CONTACT, "local_contact"),
        "free_text_enabled": bool(draft.free_text_enabled),
    }


def _unused_code(db_session: Session) -> str:
    while True:
        code = new_session_code()
        if db_session.scalar(select(GroupSession.id).where(GroupSession.code == code)) is None:
            return code


def create_session(
    db_session: Session, draft: SessionDraft, user: StaffUser, shipped: Sequence[str]
) -> GroupSession:
    values = _check(db_session, draft, user, shipped)
    group_session = GroupSession(
        code=_unused_code(db_session), facilitator_id=user.id, status=SessionStatus.DRAFT, **values
    )
    db_session.add(group_session)
    db_session.flush()
    record_event(
        db_session,
        "session.created",
        actor_id=user.id,
        target_type="group_session",
        target_id=group_session.id,
    )
    return group_session


def update_session(
    db_session: Session,
    group_session: GroupSession,
    draft: SessionDraft,
    user: StaffUser,
    shipped: Sequence[str],
) -> None:
    if group_session.status is not SessionStatus.DRAFT:
        raise SessionError("already_opened")
    for name, value in _check(db_session, draft, user, shipped).items():
        setattr(group_session, name, value)
    record_event(
        db_session,
        "session.edited",
        actor_id=user.id,
        target_type="group_session",
        target_id=group_session.id,
    )


def open_now(db_session: Session, group_session: GroupSession, user: StaffUser) -> None:
    if group_session.status is not SessionStatus.DRAFT:
        raise SessionError("already_opened")
    if group_session.flow.status is not FlowStatus.PUBLISHED:
        raise SessionError("flow_not_published")
    group_session.status = SessionStatus.OPEN
    group_session.opened_at = utcnow()
    record_event(
        db_session,
        "session.opened",
        actor_id=user.id,
        target_type="group_session",
        target_id=group_session.id,
    )


def close_now(db_session: Session, group_session: GroupSession, user: StaffUser) -> None:
    """Close: the session takes no more answers, and its tablets stop working."""
    if group_session.status is not SessionStatus.OPEN:
        raise SessionError("not_open")
    group_session.status = SessionStatus.CLOSED
    group_session.closed_at = utcnow()
    record_event(
        db_session,
        "session.closed",
        actor_id=user.id,
        target_type="group_session",
        target_id=group_session.id,
    )


# --- who took part, and the flags raised ----------------------------------------------


@dataclass(frozen=True)
class AudienceCounts:
    audience: str
    started: int = 0  # everyone who began, whatever happened next
    finished: int = 0
    stopped: int = 0
    in_progress: int = 0
    declined: int = 0
    paper: int = 0


def participation_counts(db_session: Session, session_id: int) -> list[AudienceCounts]:
    """People per audience and how far they got: one GROUP BY, no answers read."""

    def count_when(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    rows = db_session.execute(
        select(
            Participant.audience,
            func.count(),
            count_when(Participant.status == ParticipantStatus.FINISHED),
            count_when(Participant.status == ParticipantStatus.STOPPED),
            count_when(Participant.status == ParticipantStatus.STARTED),
            count_when(Participant.status == ParticipantStatus.DECLINED),
            count_when(Participant.mode == "paper"),
        )
        .where(Participant.session_id == session_id)
        .group_by(Participant.audience)
    ).all()
    by_audience = {
        (row[0].value if row[0] else ""): AudienceCounts(
            row[0].value if row[0] else "", *(int(n or 0) for n in row[1:])
        )
        for row in rows
    }
    ordered = [by_audience.pop(a.value, AudienceCounts(a.value)) for a in Audience]
    # People who said "No thanks" before choosing who they are have no audience.
    return ordered + list(by_audience.values())


def flags_for(
    db_session: Session, session_id: int, *, only_open: bool = False
) -> list[SafeguardingFlag]:
    query = select(SafeguardingFlag).where(SafeguardingFlag.session_id == session_id)
    if only_open:
        query = query.where(SafeguardingFlag.status != FlagStatus.RESOLVED)
    return list(db_session.scalars(query.order_by(SafeguardingFlag.raised_at.desc())))


def acknowledge_flag(
    db_session: Session, flag: SafeguardingFlag, user: StaffUser, note: str = ""
) -> None:
    if flag.status is not FlagStatus.OPEN:
        raise SessionError("flag_not_open")
    note = _text(note, MAX_NOTE, "note")
    flag.status = FlagStatus.ACKNOWLEDGED
    flag.acknowledged_by_id = user.id
    flag.acknowledged_at = utcnow()
    if note:
        flag.action_note = note
    record_event(
        db_session,
        "flag.acknowledged",
        actor_id=user.id,
        target_type="safeguarding_flag",
        target_id=flag.id,
    )


def resolve_flag(db_session: Session, flag: SafeguardingFlag, user: StaffUser, note: str) -> None:
    """Record what was done. A note is required: it is the safeguarding record."""
    if flag.status is FlagStatus.RESOLVED:
        raise SessionError("flag_resolved")
    note = _text(note, MAX_NOTE, "note")
    if not note:
        raise SessionError("note_needed", "note")
    if flag.acknowledged_at is None:
        flag.acknowledged_by_id, flag.acknowledged_at = user.id, utcnow()
    flag.status = FlagStatus.RESOLVED
    flag.resolved_by_id = user.id
    flag.resolved_at = utcnow()
    flag.action_note = f"{flag.action_note}\n{note}".strip() if flag.action_note else note
    record_event(
        db_session,
        "flag.resolved",
        actor_id=user.id,
        target_type="safeguarding_flag",
        target_id=flag.id,
    )

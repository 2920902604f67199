"""Paper questionnaires typed in by staff: one participant marked "paper", stored whole.

A facilitator collects paper questionnaires at a group session and types each one in
afterwards. The session may still be open or already closed: "closed sessions take no
answers" is about participants' own devices, not about staff entering forms collected
on the day. A draft session has had nobody in it, so it takes none.

Values arrive already parsed by the answer format plug-ins (``parse_answer``), exactly
as the tablet's are; ``None`` means the person left the question blank, stored as a
skip. No Flask imports.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voice_app.answer_formats import FORMATS
from voice_app.audit import record_event
from voice_app.group_sessions import is_owner
from voice_app.journey import AGE_BANDS, JourneyStep, flag_screened_answer, flow_steps
from voice_app.languages import SOURCE_LANGUAGE
from voice_app.models import (
    Answer,
    Audience,
    FlowStatus,
    GroupSession,
    Participant,
    ParticipantStatus,
    ParticipationMode,
    SessionStatus,
    StaffUser,
    utcnow,
)
from voice_app.sanitise import plain_text_problem

# The form's one-time id: URL-safe, long enough to be unguessable, short enough that
# "paper:<id>:<version id>" fits Answer.submission_id (64 characters).
ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{16,40}")


class PaperError(ValueError):
    """A paper questionnaire the service refuses; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PaperEntry:
    participant: Participant
    repeat: bool  # True: this form was already stored, and nothing new was added


def session_languages(group_session: GroupSession) -> list[str]:
    """The languages a session offers (English when it names none)."""
    return list(group_session.languages or [SOURCE_LANGUAGE])


def session_audiences(group_session: GroupSession) -> list[Audience]:
    """The groups a session is for, in the usual order (every group when it names none)."""
    offered = set(group_session.audiences or [a.value for a in Audience])
    return [a for a in Audience if a.value in offered]


def takes_paper(group_session: GroupSession) -> bool:
    """Open or closed, running a published flow: not a draft nobody has taken part in."""
    return (
        group_session.status is not SessionStatus.DRAFT
        and group_session.flow.status is FlowStatus.PUBLISHED
    )


def paper_steps(
    db_session: Session, group_session: GroupSession, audience: Audience
) -> list[JourneyStep]:
    """The questions on this group's questionnaire, as the tablet asks them.

    Raises ``PaperError("audience_not_offered")`` when the session is not for this
    group, or its flow has no questions for it.
    """
    if audience not in session_audiences(group_session):
        raise PaperError("audience_not_offered")
    steps = flow_steps(db_session, group_session, audience)
    if not steps:
        raise PaperError("audience_not_offered")
    return steps


def submission_id(entry_id: str, version_id: int) -> str:
    return f"paper:{entry_id}:{version_id}"


def new_entry_id() -> str:
    return secrets.token_urlsafe(16)


def is_entry_id(value: str) -> bool:
    return bool(ENTRY_ID.fullmatch(value))


def _already_entered(
    db_session: Session, entry_id: str, steps: list[JourneyStep]
) -> Participant | None:
    ids = [submission_id(entry_id, step.version_id) for step in steps]
    participant_id = db_session.scalar(
        select(Answer.participant_id).where(Answer.submission_id.in_(ids)).limit(1)
    )
    return db_session.get(Participant, participant_id) if participant_id else None


def _repeat(existing: Participant, group_session: GroupSession) -> PaperEntry:
    if existing.session_id != group_session.id:
        raise PaperError("entry_id_used")  # only a forged form can reuse another's id
    return PaperEntry(existing, repeat=True)


def _screen_free_text(db_session: Session, participant: Participant) -> None:
    """Flag written answers with a listed word, exactly as a tablet's are."""
    for answer in participant.answers:
        if answer.free_text:
            flag_screened_answer(db_session, participant, answer)


def record_paper_questionnaire(
    db_session: Session,
    *,
    session_id: int,
    audience: Audience,
    language: str,
    answers: Mapping[int, Any | None],
    entry_id: str,
    entered_by: StaffUser,
) -> PaperEntry:
    """Store one paper questionnaire as a finished participant, and commit.

    ``answers`` maps question version ids of this group's flow to parsed values;
    ``None`` (or a version left out) is a question left blank, stored as a skip.
    Idempotent: every answer's ``submission_id`` carries the form's one-time
    ``entry_id``, so sending the same form twice stores one questionnaire; the second
    time the stored participant comes back with ``repeat=True``. Written answers are
    screened for safeguarding words like a tablet's, and a match raises a flag. Like
    ``journey.record_answer`` this commits, because it must know whether its insert
    stuck. Raises ``PaperError`` (nothing stored) for a session that is not this
    facilitator's or is still a draft, a group or language the session does not offer,
    a question not on the questionnaire, or free text with control characters.
    """
    group_session = db_session.get(GroupSession, session_id)
    if group_session is None:
        raise PaperError("session_unknown")
    if not is_owner(entered_by, group_session):
        raise PaperError("not_your_session")
    if not takes_paper(group_session):
        raise PaperError("session_draft")
    if not is_entry_id(entry_id):
        raise PaperError("entry_id_invalid")
    steps = paper_steps(db_session, group_session, audience)
    if language not in session_languages(group_session):
        raise PaperError("language_not_offered")
    by_version = {step.version_id: step for step in steps}
    if any(version_id not in by_version for version_id in answers):
        raise PaperError("question_not_in_flow")

    existing = _already_entered(db_session, entry_id, steps)
    if existing is not None:
        return _repeat(existing, group_session)

    now = utcnow()
    participant = Participant(
        session_id=group_session.id,
        area_id=group_session.area_id,
        audience=audience,
        age_band=AGE_BANDS[audience],
        language=language,
        mode=ParticipationMode.PAPER,
        status=ParticipantStatus.FINISHED,
        started_at=now,
        finished_at=now,
    )
    for step in steps:
        value = answers.get(step.version_id)
        is_text = FORMATS[step.format].is_free_text
        if is_text and value is not None and plain_text_problem(str(value)):
            raise PaperError("control_characters")
        participant.answers.append(
            Answer(
                version_id=step.version_id,
                skipped=value is None,
                value=None if value is None or is_text else value,
                free_text=value if is_text else None,
                submission_id=submission_id(entry_id, step.version_id),
                answered_at=now,
            )
        )
    db_session.add(participant)
    try:
        db_session.flush()
        _screen_free_text(db_session, participant)
        record_event(
            db_session,
            "paper.entered",
            actor_id=entered_by.id,
            target_type="participant",
            target_id=participant.id,
            session_id=group_session.id,
            audience=audience.value,
            language=language,
        )
        db_session.commit()
    except IntegrityError:
        db_session.rollback()
        # The same form sent twice at once: the other request stored it.
        existing = _already_entered(db_session, entry_id, steps)
        if existing is None:
            raise
        return _repeat(existing, db_session.get(GroupSession, session_id))  # type: ignore[arg-type]
    return PaperEntry(participant, repeat=False)

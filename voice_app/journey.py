"""The participant journey as plain services: who answers which question, and storing it.

Views call these with plain values; they raise ``JourneyError`` when a request cannot
be carried out. No Flask imports. Every function leaves committing to the caller,
except ``record_answer``, which must know whether its insert stuck.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voice_app import screening
from voice_app.answer_formats import FORMATS
from voice_app.models import (
    Answer,
    AnswerFormat,
    Audience,
    FlagKind,
    FlagStatus,
    FlowItem,
    FlowStatus,
    GroupSession,
    KioskLink,
    Participant,
    ParticipantStatus,
    ParticipationMode,
    QuestionVersion,
    SafeguardingFlag,
    SessionStatus,
    new_public_id,
    utcnow,
)
from voice_app.pseudonyms import WITHDRAWAL, PseudonymKeys, lookup_hashes, stored_hash
from voice_app.session_codes import CODE_ALPHABET, looks_like_code, normalise_code

WITHDRAWAL_CODE_LENGTH = 8
WITHDRAWAL_AUDIENCES = frozenset({Audience.YOUNG_13_17, Audience.PARENT_CARER})
AGE_BANDS = {
    Audience.CHILD_4_7: "4-7",
    Audience.CHILD_8_12: "8-12",
    Audience.YOUNG_13_17: "13-17",
    Audience.PARENT_CARER: "adult",
}


class JourneyError(Exception):
    """A participant request that cannot be carried out; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class JourneyStep:
    position: int  # 1-based, within this audience's flow
    version_id: int
    format: AnswerFormat


@dataclass(frozen=True)
class NewParticipant:
    session_id: int
    audience: Audience
    language: str
    mode: ParticipationMode
    device_label: str = ""


def find_open_session(db_session: Session, typed_code: str) -> GroupSession:
    code = normalise_code(typed_code)
    if not looks_like_code(code):
        raise JourneyError("code_format")
    group_session = db_session.scalar(select(GroupSession).where(GroupSession.code == code))
    if group_session is None:
        raise JourneyError("code_unknown")
    if not accepts_answers(group_session):
        raise JourneyError("session_closed")
    return group_session


def accepts_answers(group_session: GroupSession) -> bool:
    """Open, and running a published flow (a draft flow may still change under it)."""
    return (
        group_session.status is SessionStatus.OPEN
        and group_session.flow.status is FlowStatus.PUBLISHED
    )


def open_session(db_session: Session, session_id: int) -> GroupSession:
    group_session = db_session.get(GroupSession, session_id)
    if group_session is None or not accepts_answers(group_session):
        raise JourneyError("session_closed")
    return group_session


def usable_kiosk_link(db_session: Session, link_id: int) -> KioskLink | None:
    link = db_session.get(KioskLink, link_id)
    if link is None or link.revoked_at is not None or link.expires_at <= utcnow():
        return None
    return link


def flow_steps(
    db_session: Session, group_session: GroupSession, audience: Audience
) -> list[JourneyStep]:
    """The questions this audience answers in this session, in order.

    Free text appears only where the session allows it and the format suits the audience.
    """
    rows = db_session.execute(
        select(FlowItem.version_id, QuestionVersion.format)
        .join(QuestionVersion, QuestionVersion.id == FlowItem.version_id)
        .where(FlowItem.flow_id == group_session.flow_id, FlowItem.audience == audience)
        .order_by(FlowItem.position)
    ).all()
    steps = []
    for version_id, answer_format in rows:
        plugin = FORMATS[answer_format]
        if plugin.is_free_text and not group_session.free_text_enabled:
            continue
        if plugin.only_for is not None and audience not in plugin.only_for:
            continue
        steps.append(JourneyStep(len(steps) + 1, version_id, answer_format))
    return steps


def start_participant(
    db_session: Session, new: NewParticipant, participant_id: str | None = None
) -> Participant:
    """Make the participant; with ``participant_id``, only once.

    The id is chosen when "Before you start" is shown, so a press of Start sent again
    (a double tap, or a retry after the reply was lost in a crash) finds the person it
    already made instead of counting a second one.
    """
    group_session = open_session(db_session, new.session_id)
    if new.audience.value not in (group_session.audiences or [a.value for a in Audience]):
        raise JourneyError("audience_not_offered")
    if participant_id is not None:
        made = db_session.get(Participant, participant_id)
        if made is not None and made.session_id == group_session.id:
            return made
        if made is not None:
            participant_id = None  # not this session's: never reuse it
    participant = Participant(
        id=participant_id or new_public_id(),
        session_id=group_session.id,
        area_id=group_session.area_id,
        audience=new.audience,
        age_band=AGE_BANDS[new.audience],
        language=new.language,
        mode=new.mode,
        device_label=new.device_label[:64],
    )
    db_session.add(participant)
    try:
        db_session.flush()
    except IntegrityError:
        # The same press, sent twice at once: the other request made this person.
        db_session.rollback()
        made = db_session.get(Participant, participant.id)
        if made is None:
            raise
        return made
    return participant


def record_decline(
    db_session: Session, new: NewParticipant, participant_id: str | None = None
) -> None:
    """Someone said "No thanks" at the start: counted (once), with no answers."""
    participant = start_participant(db_session, new, participant_id)
    participant.status = ParticipantStatus.DECLINED
    participant.finished_at = utcnow()


def _answering_participant(db_session: Session, participant_id: str) -> Participant:
    participant = db_session.get(Participant, participant_id)
    if participant is None or participant.status is not ParticipantStatus.STARTED:
        raise JourneyError("participant_finished")
    open_session(db_session, participant.session_id)
    return participant


def record_answer(
    db_session: Session,
    *,
    participant_id: str,
    step: JourneyStep,
    submission_id: str,
    value: Any = None,
    skipped: bool = False,
) -> bool:
    """Store one answer (or skip) and commit. Returns False when it was a resend.

    Idempotent: the page's one-time ``submission_id`` is unique, so a double tap or a
    retried POST stores nothing new. Answering the same question again (after Back)
    replaces the earlier answer.
    """
    if is_stored_submission(db_session, submission_id):
        return False
    participant = _answering_participant(db_session, participant_id)
    is_text = FORMATS[step.format].is_free_text
    answer = db_session.scalar(
        select(Answer).where(
            Answer.participant_id == participant_id, Answer.version_id == step.version_id
        )
    )
    if answer is None:
        answer = Answer(participant_id=participant_id, version_id=step.version_id)
        db_session.add(answer)
    answer.skipped = skipped
    answer.value = None if skipped or is_text else value
    answer.free_text = None if skipped or not is_text else value
    answer.submission_id = submission_id
    answer.answered_at = utcnow()
    try:
        if answer.free_text:
            flag_screened_answer(db_session, participant, answer)
        db_session.commit()
    except IntegrityError:
        db_session.rollback()
        # Another request with the same token won the race: that one stored it.
        if is_stored_submission(db_session, submission_id):
            return False
        raise
    return True


def flag_screened_answer(db_session: Session, participant: Participant, answer: Answer) -> None:
    """Raise a flag, in the answer's transaction, when its text has a listed word.

    The person's pages do not change either way. An answer edited after Back that still
    matches keeps its one unresolved flag; once the lead has resolved it, a new match
    raises a new flag.
    """
    if not screening.screen_text(db_session, answer.free_text or "", participant.language):
        return
    db_session.flush()  # the answer's id, for the flag
    already = db_session.scalar(
        select(SafeguardingFlag.id).where(
            SafeguardingFlag.answer_id == answer.id,
            SafeguardingFlag.kind == FlagKind.SCREENED_TEXT,
            SafeguardingFlag.status != FlagStatus.RESOLVED,
        )
    )
    if already is None:
        db_session.add(
            SafeguardingFlag(
                kind=FlagKind.SCREENED_TEXT,
                session_id=participant.session_id,
                participant_id=participant.id,
                answer_id=answer.id,
                device_label=participant.device_label,
                flagged_text=answer.free_text,
            )
        )


def finish(
    db_session: Session,
    *,
    participant_id: str,
    stopped: bool,
    wants_to_talk: bool,
    pseudonym_key: str | PseudonymKeys,
) -> str | None:
    """End a participation. Returns a withdrawal code for 13+ and parents, else None.

    Only an HMAC of the code is kept, so it is shown once and never again.
    """
    participant = _answering_participant(db_session, participant_id)
    participant.status = ParticipantStatus.STOPPED if stopped else ParticipantStatus.FINISHED
    participant.finished_at = utcnow()
    if wants_to_talk:
        db_session.add(
            SafeguardingFlag(
                session_id=participant.session_id,
                participant_id=participant.id,
                kind=FlagKind.WANTS_TO_TALK,
                device_label=participant.device_label,
            )
        )
    code = None
    if participant.audience in WITHDRAWAL_AUDIENCES:
        code = new_withdrawal_code()
        participant.withdrawal_code_hmac = withdrawal_code_hash(pseudonym_key, code)
    return code


def new_withdrawal_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(WITHDRAWAL_CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def withdrawal_code_hash(pseudonym_key: str | PseudonymKeys, code: str) -> str:
    return stored_hash(pseudonym_key, WITHDRAWAL, normalise_code(code))


def withdrawal_code_lookups(pseudonym_key: str | PseudonymKeys, code: str) -> tuple[str, ...]:
    """The code's stored form under every key generation (see docs/decisions/0008)."""
    return lookup_hashes(pseudonym_key, WITHDRAWAL, normalise_code(code))


def first_unanswered_position(
    db_session: Session, participant_id: str, steps: list[JourneyStep]
) -> int:
    """Where to pick up again: the first step with no answer or skip (len + 1 when done)."""
    done = set(
        db_session.scalars(select(Answer.version_id).where(Answer.participant_id == participant_id))
    )
    for step in steps:
        if step.version_id not in done:
            return step.position
    return len(steps) + 1


def stored_answer(db_session: Session, participant_id: str, version_id: int) -> Answer | None:
    return db_session.scalar(
        select(Answer).where(
            Answer.participant_id == participant_id, Answer.version_id == version_id
        )
    )


def is_stored_submission(db_session: Session, submission_id: str) -> bool:
    if not submission_id:
        return False
    found = db_session.scalar(select(Answer.id).where(Answer.submission_id == submission_id))
    return found is not None

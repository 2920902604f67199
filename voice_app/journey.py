"""The participant journey as plain services: who answers which question, and storing it.

Views call these with plain values; they raise ``JourneyError`` when a request cannot
be carried out. No Flask imports. Every function leaves committing to the caller,
except ``record_answer``, which must know whether its insert stuck.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voice_app import screening
from voice_app.answer_facts import facts_for
from voice_app.answer_formats import FORMATS
from voice_app.content_generation import CURRENT as CURRENT_CONTENT_GENERATION
from voice_app.models import (
    Answer,
    AnswerChoice,
    AnswerFormat,
    Audience,
    FlagKind,
    FlagStatus,
    Flow,
    FlowItem,
    FlowStatus,
    GroupSession,
    KioskLink,
    OutcomeDomain,
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


@dataclass(frozen=True)
class OpenSession:
    """What a participant's page needs of the group session it belongs to, read in one
    query on every page (so closing a session stops its pages at once)."""

    id: int
    area_id: int
    flow_id: int
    framework_id: int
    languages: tuple[str, ...]
    default_language: str
    audiences: tuple[str, ...]
    free_text_enabled: bool
    content_generation: int  # see voice_app.content_generation


# Built once: the statement (and SQLAlchemy's cache key for it) is the same every page.
_OPEN_SESSION = (
    select(
        GroupSession.id,
        GroupSession.area_id,
        GroupSession.flow_id,
        Flow.framework_id,
        GroupSession.languages,
        GroupSession.default_language,
        GroupSession.audiences,
        GroupSession.free_text_enabled,
        CURRENT_CONTENT_GENERATION,
    )
    .join(Flow, Flow.id == GroupSession.flow_id)
    .where(
        GroupSession.id == bindparam("session_id"),
        GroupSession.status == SessionStatus.OPEN,
        Flow.status == FlowStatus.PUBLISHED,
    )
)


def open_session_for_page(db_session: Session, session_id: int) -> OpenSession:
    """The session, if it still accepts answers (as ``open_session``), in one query."""
    row = db_session.connection().execute(_OPEN_SESSION, {"session_id": session_id}).first()
    if row is None:
        raise JourneyError("session_closed")
    return OpenSession(
        id=row[0],
        area_id=row[1],
        flow_id=row[2],
        framework_id=row[3],
        languages=tuple(row[4] or ()),
        default_language=row[5],
        audiences=tuple(row[6] or ()),
        free_text_enabled=bool(row[7]),
        # No counter row yet (a database emptied by hand): 0, and the first change adds it.
        content_generation=row[8] or 0,
    )


def usable_kiosk_link(db_session: Session, link_id: int) -> KioskLink | None:
    link = db_session.get(KioskLink, link_id)
    if link is None or link.revoked_at is not None or link.expires_at <= utcnow():
        return None
    return link


def flow_steps(
    db_session: Session, group_session: GroupSession | OpenSession, audience: Audience
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


# The checks an answer needs, in one query: is the person still answering, is their
# session still open on a published flow, and have they answered this version before.
_ANSWERING = (
    select(
        Participant.status,
        GroupSession.status,
        Flow.status,
        Flow.framework_id,
        select(Answer.id)
        .where(
            Answer.participant_id == Participant.id,
            Answer.version_id == bindparam("version_id"),
        )
        .scalar_subquery(),
    )
    .select_from(Participant)
    .join(GroupSession, GroupSession.id == Participant.session_id)
    .join(Flow, Flow.id == GroupSession.flow_id)
    .where(Participant.id == bindparam("participant_id"))
)
_DOMAIN_IDS = select(OutcomeDomain.key, OutcomeDomain.id).where(
    OutcomeDomain.framework_id == bindparam("framework_id")
)
_STORED_SUBMISSION = select(Answer.id).where(Answer.submission_id == bindparam("submission_id"))
_INSERT_ANSWER = insert(Answer.__table__)
_INSERT_CHOICES = insert(AnswerChoice.__table__)


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

    A first answer that is not written text (nearly every answer) is two inserts in a
    short transaction, its facts worked out by ``answer_facts.facts_for`` as the flush
    hook would; written text (screened for flags) and changed answers go through the ORM.
    """
    if is_stored_submission(db_session, submission_id):
        return False
    connection = db_session.connection()
    found = connection.execute(
        _ANSWERING, {"participant_id": participant_id, "version_id": step.version_id}
    ).first()
    if found is None or found[0] is not ParticipantStatus.STARTED:
        raise JourneyError("participant_finished")
    if found[1] is not SessionStatus.OPEN or found[2] is not FlowStatus.PUBLISHED:
        raise JourneyError("session_closed")
    framework_id, earlier_answer_id = found[3], found[4]
    is_text = FORMATS[step.format].is_free_text
    if is_text or earlier_answer_id is not None:
        return _record_through_orm(
            db_session, participant_id, step, submission_id, value, skipped, is_text
        )
    stored = None if skipped else value
    domain_ids: dict[str, int] = {}
    if step.format is AnswerFormat.TOP_THREE and stored is not None:
        domain_ids = dict(connection.execute(_DOMAIN_IDS, {"framework_id": framework_id}).all())
    score, picks = facts_for(step.format, stored, domain_ids)

    def write() -> None:
        inserted = connection.execute(
            _INSERT_ANSWER,
            {
                "participant_id": participant_id,
                "version_id": step.version_id,
                "skipped": skipped,
                "value": stored,
                "free_text": None,
                "submission_id": submission_id,
                "answered_at": utcnow(),
                "score": score,
            },
        )
        if picks:
            answer_id = inserted.inserted_primary_key[0]
            connection.execute(
                _INSERT_CHOICES,
                [{"answer_id": answer_id, "rank": r, "domain_id": d} for r, d in picks],
            )

    return _commit_once(db_session, submission_id, write)


def _commit_once(db_session: Session, submission_id: str, write: Callable[[], None]) -> bool:
    """Write and commit; False when another request with this token stored it first."""
    try:
        write()
        db_session.commit()
    except IntegrityError:
        db_session.rollback()
        # Another request with the same token won the race: that one stored it.
        if is_stored_submission(db_session, submission_id):
            return False
        raise
    return True


def _record_through_orm(
    db_session: Session,
    participant_id: str,
    step: JourneyStep,
    submission_id: str,
    value: Any,
    skipped: bool,
    is_text: bool,
) -> bool:
    participant = _answering_participant(db_session, participant_id)
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

    def write() -> None:
        if answer.free_text:
            flag_screened_answer(db_session, participant, answer)

    return _commit_once(db_session, submission_id, write)


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


_STORED_VALUE = select(Answer.skipped, Answer.value, Answer.free_text).where(
    Answer.participant_id == bindparam("participant_id"),
    Answer.version_id == bindparam("version_id"),
)


def stored_value(db_session: Session, participant_id: str, version_id: int) -> Any:
    """What this person answered to this version before (None if nothing, or skipped)."""
    row = (
        db_session.connection()
        .execute(_STORED_VALUE, {"participant_id": participant_id, "version_id": version_id})
        .first()
    )
    if row is None or row.skipped:
        return None
    return row.free_text if row.free_text is not None else row.value


def stored_answer(db_session: Session, participant_id: str, version_id: int) -> Answer | None:
    return db_session.scalar(
        select(Answer).where(
            Answer.participant_id == participant_id, Answer.version_id == version_id
        )
    )


def is_stored_submission(db_session: Session, submission_id: str) -> bool:
    if not submission_id:
        return False
    found = (
        db_session.connection()
        .execute(_STORED_SUBMISSION, {"submission_id": submission_id})
        .first()
    )
    return found is not None

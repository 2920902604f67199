"""Withdrawal by code: a person changes their mind, and their answers are deleted.

At the end of a journey people aged 13+ and parents are shown a withdrawal code once;
only ``HMAC(PSEUDONYM_KEY, code)`` is kept (docs/decisions/0003). A facilitator (for
their own sessions) or a researcher (for any) types the code in; the participant's
answers and the participant row go, so no count of people includes them any more.
What stays is that it happened: a ``Withdrawal`` row and an audit row with the session
and how many answers went, never what was answered, who it was, or the code.
Safeguarding flags stay too (their participant link becomes empty): a concern that was
raised must never disappear.

A code that matches nobody, and a code of another facilitator's session, get the same
``code_unknown`` error, so guessing reveals nothing. No Flask imports; the caller
commits (or rolls back after an error).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voice_app.audit import record_event
from voice_app.journey import WITHDRAWAL_CODE_LENGTH, withdrawal_code_lookups
from voice_app.models import (
    Answer,
    GroupSession,
    Participant,
    Role,
    StaffUser,
    Withdrawal,
)
from voice_app.pseudonyms import PseudonymKeys
from voice_app.session_codes import CODE_ALPHABET, normalise_code


class WithdrawalError(Exception):
    """A withdrawal that cannot be carried out; ``code`` picks the friendly message.

    ``code_missing``: nothing typed. ``code_format``: not 8 characters of the code
    alphabet. ``code_unknown``: no such code here (or not in one of your sessions).
    """

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class WithdrawalPreview:
    """What the confirmation step shows: the session, and how much would go."""

    session_id: int
    session_code: str
    session_date: date | None
    answered: int
    skipped: int

    @property
    def answers(self) -> int:
        """Every stored row: answers and skips alike are deleted."""
        return self.answered + self.skipped


@dataclass(frozen=True)
class WithdrawalResult:
    withdrawal_id: int
    session_id: int
    answers_removed: int


def withdrawable_session_ids(db_session: Session, user: StaffUser) -> frozenset[int] | None:
    """Sessions whose people ``user`` may withdraw: None means any (researchers)."""
    if user.has_role(Role.RESEARCHER):
        return None
    return frozenset(
        db_session.scalars(select(GroupSession.id).where(GroupSession.facilitator_id == user.id))
    )


def _checked_code(typed_code: str) -> str:
    """The code as stored, forgiving spaces, dashes and lower case."""
    code = normalise_code(typed_code or "")
    if not code:
        raise WithdrawalError("code_missing")
    if len(code) != WITHDRAWAL_CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise WithdrawalError("code_format")
    return code


def _find_participant(
    db_session: Session,
    *,
    pseudonym_key: str | PseudonymKeys,
    typed_code: str,
    allowed_session_ids: Collection[int] | None,
    for_update: bool = False,
) -> Participant:
    code_hmacs = withdrawal_code_lookups(pseudonym_key, _checked_code(typed_code))
    query = select(Participant).where(Participant.withdrawal_code_hmac.in_(code_hmacs))
    if for_update:
        # Two people confirming at once: the second waits, then finds nothing.
        query = query.with_for_update()
    participant = db_session.scalar(query)
    if participant is None or (
        allowed_session_ids is not None and participant.session_id not in allowed_session_ids
    ):
        raise WithdrawalError("code_unknown")  # the same either way: nothing leaks
    return participant


def _answer_counts(db_session: Session, participant_id: str) -> tuple[int, int]:
    rows = db_session.execute(
        select(Answer.skipped, func.count())
        .where(Answer.participant_id == participant_id)
        .group_by(Answer.skipped)
    ).all()
    by_kind = {bool(skipped): int(count) for skipped, count in rows}
    return by_kind.get(False, 0), by_kind.get(True, 0)


def preview_withdrawal(
    db_session: Session,
    *,
    pseudonym_key: str | PseudonymKeys,
    typed_code: str,
    actor: StaffUser,
    allowed_session_ids: Collection[int] | None,
) -> WithdrawalPreview:
    """Look the code up without deleting anything, for the confirmation step.

    Audited (``participant.withdrawal_checked``, with the session only): it tells the
    member of staff that a person of that session has answers stored.
    """
    participant = _find_participant(
        db_session,
        pseudonym_key=pseudonym_key,
        typed_code=typed_code,
        allowed_session_ids=allowed_session_ids,
    )
    group_session = db_session.get(GroupSession, participant.session_id)
    if group_session is None:  # cannot happen (a foreign key), but never a 500
        raise WithdrawalError("code_unknown")
    answered, skipped = _answer_counts(db_session, participant.id)
    record_event(
        db_session,
        "participant.withdrawal_checked",
        actor_id=actor.id,
        target_type="group_session",
        target_id=group_session.id,
    )
    return WithdrawalPreview(
        session_id=group_session.id,
        session_code=group_session.code,
        session_date=group_session.session_date
        or (group_session.opened_at or group_session.created_at).date(),
        answered=answered,
        skipped=skipped,
    )


def withdraw_by_code(
    db_session: Session,
    *,
    pseudonym_key: str | PseudonymKeys,
    typed_code: str,
    actor: StaffUser,
    allowed_session_ids: Collection[int] | None,
) -> WithdrawalResult:
    """Delete the answers and the participant the code belongs to, and record it.

    One transaction, committed by the caller. Using the same code again afterwards is
    ``code_unknown``: the code's HMAC went with the participant row.
    """
    participant = _find_participant(
        db_session,
        pseudonym_key=pseudonym_key,
        typed_code=typed_code,
        allowed_session_ids=allowed_session_ids,
        for_update=True,
    )
    participant_id, session_id = participant.id, participant.session_id
    removed = db_session.execute(
        delete(Answer).where(Answer.participant_id == participant_id)
    ).rowcount
    # SafeguardingFlag.participant_id and .answer_id are ON DELETE SET NULL: flags stay.
    gone = db_session.execute(delete(Participant).where(Participant.id == participant_id)).rowcount
    if gone != 1:  # someone else withdrew them in the meantime
        raise WithdrawalError("code_unknown")
    withdrawal = Withdrawal(session_id=session_id, answers_removed=removed, recorded_by_id=actor.id)
    db_session.add(withdrawal)
    db_session.flush()
    record_event(
        db_session,
        "participant.withdrawn",
        actor_id=actor.id,
        target_type="group_session",
        target_id=session_id,
        withdrawal_id=withdrawal.id,
        answers_removed=removed,
    )
    return WithdrawalResult(
        withdrawal_id=withdrawal.id, session_id=session_id, answers_removed=removed
    )

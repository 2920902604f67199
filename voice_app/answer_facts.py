"""What the priorities engine needs from an answer, derived whenever it is written.

No Flask imports. An answer keeps its value as JSON (whatever its format); SQL cannot
aggregate that the same way on SQLite and PostgreSQL, so every write also stores the
answer on the common 0-1 scale (``Answer.score``) and each "what matters most" pick as
an ``AnswerChoice`` row. A ``before_flush`` hook does it for every ORM path that writes
answers (paper, tests, migrations, changed answers), so the facts can never drift from
values. The one path that skips the ORM, a participant's first answer
(``journey.record_answer``), calls the same ``facts_for`` in the same transaction; its
tests compare what it stores with what the hook would have stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from voice_app.answer_formats import FORMATS
from voice_app.models import (
    Answer,
    AnswerChoice,
    AnswerFormat,
    Flow,
    GroupSession,
    OutcomeDomain,
    Participant,
    QuestionVersion,
)


def facts_for(
    answer_format: AnswerFormat | str, value: Any, domain_ids: Mapping[str, int]
) -> tuple[float | None, list[tuple[int, int]]]:
    """(score on the 0-1 scale or None, [(rank, domain id)] for a top-3 answer)."""
    plugin = FORMATS[AnswerFormat(answer_format)]
    if value is None:
        return None, []
    if plugin.name is AnswerFormat.TOP_THREE:
        picks = [domain_ids.get(str(key)) for key in value if key]
        return None, [(rank, d) for rank, d in enumerate(picks, start=1) if d is not None]
    if plugin.is_free_text:
        return None, []
    return plugin.score(value), []


def _framework_domains(db_session: Session, participant: Participant) -> dict[str, int]:
    framework_id = db_session.scalar(
        select(Flow.framework_id)
        .join(GroupSession, GroupSession.flow_id == Flow.id)
        .where(GroupSession.id == participant.session_id)
    )
    return dict(
        db_session.execute(
            select(OutcomeDomain.key, OutcomeDomain.id).where(
                OutcomeDomain.framework_id == framework_id
            )
        ).all()
    )


def _needs_facts(answer: Answer, is_new: bool) -> bool:
    if is_new:
        return True
    state = inspect(answer)
    return any(state.attrs[name].history.has_changes() for name in ("value", "skipped"))


def derive_facts(db_session: Session, answers: Iterable[tuple[Answer, bool]]) -> None:
    """Set score and choices on each (answer, is_new) whose value changed."""
    domains_by_session: dict[int, dict[str, int]] = {}
    with db_session.no_autoflush:
        for answer, is_new in answers:
            if not _needs_facts(answer, is_new):
                continue
            participant = answer.participant or db_session.get(Participant, answer.participant_id)
            version = answer.version or db_session.get(QuestionVersion, answer.version_id)
            if participant is None or version is None:
                continue  # the flush itself will refuse the broken row
            if participant.session_id not in domains_by_session:
                domains_by_session[participant.session_id] = _framework_domains(
                    db_session, participant
                )
            value = None if answer.skipped else answer.value
            score, picks = facts_for(
                version.format, value, domains_by_session[participant.session_id]
            )
            answer.score = score
            current = [(c.rank, c.domain_id) for c in answer.choices]
            if current != picks:
                answer.choices = [AnswerChoice(rank=r, domain_id=d) for r, d in picks]


@event.listens_for(Session, "before_flush")
def _derive_on_flush(db_session: Session, _context: Any, _instances: Any) -> None:
    pending = [(obj, True) for obj in db_session.new if isinstance(obj, Answer)]
    pending += [(obj, False) for obj in db_session.dirty if isinstance(obj, Answer)]
    if pending:
        derive_facts(db_session, pending)

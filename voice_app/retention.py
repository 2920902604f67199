"""Retention: delete raw answers past the retention period, keep the figures. No Flask imports.

People who started before the cutoff go as whole people: all their answers (and with
them, through the database's ON DELETE CASCADE, their top-3 picks) and their
participant row. First, what the priorities engine counts about them is folded into
``RetainedRespondents`` and ``RetainedDomainTally`` at the engine's finest grain
(framework, session, area, audience, the UTC day they started), counted exactly as
``voice_app.priorities`` counts live answers, so every figure stays the same after the
purge. Safeguarding flags stay: their participant and answer links are ON DELETE SET
NULL and the flag keeps its own copy of any words that raised it.

``purge`` is one transaction that the caller commits (or rolls back); a dry run only
counts. The CLI is ``flask --app voice_app purge`` (voice_app/retention_cli.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, distinct, extract, func, select
from sqlalchemy.orm import Session

from voice_app.audit import record_event
from voice_app.models import (
    Answer,
    AnswerChoice,
    Audience,
    OutcomeDomain,
    OutcomeFramework,
    Participant,
    QuestionVersionDomain,
    RetainedDomainTally,
    RetainedRespondents,
)

AUDIT_ACTION = "retention.purge"


class PurgeError(RuntimeError):
    """The people to delete changed while the purge ran: roll back and run it again."""


@dataclass(frozen=True)
class FrameworkPurge:
    """What a purge keeps as totals for one outcome framework version."""

    framework_version: int
    people: int  # people with a "what matters most" answer, now kept as counts


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime  # people who started before this go
    applied: bool  # False: a dry run, nothing changed
    participants: int
    answers: int  # every stored row, skips included
    frameworks: tuple[FrameworkPurge, ...]
    # People with no audience recorded: their answers go, but the engine's grain needs an
    # audience, so nothing of theirs can be kept (the journey always records one).
    without_audience: int = 0


def cutoff_for(days: int, now: datetime | None = None) -> datetime:
    """Midnight UTC ``days`` days ago: a purge removes whole days, so running it again
    later the same day finds nothing new."""
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    day = today - timedelta(days=days)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# --- counting the people who go, as the engine counts live answers ----------------------


@dataclass(frozen=True)
class _Grain:
    framework_id: int
    session_id: int
    area_id: int
    audience: Audience
    started_on: date


@dataclass
class _Tally:
    first: int = 0
    second: int = 0
    third: int = 0
    scale_people: int = 0
    scale_answers: int = 0
    scale_sum: float = 0.0


@dataclass
class _Counts:
    people: dict[_Grain, int] = field(default_factory=dict)
    tallies: dict[tuple[_Grain, int], _Tally] = field(default_factory=lambda: defaultdict(_Tally))


# The participant's part of the grain; the framework comes from the domain joined.
_PEOPLE_GRAIN = (
    Participant.session_id,
    Participant.area_id,
    Participant.audience,
    extract("year", Participant.started_at),
    extract("month", Participant.started_at),
    extract("day", Participant.started_at),
)


def _grain(framework_id: Any, session_id: Any, area_id: Any, audience: Any, *ymd: Any) -> _Grain:
    year, month, day = (int(part) for part in ymd)
    return _Grain(
        int(framework_id), int(session_id), int(area_id), Audience(audience), date(year, month, day)
    )


def _count_going(db_session: Session, going: list[Any]) -> _Counts:
    """Counts in SQL, grouped by grain: never one row per answer in Python."""
    counts = _Counts()
    counted = [*going, Participant.audience.is_not(None)]

    people = (
        select(OutcomeDomain.framework_id, *_PEOPLE_GRAIN, func.count(distinct(Participant.id)))
        .select_from(AnswerChoice)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Participant, Participant.id == Answer.participant_id)
        .join(OutcomeDomain, OutcomeDomain.id == AnswerChoice.domain_id)
        .where(*counted)
        .group_by(OutcomeDomain.framework_id, *_PEOPLE_GRAIN)
    )
    for *grain, number in db_session.execute(people):
        counts.people[_grain(*grain)] = int(number)

    # Each person's best place for each domain, counted once (as the engine does).
    best = (
        select(
            OutcomeDomain.framework_id.label("framework_id"),
            *[column.label(f"g{i}") for i, column in enumerate(_PEOPLE_GRAIN)],
            AnswerChoice.domain_id.label("domain_id"),
            func.min(AnswerChoice.rank).label("best"),
        )
        .select_from(AnswerChoice)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Participant, Participant.id == Answer.participant_id)
        .join(OutcomeDomain, OutcomeDomain.id == AnswerChoice.domain_id)
        .where(*counted)
        .group_by(
            Participant.id, AnswerChoice.domain_id, OutcomeDomain.framework_id, *_PEOPLE_GRAIN
        )
        .subquery()
    )
    grain_columns = [best.c.framework_id, *[best.c[f"g{i}"] for i in range(len(_PEOPLE_GRAIN))]]

    def placed(rank: int) -> Any:
        return func.sum(case((best.c.best == rank, 1), else_=0))

    ranked = select(*grain_columns, best.c.domain_id, placed(1), placed(2), placed(3)).group_by(
        *grain_columns, best.c.domain_id
    )
    for *grain, domain_id, first, second, third in db_session.execute(ranked):
        if first or second or third:  # a place outside 1-3 counts the person, not a place
            tally = counts.tallies[(_grain(*grain), int(domain_id))]
            tally.first, tally.second, tally.third = int(first), int(second), int(third)

    # Linked questions' answers on the common 0-1 scale.
    scale = (
        select(
            OutcomeDomain.framework_id,
            *_PEOPLE_GRAIN,
            QuestionVersionDomain.domain_id,
            func.count(distinct(Participant.id)),
            func.count(Answer.score),
            func.sum(Answer.score),
        )
        .select_from(Answer)
        .join(QuestionVersionDomain, QuestionVersionDomain.version_id == Answer.version_id)
        .join(OutcomeDomain, OutcomeDomain.id == QuestionVersionDomain.domain_id)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Answer.score.is_not(None), *counted)
        .group_by(OutcomeDomain.framework_id, *_PEOPLE_GRAIN, QuestionVersionDomain.domain_id)
    )
    for *grain, domain_id, scale_people, answers, total in db_session.execute(scale):
        tally = counts.tallies[(_grain(*grain), int(domain_id))]
        tally.scale_people = int(scale_people)
        tally.scale_answers = int(answers)
        tally.scale_sum = float(total or 0.0)
    return counts


# --- keeping the counts -------------------------------------------------------------------


def _grain_of(row: RetainedRespondents | RetainedDomainTally) -> _Grain:
    return _Grain(row.framework_id, row.session_id, row.area_id, row.audience, row.started_on)


def _fold_in(db_session: Session, counts: _Counts) -> None:
    """Add the counts to the kept tallies: existing rows grow, new grains get new rows."""
    grains = set(counts.people) | {grain for grain, _domain in counts.tallies}
    if not grains:
        return
    frameworks = sorted({g.framework_id for g in grains})
    first_day = min(g.started_on for g in grains)
    last_day = max(g.started_on for g in grains)

    def kept(model: Any) -> Iterable[Any]:
        return db_session.scalars(
            select(model).where(
                model.framework_id.in_(frameworks),
                model.started_on >= first_day,
                model.started_on <= last_day,
            )
        )

    respondents = {_grain_of(row): row for row in kept(RetainedRespondents)}
    for grain, people in counts.people.items():
        row = respondents.get(grain)
        if row is None:
            db_session.add(RetainedRespondents(**_columns(grain), people=people))
        else:
            row.people += people

    tallies = {(_grain_of(row), row.domain_id): row for row in kept(RetainedDomainTally)}
    for (grain, domain_id), tally in counts.tallies.items():
        row = tallies.get((grain, domain_id))
        if row is None:
            db_session.add(
                RetainedDomainTally(
                    **_columns(grain),
                    domain_id=domain_id,
                    first=tally.first,
                    second=tally.second,
                    third=tally.third,
                    scale_people=tally.scale_people,
                    scale_answers=tally.scale_answers,
                    scale_sum=tally.scale_sum,
                )
            )
        else:
            row.first += tally.first
            row.second += tally.second
            row.third += tally.third
            row.scale_people += tally.scale_people
            row.scale_answers += tally.scale_answers
            row.scale_sum += tally.scale_sum


def _columns(grain: _Grain) -> dict[str, Any]:
    return {
        "framework_id": grain.framework_id,
        "session_id": grain.session_id,
        "area_id": grain.area_id,
        "audience": grain.audience,
        "started_on": grain.started_on,
    }


def _by_framework(db_session: Session, counts: _Counts) -> tuple[FrameworkPurge, ...]:
    people: dict[int, int] = defaultdict(int)
    for grain, number in counts.people.items():
        people[grain.framework_id] += number
    if not people:
        return ()
    versions = dict(
        db_session.execute(
            select(OutcomeFramework.id, OutcomeFramework.version).where(
                OutcomeFramework.id.in_(people)
            )
        ).all()
    )
    return tuple(
        FrameworkPurge(versions[i], people[i]) for i in sorted(people, key=lambda i: versions[i])
    )


# --- the purge ----------------------------------------------------------------------------


def purge(db_session: Session, cutoff: datetime, *, apply: bool = False) -> PurgeReport:
    """Delete everyone who started before ``cutoff`` (aware, UTC), keeping their figures.

    A dry run (the default) counts and changes nothing. With ``apply`` the counts are
    folded into the retained tallies, the answers and people deleted and a
    ``retention.purge`` audit event added, all in the caller's transaction: commit it.
    """
    if cutoff.tzinfo is None:
        raise ValueError("the cutoff must be an aware datetime")
    going = [Participant.started_at < cutoff]
    if apply:
        # The audit row is written first: on SQLite that takes the write lock, so no one
        # writes between the counting and the deleting. Its counts are filled in below.
        event = record_event(db_session, AUDIT_ACTION, actor_id=None, cli=True)
        db_session.flush()
        # On PostgreSQL, lock the people who go: a withdrawal or a late answer for one of
        # them waits until this transaction ends (then finds nothing).
        locked = select(Participant.id).where(*going).with_for_update().subquery()
        participants = db_session.scalar(select(func.count()).select_from(locked)) or 0
    else:
        participants = (
            db_session.scalar(select(func.count()).select_from(Participant).where(*going)) or 0
        )
    answers = (
        db_session.scalar(
            select(func.count())
            .select_from(Answer)
            .join(Participant, Participant.id == Answer.participant_id)
            .where(*going)
        )
        or 0
    )
    without_audience = (
        db_session.scalar(
            select(func.count(distinct(Answer.participant_id)))
            .select_from(Answer)
            .join(Participant, Participant.id == Answer.participant_id)
            .where(*going, Participant.audience.is_(None))
        )
        or 0
    )
    counts = _count_going(db_session, going)
    report = PurgeReport(
        cutoff=cutoff,
        applied=apply,
        participants=int(participants),
        answers=int(answers),
        frameworks=_by_framework(db_session, counts),
        without_audience=int(without_audience),
    )
    if not apply:
        return report

    _fold_in(db_session, counts)
    db_session.flush()
    going_ids = select(Participant.id).where(*going).scalar_subquery()
    # Top-3 picks go with their answers (ON DELETE CASCADE); flags lose only their links.
    removed_answers = db_session.execute(
        delete(Answer).where(Answer.participant_id.in_(going_ids)),
        execution_options={"synchronize_session": False},
    ).rowcount
    removed_people = db_session.execute(
        delete(Participant).where(*going), execution_options={"synchronize_session": False}
    ).rowcount
    if removed_answers != report.answers or removed_people != report.participants:
        # Something changed between counting and deleting (the locks above prevent it):
        # refuse rather than keep figures that do not match what went.
        raise PurgeError("the people to delete changed during the purge")
    event.detail = {
        "cli": True,
        "cutoff": cutoff.isoformat(),
        "participants": report.participants,
        "answers": report.answers,
        "frameworks": [
            {"version": f.framework_version, "people": f.people} for f in report.frameworks
        ],
        "without_audience": report.without_audience,
    }
    db_session.flush()
    # Anything the caller still holds for the people who went is gone from the database.
    db_session.expire_all()
    return report

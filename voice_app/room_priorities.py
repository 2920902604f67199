"""What matters most to the people in one group session, for the room's projector.

No Flask imports. The room sees the session's outcome domains in order of how many
people put each in their top 3, and each domain's share of those people, but only once
at least ``min_people`` people have answered, and never anything about one person.
A skipped "what matters most" question does not count; withdrawn people's answers are
already deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voice_app.answer_formats import TOP_CHOICES
from voice_app.languages import SOURCE_LANGUAGE
from voice_app.models import (
    Answer,
    AnswerFormat,
    FlowItem,
    GroupSession,
    OutcomeDomain,
    Participant,
    QuestionVersion,
)


@dataclass(frozen=True)
class DomainPriority:
    """One outcome domain's place in the room's order. Nothing about any one person."""

    key: str
    name: str
    name_language: str  # the language ``name`` is in: the one asked for, or English
    picture: str  # file name under static/img/domains/
    rank: int  # 1 is what matters most; ties share a rank (1, 2, 2, 4)
    percent: int  # share of the people who answered, rounded to a whole percent


@dataclass(frozen=True)
class RoomPriorities:
    session_id: int
    min_people: int
    # People counted: those who answered (not skipped), in whole steps of min_people once
    # shown; below the minimum, everyone who has answered so far.
    people: int
    language: str  # the language the domain names were asked for
    domains: tuple[DomainPriority, ...] = ()  # empty while fewer than min_people answered

    @property
    def shown(self) -> bool:
        return self.people >= self.min_people


def room_priorities(
    db_session: Session, session_id: int, min_people: int, language: str | None = None
) -> RoomPriorities:
    """The session's "what matters most" order, or only a head count below ``min_people``.

    Domain names are in ``language`` (default: the session's default language), falling
    back to English. Raises LookupError for a session that does not exist.
    """
    group_session = db_session.get(GroupSession, session_id)
    if group_session is None:
        raise LookupError(session_id)
    min_people = max(1, int(min_people))
    language = language or group_session.default_language
    domains = db_session.scalars(
        select(OutcomeDomain)
        .options(selectinload(OutcomeDomain.texts))
        .where(OutcomeDomain.framework_id == group_session.flow.framework_id)
        .order_by(OutcomeDomain.position, OutcomeDomain.id)
    ).all()
    chosen = _choices_by_person(db_session, group_session, {d.key for d in domains})
    # The room sees the figures move only in whole steps of ``min_people`` (the earliest
    # answers first): watching them change after one more person finishes would
    # otherwise show what that person chose.
    people = len(chosen) // min_people * min_people
    if people < min_people:
        return RoomPriorities(session_id, min_people, len(chosen), language)
    chosen = dict(list(chosen.items())[:people])

    counts = {domain.key: 0 for domain in domains}
    for keys in chosen.values():
        for key in keys:
            counts[key] += 1
    # Most chosen first; ties keep the framework's order (sorted() is stable).
    ordered = sorted(domains, key=lambda domain: -counts[domain.key])
    result = []
    for index, domain in enumerate(ordered):
        tied = index > 0 and counts[domain.key] == counts[ordered[index - 1].key]
        rank = result[-1].rank if tied else index + 1
        names = {text.language: text.name for text in domain.texts}
        name_language = language if language in names else SOURCE_LANGUAGE
        result.append(
            DomainPriority(
                key=domain.key,
                name=names.get(name_language, domain.key),
                name_language=name_language,
                picture=domain.picture,
                rank=rank,
                percent=_rounded_percent(counts[domain.key], people),
            )
        )
    return RoomPriorities(session_id, min_people, people, language, tuple(result))


def _choices_by_person(
    db_session: Session, group_session: GroupSession, domain_keys: set[str]
) -> dict[str, set[str]]:
    """For each person who answered, the known domains they put in their top 3,
    in the order people answered.

    The participant id is used only to count a person once (a flow could ask the
    question twice); it never leaves this function.
    """
    top_three_versions = (
        select(FlowItem.version_id)
        .join(QuestionVersion, QuestionVersion.id == FlowItem.version_id)
        .where(
            FlowItem.flow_id == group_session.flow_id,
            QuestionVersion.format == AnswerFormat.TOP_THREE,
        )
    )
    rows = db_session.execute(
        select(Answer.participant_id, Answer.value)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(
            Participant.session_id == group_session.id,
            Answer.version_id.in_(top_three_versions),
            Answer.skipped.is_(False),
        )
        .order_by(Answer.answered_at, Answer.id)
    ).all()
    chosen: dict[str, set[str]] = {}
    for participant_id, value in rows:
        keys = _domain_keys(value, domain_keys)
        if keys:
            chosen.setdefault(participant_id, set()).update(keys)
    return chosen


def _domain_keys(value: Any, domain_keys: set[str]) -> set[str]:
    """The framework's domains in a stored top-3 answer; anything else is ignored."""
    if not isinstance(value, list):
        return set()
    return {key for key in value[:TOP_CHOICES] if isinstance(key, str) and key in domain_keys}


def _rounded_percent(count: int, people: int) -> int:
    """``count`` of ``people`` as a whole percent, halves rounded up (12.5 -> 13)."""
    return (200 * count + people) // (2 * people)

"""What matters to families: the priorities engine. No Flask imports.

For one outcome framework version and any filter of audience, area, session and
quarter, it counts the people who answered a "what matters most" question and, for
each outcome domain, how many put it 1st, 2nd or 3rd, and the linked questions'
answers on the common 0-1 scale. The counting happens in SQL at the finest grain
(audience x area x session x month), once per request, over live answers plus the
tallies a purge kept; everything else (breakdowns, shares, scores, intervals, order)
is plain Python over those small counts.

Nothing here is for publication as it stands: every output goes through
``voice_app.disclosure.publish``, which applies the minimum cell size, rounding and
secondary suppression (docs/decisions/0006-priorities-and-disclosure.md).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Select, and_, distinct, extract, func, select
from sqlalchemy.orm import Session

from voice_app.models import (
    Answer,
    AnswerChoice,
    Area,
    Audience,
    OutcomeDomain,
    OutcomeFramework,
    Participant,
    QuestionVersionDomain,
    RetainedDomainTally,
    RetainedRespondents,
)
from voice_app.periods import Quarter, quarters_between

# The dimensions a breakdown can be by; "all" is the total of the filter.
DIMENSIONS = ("audience", "area", "session", "quarter")
RANK_POINTS = (3, 2, 1)  # 1st, 2nd, 3rd place in the rank-weighted score
Z_95 = 1.959963984540054
BOOTSTRAP_SAMPLES = 2000
MAX_QUARTERS = 40


class FilterError(ValueError):
    """A filter names something that does not exist; ``code`` says what."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Filters:
    """Which answers count. Empty tuples mean "all"; quarters are inclusive."""

    framework_version: int
    audiences: tuple[Audience, ...] = ()
    area_codes: tuple[str, ...] = ()
    session_ids: tuple[int, ...] = ()
    first_quarter: Quarter | None = None
    last_quarter: Quarter | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters as plain JSON-ready values, for exports and the API."""
        return {
            "framework_version": self.framework_version,
            "audiences": sorted(a.value for a in self.audiences),
            "areas": sorted(self.area_codes),
            "sessions": sorted(self.session_ids),
            "first_quarter": str(self.first_quarter) if self.first_quarter else None,
            "last_quarter": str(self.last_quarter) if self.last_quarter else None,
        }


@dataclass(frozen=True)
class DomainInfo:
    id: int
    key: str
    position: int
    picture: str
    names: Mapping[str, str]  # language -> name

    def name(self, language: str, fallback: str = "en_GB") -> str:
        return self.names.get(language) or self.names.get(fallback) or self.key


@dataclass
class DomainCounts:
    """Counts for one domain in one group. ``ranked[i]`` = people who put it (i+1)th."""

    ranked: list[int] = field(default_factory=lambda: [0, 0, 0])
    scale_people: int = 0
    scale_answers: int = 0
    scale_sum: float = 0.0

    @property
    def chose(self) -> int:
        return sum(self.ranked)

    def add(self, other: DomainCounts) -> None:
        self.ranked = [a + b for a, b in zip(self.ranked, other.ranked, strict=True)]
        self.scale_people += other.scale_people
        self.scale_answers += other.scale_answers
        self.scale_sum += other.scale_sum


@dataclass
class GroupCounts:
    """Everything the figures for one group are computed from."""

    people: int = 0
    domains: dict[str, DomainCounts] = field(default_factory=lambda: defaultdict(DomainCounts))

    def add(self, other: GroupCounts) -> None:
        self.people += other.people
        for key, counts in other.domains.items():
            self.domains[key].add(counts)


@dataclass(frozen=True)
class FineKey:
    """The finest grain counted: every person falls in exactly one."""

    audience: str
    area_code: str
    session_id: int
    quarter: Quarter

    def value(self, dimension: str) -> str:
        if dimension == "audience":
            return self.audience
        if dimension == "area":
            return self.area_code
        if dimension == "session":
            return str(self.session_id)
        if dimension == "quarter":
            return str(self.quarter)
        raise ValueError(dimension)


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class DomainFigures:
    """One domain's figures in one group, before disclosure control."""

    key: str
    position: int
    chose: int  # people who put it in their top 3
    ranked: tuple[int, int, int]
    share: Interval | None  # of people; None when the group is empty
    score: Interval | None  # mean points per person (3 for 1st, 2, 1, else 0)
    rank: int | None  # 1 = matters most; equal scores share a rank (1, 2, 2, 4)
    scale_people: int
    scale_answers: int
    scale_mean: float | None  # mean of linked answers on the 0-1 scale


@dataclass(frozen=True)
class GroupFigures:
    dimension: str  # "all" or one of DIMENSIONS
    value: str  # "all", an audience, an area code, a session id or a quarter
    people: int
    domains: tuple[DomainFigures, ...]  # in order: rank, then framework position


@dataclass(frozen=True)
class Figures:
    """The total for the filters, and one group per value of each breakdown asked for."""

    filters: Filters
    domains: tuple[DomainInfo, ...]
    total: GroupFigures
    breakdowns: Mapping[str, tuple[GroupFigures, ...]]


# --- intervals -------------------------------------------------------------------------


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Interval | None:
    """Share with its Wilson score interval; None for no trials."""
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def score_interval(
    ranked: Sequence[int], people: int, samples: int = BOOTSTRAP_SAMPLES
) -> Interval | None:
    """Mean rank-weighted points per person with a 95% percentile bootstrap interval.

    Each person scores 3, 2, 1 or 0 for the domain, so the counts are the whole
    sample: resampling is a multinomial draw. The seed comes from the counts, so the
    same data always gives the same interval.
    """
    if people <= 0:
        return None
    counts = [people - sum(ranked), *ranked]
    points = np.array([0, *RANK_POINTS], dtype=float)
    estimate = float(points @ np.array(counts)) / people
    if max(counts) == people:  # everyone scored the same: nothing varies
        return Interval(estimate, estimate, estimate)
    seed = int.from_bytes(hashlib.sha256(repr(counts).encode()).digest()[:8], "big")
    draws = np.random.default_rng(seed).multinomial(people, np.array(counts) / people, samples)
    means = draws @ points / people
    low, high = np.percentile(means, [2.5, 97.5])
    return Interval(estimate, float(low), float(high))


# --- figures from counts (pure) --------------------------------------------------------


def group_figures(
    dimension: str, value: str, counts: GroupCounts, domains: Sequence[DomainInfo]
) -> GroupFigures:
    rows = []
    for domain in domains:
        c = counts.domains.get(domain.key) or DomainCounts()
        rows.append(
            DomainFigures(
                key=domain.key,
                position=domain.position,
                chose=c.chose,
                ranked=(c.ranked[0], c.ranked[1], c.ranked[2]),
                share=wilson_interval(c.chose, counts.people),
                score=score_interval(c.ranked, counts.people),
                rank=None,
                scale_people=c.scale_people,
                scale_answers=c.scale_answers,
                scale_mean=c.scale_sum / c.scale_answers if c.scale_answers else None,
            )
        )
    return GroupFigures(dimension, value, counts.people, rank_domains(rows))


def rank_domains(rows: Iterable[DomainFigures]) -> tuple[DomainFigures, ...]:
    """Order by score (then share, then framework position); equal scores share a rank."""
    rows = list(rows)
    if not rows or rows[0].score is None:
        return tuple(sorted(rows, key=lambda r: r.position))

    def points(row: DomainFigures) -> float:
        return round(row.score.estimate, 9) if row.score else 0.0

    ordered = sorted(rows, key=lambda r: (-points(r), -r.chose, r.position))
    ranked: list[DomainFigures] = []
    for index, row in enumerate(ordered):
        same_as_previous = index and points(row) == points(ordered[index - 1])
        rank = ranked[-1].rank if same_as_previous else index + 1
        ranked.append(_replace_rank(row, rank))
    return tuple(ranked)


def _replace_rank(row: DomainFigures, rank: int | None) -> DomainFigures:
    return replace(row, rank=rank)


def figures_from_counts(
    filters: Filters,
    domains: Sequence[DomainInfo],
    fine: Mapping[FineKey, GroupCounts],
    breakdowns: Sequence[str] = (),
    quarters: Sequence[Quarter] = (),
) -> Figures:
    """Total and breakdowns from fine-grained counts. ``quarters`` lists every quarter
    to show in a quarter breakdown (empty ones too); by default those with data."""
    total = GroupCounts()
    for counts in fine.values():
        total.add(counts)
    result: dict[str, tuple[GroupFigures, ...]] = {}
    for dimension in breakdowns:
        if dimension not in DIMENSIONS:
            raise FilterError("breakdown")
        groups: dict[str, GroupCounts] = defaultdict(GroupCounts)
        for key, counts in fine.items():
            groups[key.value(dimension)].add(counts)
        values = sorted(groups)
        if dimension == "quarter" and quarters:
            values = [str(q) for q in quarters]
        elif dimension == "audience":
            values = [a.value for a in Audience if a.value in groups or not filters.audiences]
            if filters.audiences:
                values = [a.value for a in filters.audiences]
        result[dimension] = tuple(
            group_figures(dimension, v, groups.get(v) or GroupCounts(), domains) for v in values
        )
    return Figures(filters, tuple(domains), group_figures("all", "all", total, domains), result)


# --- counting in the database ----------------------------------------------------------


def framework_domains(db_session: Session, framework_version: int) -> tuple[DomainInfo, ...]:
    framework = db_session.scalar(
        select(OutcomeFramework).where(OutcomeFramework.version == framework_version)
    )
    if framework is None:
        raise FilterError("framework")
    domains = db_session.scalars(
        select(OutcomeDomain)
        .where(OutcomeDomain.framework_id == framework.id)
        .order_by(OutcomeDomain.position, OutcomeDomain.id)
    ).all()
    return tuple(
        DomainInfo(d.id, d.key, d.position, d.picture, {t.language: t.name for t in d.texts})
        for d in domains
    )


def _framework_id(db_session: Session, framework_version: int) -> int:
    framework_id = db_session.scalar(
        select(OutcomeFramework.id).where(OutcomeFramework.version == framework_version)
    )
    if framework_id is None:
        raise FilterError("framework")
    return framework_id


def _area_ids(db_session: Session, filters: Filters) -> dict[int, str]:
    areas = dict(db_session.execute(select(Area.id, Area.code)).all())
    if filters.area_codes:
        unknown = set(filters.area_codes) - set(areas.values())
        if unknown:
            raise FilterError("area")
        areas = {i: c for i, c in areas.items() if c in filters.area_codes}
    return areas


def _where_people(filters: Filters, area_ids: Iterable[int]) -> list[Any]:
    conditions: list[Any] = [Participant.area_id.in_(list(area_ids))]
    if filters.audiences:
        conditions.append(Participant.audience.in_(list(filters.audiences)))
    if filters.session_ids:
        conditions.append(Participant.session_id.in_(list(filters.session_ids)))
    if filters.first_quarter:
        conditions.append(Participant.started_at >= _midnight(filters.first_quarter.start))
    if filters.last_quarter:
        conditions.append(Participant.started_at < _midnight(filters.last_quarter.end))
    return conditions


def _where_retained(model: Any, framework_id: int, filters: Filters, area_ids: Iterable[int]):
    conditions: list[Any] = [model.framework_id == framework_id, model.area_id.in_(list(area_ids))]
    if filters.audiences:
        conditions.append(model.audience.in_(list(filters.audiences)))
    if filters.session_ids:
        conditions.append(model.session_id.in_(list(filters.session_ids)))
    if filters.first_quarter:
        conditions.append(model.started_on >= filters.first_quarter.start)
    if filters.last_quarter:
        conditions.append(model.started_on < filters.last_quarter.end)
    return and_(*conditions)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_FINE_PEOPLE = (
    Participant.audience,
    Participant.area_id,
    Participant.session_id,
    extract("year", Participant.started_at),
    extract("month", Participant.started_at),
)


def _fine_key(
    areas: Mapping[int, str], audience: Any, area_id: int, session_id: int, year: Any, month: Any
) -> FineKey:
    audience_value = audience.value if isinstance(audience, Audience) else str(audience)
    return FineKey(audience_value, areas[area_id], int(session_id), Quarter.of_month(year, month))


def fine_counts(
    db_session: Session, filters: Filters
) -> tuple[tuple[DomainInfo, ...], dict[FineKey, GroupCounts]]:
    """Counts at the finest grain, for live answers and retained tallies together."""
    domains = framework_domains(db_session, filters.framework_version)
    framework_id = _framework_id(db_session, filters.framework_version)
    areas = _area_ids(db_session, filters)
    key_of = {d.id: d.key for d in domains}
    fine: dict[FineKey, GroupCounts] = defaultdict(GroupCounts)
    if not domains or not areas:
        return domains, fine
    domain_ids = list(key_of)
    where = _where_people(filters, areas)

    # People who answered a "what matters most" question for this framework.
    people: Select[Any] = (
        select(*_FINE_PEOPLE, func.count(distinct(Answer.participant_id)))
        .select_from(AnswerChoice)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(AnswerChoice.domain_id.in_(domain_ids), *where)
        .group_by(*_FINE_PEOPLE)
    )
    for *grain, count in db_session.execute(people):
        fine[_fine_key(areas, *grain)].people += count

    # Each person's best place for each domain (a flow could ask twice), then counted.
    best = (
        select(
            *[c.label(f"g{i}") for i, c in enumerate(_FINE_PEOPLE)],
            AnswerChoice.domain_id.label("domain_id"),
            func.min(AnswerChoice.rank).label("best"),
        )
        .select_from(AnswerChoice)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(AnswerChoice.domain_id.in_(domain_ids), *where)
        .group_by(Answer.participant_id, AnswerChoice.domain_id, *_FINE_PEOPLE)
        .subquery()
    )
    grain_cols = [best.c[f"g{i}"] for i in range(len(_FINE_PEOPLE))]
    placed = select(*grain_cols, best.c.domain_id, best.c.best, func.count()).group_by(
        *grain_cols, best.c.domain_id, best.c.best
    )
    for *grain, domain_id, rank, count in db_session.execute(placed):
        if 1 <= rank <= len(RANK_POINTS):
            fine[_fine_key(areas, *grain)].domains[key_of[domain_id]].ranked[rank - 1] += count

    # Linked questions' answers on the common scale.
    scale = (
        select(
            *_FINE_PEOPLE,
            QuestionVersionDomain.domain_id,
            func.count(distinct(Answer.participant_id)),
            func.count(Answer.score),
            func.sum(Answer.score),
        )
        .select_from(Answer)
        .join(QuestionVersionDomain, QuestionVersionDomain.version_id == Answer.version_id)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Answer.score.is_not(None), QuestionVersionDomain.domain_id.in_(domain_ids), *where)
        .group_by(*_FINE_PEOPLE, QuestionVersionDomain.domain_id)
    )
    for *grain, domain_id, scale_people, answers, total in db_session.execute(scale):
        counts = fine[_fine_key(areas, *grain)].domains[key_of[domain_id]]
        counts.scale_people += scale_people
        counts.scale_answers += answers
        counts.scale_sum += float(total or 0.0)

    _add_retained(db_session, filters, framework_id, areas, key_of, fine)
    return domains, fine


def _add_retained(
    db_session: Session,
    filters: Filters,
    framework_id: int,
    areas: Mapping[int, str],
    key_of: Mapping[int, str],
    fine: dict[FineKey, GroupCounts],
) -> None:
    def key(row: Any) -> FineKey:
        return FineKey(
            row.audience.value, areas[row.area_id], row.session_id, Quarter.of(row.started_on)
        )

    for row in db_session.scalars(
        select(RetainedRespondents).where(
            _where_retained(RetainedRespondents, framework_id, filters, areas)
        )
    ):
        fine[key(row)].people += row.people
    for row in db_session.scalars(
        select(RetainedDomainTally).where(
            _where_retained(RetainedDomainTally, framework_id, filters, areas)
        )
    ):
        if row.domain_id not in key_of:
            continue
        fine[key(row)].domains[key_of[row.domain_id]].add(
            DomainCounts(
                [row.first, row.second, row.third],
                row.scale_people,
                row.scale_answers,
                row.scale_sum,
            )
        )


def compute(
    db_session: Session,
    filters: Filters,
    breakdowns: Sequence[str] = (),
) -> Figures:
    """The figures for ``filters``, with a group per value of each breakdown."""
    domains, fine = fine_counts(db_session, filters)
    quarters: list[Quarter] = []
    if "quarter" in breakdowns and fine:
        seen = sorted({k.quarter for k in fine})
        first = filters.first_quarter or seen[0]
        last = filters.last_quarter or seen[-1]
        # At most ten years of quarters, ending with the last one asked for.
        quarters = list(quarters_between(first, last))[-MAX_QUARTERS:]
    return figures_from_counts(filters, domains, fine, breakdowns, quarters)


def newest_framework_version(db_session: Session) -> int | None:
    return db_session.scalar(select(func.max(OutcomeFramework.version)))

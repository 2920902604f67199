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
from sqlalchemy import and_, distinct, extract, func, select, text
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
    """A group at the grain counted: every person falls in exactly one. Dimensions not
    asked for are None (they are not needed to add up the breakdowns asked for)."""

    audience: str | None
    area_code: str | None
    session_id: int | None
    quarter: Quarter | None

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


def _grain(breakdowns: Sequence[str]) -> list[Any]:
    """The columns to group by: only the dimensions asked for (quarter = year, month)."""
    columns: list[Any] = []
    if "audience" in breakdowns:
        columns.append(Participant.audience)
    if "area" in breakdowns:
        columns.append(Participant.area_id)
    if "session" in breakdowns:
        columns.append(Participant.session_id)
    if "quarter" in breakdowns:
        columns += [
            extract("year", Participant.started_at),
            extract("month", Participant.started_at),
        ]
    return columns


class _Keys:
    """Turns a row's grain values into a FineKey; dimensions not asked for are None."""

    def __init__(self, breakdowns: Sequence[str], areas: Mapping[int, str]):
        self.breakdowns = set(breakdowns)
        self.areas = areas
        self.cache: dict[tuple[Any, ...], FineKey] = {}

    def __call__(self, values: Sequence[Any]) -> FineKey:
        values = tuple(values)
        key = self.cache.get(values)
        if key is None:
            key = self.cache[values] = self._build(list(values))
        return key

    def _build(self, values: list[Any]) -> FineKey:
        audience = area = session = quarter = None
        if "audience" in self.breakdowns:
            raw = values.pop(0)
            audience = raw.value if isinstance(raw, Audience) else str(raw)
        if "area" in self.breakdowns:
            area = self.areas[values.pop(0)]
        if "session" in self.breakdowns:
            session = int(values.pop(0))
        if "quarter" in self.breakdowns:
            quarter = Quarter.of_month(values.pop(0), values.pop(0))
        return FineKey(audience, area, session, quarter)

    def of_retained(self, row: Any) -> FineKey:
        asked = self.breakdowns
        return FineKey(
            row.audience.value if "audience" in asked else None,
            self.areas[row.area_id] if "area" in asked else None,
            row.session_id if "session" in asked else None,
            Quarter.of(row.started_on) if "quarter" in asked else None,
        )


def fine_counts(
    db_session: Session, filters: Filters, breakdowns: Sequence[str] = DIMENSIONS
) -> tuple[tuple[DomainInfo, ...], dict[FineKey, GroupCounts]]:
    """Counts per group of the breakdowns asked for (together: every person falls in
    exactly one key), for live answers and retained tallies together."""
    domains = framework_domains(db_session, filters.framework_version)
    framework_id = _framework_id(db_session, filters.framework_version)
    areas = _area_ids(db_session, filters)
    key_of = {d.id: d.key for d in domains}
    fine: dict[FineKey, GroupCounts] = defaultdict(GroupCounts)
    if not domains or not areas:
        return domains, fine
    domain_ids = list(key_of)
    where = _where_people(filters, areas)
    grain = _grain(breakdowns)
    keys = _Keys(breakdowns, areas)
    width = len(grain)
    if db_session.get_bind().dialect.name == "postgresql":
        # The per-person groupings below sort about as many rows as there are answers;
        # PostgreSQL's default 4 MB of sort memory sends them to disk.
        db_session.execute(text("SET LOCAL work_mem = '64MB'"))

    # How many put each domain 1st, 2nd or 3rd; a person asked twice (a flow could ask
    # for a top 3 twice) counts once, at their best place.
    choices = (
        select()
        .select_from(AnswerChoice)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(AnswerChoice.domain_id.in_(domain_ids), *where)
    )
    best = (
        choices.add_columns(
            *[c.label(f"g{i}") for i, c in enumerate(grain)],
            AnswerChoice.domain_id.label("domain_id"),
            func.min(AnswerChoice.rank).label("rank"),
        )
        .group_by(Answer.participant_id, AnswerChoice.domain_id, *grain)
        .subquery()
    )
    best_grain = [best.c[f"g{i}"] for i in range(width)]
    placed = select(*best_grain, best.c.domain_id, best.c.rank, func.count()).group_by(
        *best_grain, best.c.domain_id, best.c.rank
    )
    for row in db_session.execute(placed):
        domain_id, rank, count = row[width:]
        if 1 <= rank <= len(RANK_POINTS):
            fine[keys(row[:width])].domains[key_of[domain_id]].ranked[rank - 1] += count

    # People who answered: every answer has a 1st place.
    first = choices.where(AnswerChoice.rank == 1).group_by(*grain)
    people = first.add_columns(*grain, func.count(distinct(Answer.participant_id)))
    for row in db_session.execute(people):
        fine[keys(row[:width])].people += row[width]

    # Linked questions' answers on the common scale: summed per person first (without
    # the participant table, which is joined once per person afterwards for the filters
    # and the grain), so people are counted without a DISTINCT over every answer.
    per_person = (
        select(
            Answer.participant_id.label("participant_id"),
            QuestionVersionDomain.domain_id.label("domain_id"),
            func.count(Answer.score).label("answers"),
            func.sum(Answer.score).label("total"),
        )
        .select_from(Answer)
        .join(QuestionVersionDomain, QuestionVersionDomain.version_id == Answer.version_id)
        .where(Answer.score.is_not(None), QuestionVersionDomain.domain_id.in_(domain_ids))
        .group_by(Answer.participant_id, QuestionVersionDomain.domain_id)
        .subquery()
    )
    scale = (
        select(
            *grain,
            per_person.c.domain_id,
            func.count(),
            func.sum(per_person.c.answers),
            func.sum(per_person.c.total),
        )
        .select_from(per_person)
        .join(Participant, Participant.id == per_person.c.participant_id)
        .where(*where)
        .group_by(*grain, per_person.c.domain_id)
    )
    for row in db_session.execute(scale):
        domain_id, scale_people, answers, total = row[width:]
        counts = fine[keys(row[:width])].domains[key_of[domain_id]]
        counts.scale_people += scale_people
        counts.scale_answers += int(answers or 0)
        counts.scale_sum += float(total or 0.0)

    _add_retained(db_session, filters, framework_id, key_of, keys, fine)
    return domains, fine


def _add_retained(
    db_session: Session,
    filters: Filters,
    framework_id: int,
    key_of: Mapping[int, str],
    keys: _Keys,
    fine: dict[FineKey, GroupCounts],
) -> None:
    areas = keys.areas
    for row in db_session.scalars(
        select(RetainedRespondents).where(
            _where_retained(RetainedRespondents, framework_id, filters, areas)
        )
    ):
        fine[keys.of_retained(row)].people += row.people
    for row in db_session.scalars(
        select(RetainedDomainTally).where(
            _where_retained(RetainedDomainTally, framework_id, filters, areas)
        )
    ):
        if row.domain_id not in key_of:
            continue
        fine[keys.of_retained(row)].domains[key_of[row.domain_id]].add(
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
    domains, fine = fine_counts(db_session, filters, breakdowns)
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

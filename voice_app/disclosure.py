"""Disclosure control: the one gate every published figure goes through. No Flask imports.

Cells are counts of people. A cell is *small* when it counts fewer than the minimum
(default 10), zero included. The rules (docs/decisions/0006-priorities-and-disclosure.md):

1. Primary: a group with few people shows no figures. A domain's figures in a group
   are hidden when few people put it in their top 3, or few did not (both sides are
   counts of people: "all but 2 chose it" tells as much as "2 chose it"). A domain's
   mean on the common scale is hidden when few people gave a linked answer, or when
   it is exactly 0 or 1 (everyone gave the same answer).
2. Secondary: within each breakdown, the groups add up to the total. Whenever any group
   is hidden, the hidden groups together must count at least the minimum, on every
   side (people; chose; did not choose): otherwise the next smallest shown group is
   hidden too, so subtracting the shown groups from the total cannot isolate a small
   number of people.
3. Published counts are rounded to the nearest ``round_to`` (default 5). Ranks are
   given among shown domains only, so a gap cannot place a hidden one.

Shares, scores and their intervals are computed from the true counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voice_app.priorities import DomainFigures, DomainInfo, Figures, GroupFigures


@dataclass(frozen=True)
class Rules:
    min_people: int = 10
    round_to: int = 5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Rules:
        """The rules a deployment set (VOICE_MIN_CELL_SIZE, VOICE_ROUND_COUNTS_TO)."""
        return cls(int(config["MIN_CELL_SIZE"]), int(config["ROUND_COUNTS_TO"]))

    def __post_init__(self) -> None:
        if self.min_people < 1 or self.round_to < 1:
            raise ValueError("the minimum and the rounding base must be at least 1")


@dataclass(frozen=True)
class PublishedDomain:
    key: str
    position: int
    shown: bool  # False: hidden by disclosure control
    rank: int | None  # among shown domains: 1 = matters most; ties share a rank
    people_choosing: int | None  # rounded
    share: float | None  # 0-1, of the group's people
    share_low: float | None
    share_high: float | None
    score: float | None  # mean points per person: 3 for 1st, 2 for 2nd, 1 for 3rd
    score_low: float | None
    score_high: float | None
    scale_shown: bool
    scale_mean: float | None  # linked answers on the common 0-1 scale
    scale_people: int | None  # rounded


@dataclass(frozen=True)
class PublishedGroup:
    dimension: str  # "all", "audience", "area", "session" or "quarter"
    value: str
    shown: bool
    people: int | None  # rounded
    domains: tuple[PublishedDomain, ...]  # shown ones by rank, then hidden ones


@dataclass(frozen=True)
class Published:
    """What may leave the app: through the dashboard, an export or the API."""

    framework_version: int
    filters: Mapping[str, Any]
    min_people: int
    round_to: int
    generated_at: datetime
    domains: tuple[DomainInfo, ...]
    total: PublishedGroup
    breakdowns: Mapping[str, tuple[PublishedGroup, ...]]


SOME = 1e-9  # "more than nothing", for sums of answers on the 0-1 scale


def round_count(value: int, base: int) -> int:
    """Nearest multiple of ``base``, halves up (12.5 -> 15 for base 5)."""
    return int(base * math.floor(value / base + 0.5))


def is_small(value: int, rules: Rules) -> bool:
    return value < rules.min_people


# --- secondary suppression -------------------------------------------------------------


def protect_relation(
    parent_shown: bool,
    children_hidden: Sequence[bool],
    sides: Sequence[tuple[Sequence[float], float]],
    sizes: Sequence[float],
    rules: Rules,
) -> list[bool]:
    """Hide more children until every side of the hidden ones together is big enough.

    ``sides`` holds, per side of the relation, each child's value (e.g. the people who
    chose a domain, and those who did not) and the least the hidden ones must add up
    to; the shown child with the smallest ``sizes`` is given up next. Returns the new
    hidden flags. When the parent is hidden nothing can be subtracted from it, so there
    is nothing more to hide.
    """
    hidden = list(children_hidden)
    if not parent_shown:
        return hidden

    def exposed() -> bool:
        return any(hidden) and any(
            sum(c for c, h in zip(values, hidden, strict=True) if h) < least
            for values, least in sides
        )

    while exposed():
        shown = [i for i, h in enumerate(hidden) if not h]
        if not shown:
            break  # then the parent is small itself, and hidden by the primary rule
        hidden[min(shown, key=lambda i: (sizes[i], i))] = True
    return hidden


# --- publishing ------------------------------------------------------------------------


def _domain_hidden(group: GroupFigures, row: DomainFigures, rules: Rules) -> bool:
    return (
        is_small(group.people, rules)
        or is_small(row.chose, rules)
        or is_small(group.people - row.chose, rules)
    )


def _scale_hidden(row: DomainFigures, rules: Rules) -> bool:
    return (
        is_small(row.scale_people, rules)
        or row.scale_mean is None
        or row.scale_mean <= 0.0
        or row.scale_mean >= 1.0
    )


@dataclass
class _Decisions:
    """Hidden flags for one group: the group, each domain's top-3 figures, each scale."""

    group: bool
    domains: dict[str, bool]
    scales: dict[str, bool]


def _primary(group: GroupFigures, rules: Rules) -> _Decisions:
    return _Decisions(
        is_small(group.people, rules),
        {r.key: _domain_hidden(group, r, rules) for r in group.domains},
        {r.key: _scale_hidden(r, rules) for r in group.domains},
    )


def decide(figures: Figures, rules: Rules) -> tuple[_Decisions, dict[str, list[_Decisions]]]:
    """Primary then secondary suppression, for the total and every breakdown.

    A group with nobody in it is shown as 0 and has no figures: it says nothing about
    anyone, and it takes no part in the sums (it cannot hide or expose another group).
    """
    total = _primary(figures.total, rules)
    total.group = total.group and figures.total.people > 0  # "nobody yet" is no secret
    decided: dict[str, list[_Decisions]] = {}
    keys = [d.key for d in figures.domains]
    for dimension, all_groups in figures.breakdowns.items():
        flags = [_primary(g, rules) for g in all_groups]
        for f, g in zip(flags, all_groups, strict=True):
            if g.people == 0:
                f.group = False
        live = [i for i, g in enumerate(all_groups) if g.people > 0]
        groups = [all_groups[i] for i in live]
        rows = [{r.key: r for r in g.domains} for g in groups]
        people = [g.people for g in groups]
        least = rules.min_people
        hidden = protect_relation(
            not total.group, [flags[i].group for i in live], [(people, least)], people, rules
        )
        for i, h in zip(live, hidden, strict=True):
            flags[i].group = h
            if h:
                flags[i].domains = dict.fromkeys(keys, True)
                flags[i].scales = dict.fromkeys(keys, True)
        for key in keys:
            hidden = protect_relation(
                not total.domains[key],
                [flags[i].domains[key] for i in live],
                [
                    ([r[key].chose for r in rows], least),
                    ([g.people - r[key].chose for g, r in zip(groups, rows, strict=True)], least),
                ],
                people,
                rules,
            )
            for i, h in zip(live, hidden, strict=True):
                flags[i].domains[key] = h
            scale_people = [r[key].scale_people for r in rows]
            # The hidden means together must count enough people and must not be all
            # lowest or all highest answers: the total minus the shown would say so.
            sums = [(r[key].scale_mean or 0.0) * r[key].scale_answers for r in rows]
            rest = [r[key].scale_answers - s for r, s in zip(rows, sums, strict=True)]
            hidden = protect_relation(
                not total.scales[key],
                [flags[i].scales[key] for i in live],
                [(scale_people, least), (sums, SOME), (rest, SOME)],
                scale_people,
                rules,
            )
            for i, h in zip(live, hidden, strict=True):
                flags[i].scales[key] = h
        decided[dimension] = flags
    return total, decided


def _publish_group(group: GroupFigures, flags: _Decisions, rules: Rules) -> PublishedGroup:
    shown_rows = [r for r in group.domains if not flags.group and not flags.domains[r.key]]
    ranks = _ranks_among(shown_rows)
    published = []
    for row in [
        *shown_rows,
        *sorted((r for r in group.domains if r not in shown_rows), key=lambda r: r.position),
    ]:
        shown = row in shown_rows
        scale_shown = not flags.group and not flags.scales[row.key]
        published.append(
            PublishedDomain(
                key=row.key,
                position=row.position,
                shown=shown,
                rank=ranks.get(row.key) if shown else None,
                people_choosing=round_count(row.chose, rules.round_to) if shown else None,
                share=_round(row.share.estimate, 4) if shown and row.share else None,
                share_low=_round(row.share.low, 4) if shown and row.share else None,
                share_high=_round(row.share.high, 4) if shown and row.share else None,
                score=_round(row.score.estimate, 3) if shown and row.score else None,
                score_low=_round(row.score.low, 3) if shown and row.score else None,
                score_high=_round(row.score.high, 3) if shown and row.score else None,
                scale_shown=scale_shown,
                scale_mean=_round(row.scale_mean, 3) if scale_shown else None,
                scale_people=round_count(row.scale_people, rules.round_to) if scale_shown else None,
            )
        )
    return PublishedGroup(
        dimension=group.dimension,
        value=group.value,
        shown=not flags.group,
        people=None if flags.group else round_count(group.people, rules.round_to),
        domains=tuple(published),
    )


def _ranks_among(rows: Sequence[DomainFigures]) -> dict[str, int]:
    """Re-rank the shown domains 1..n in their order, equal scores sharing a rank."""
    ranks: dict[str, int] = {}
    previous: DomainFigures | None = None
    for index, row in enumerate(rows):
        if previous is not None and previous.rank == row.rank:
            ranks[row.key] = ranks[previous.key]
        else:
            ranks[row.key] = index + 1
        previous = row
    return ranks


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(float(value), places)


def publish(figures: Figures, rules: Rules, generated_at: datetime) -> Published:
    """Apply every rule above; the result is safe to show, export or serve."""
    total_flags, decided = decide(figures, rules)
    return Published(
        framework_version=figures.filters.framework_version,
        filters=figures.filters.as_dict(),
        min_people=rules.min_people,
        round_to=rules.round_to,
        generated_at=generated_at,
        domains=figures.domains,
        total=_publish_group(figures.total, total_flags, rules),
        breakdowns={
            dimension: tuple(
                _publish_group(g, f, rules)
                for g, f in zip(figures.breakdowns[dimension], flags, strict=True)
            )
            for dimension, flags in decided.items()
        },
    )


def published_figures(
    db_session: Any,
    filters: Any,
    breakdowns: Sequence[str],
    rules: Rules,
    generated_at: datetime,
) -> Published:
    """Count, compute and apply disclosure control: the only way figures leave the app."""
    from voice_app.priorities import compute

    return publish(compute(db_session, filters, breakdowns), rules, generated_at)


def published_for_args(
    db_session: Any,
    args: Mapping[str, Sequence[str]],
    rules: Rules,
    generated_at: datetime,
    allowed_areas: Sequence[str] | None = None,
) -> Published:
    """The dashboard's, exports' and API's way in: filters and breakdowns read from query
    arguments (voice_app.filter_args), counted and published. Raises FilterError."""
    from voice_app.filter_args import parse_breakdowns, parse_filters
    from voice_app.priorities import newest_framework_version

    filters = parse_filters(args, lambda: newest_framework_version(db_session), allowed_areas)
    return published_figures(db_session, filters, parse_breakdowns(args), rules, generated_at)

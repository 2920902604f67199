"""The priorities engine's figures, checked against numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from voice_app.periods import Quarter
from voice_app.priorities import (
    DomainCounts,
    DomainInfo,
    Filters,
    FineKey,
    GroupCounts,
    figures_from_counts,
    score_interval,
    wilson_interval,
)

DOMAINS = tuple(
    DomainInfo(i, key, i, f"{key}.svg", {"en_GB": key.upper()})
    for i, key in enumerate(("a", "b", "c", "d"), start=1)
)
Q3 = Quarter(2026, 3)


def counts_from_people(people: list[list[str]], scale: dict[str, list[float]] | None = None):
    """GroupCounts for people given as their top-3 picks in order (as a person answers)."""
    group = GroupCounts(people=len(people))
    for picks in people:
        for rank, key in enumerate(picks):
            group.domains[key].ranked[rank] += 1
    for key, values in (scale or {}).items():
        group.domains[key].scale_people += len(values)
        group.domains[key].scale_answers += len(values)
        group.domains[key].scale_sum += sum(values)
    return group


def figures_for(groups: dict[FineKey, GroupCounts], breakdowns=()):
    return figures_from_counts(Filters(1), DOMAINS, groups, breakdowns)


def by_key(group):
    return {d.key: d for d in group.domains}


def key(audience="young_13_17", area="E1", session=1, quarter=Q3) -> FineKey:
    return FineKey(audience, area, session, quarter)


# --- Wilson intervals: values from the published formula, worked by hand ---------------


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (3, 10, 0.1078, 0.6032),
        (1, 1, 0.2065, 1.0),
        (0, 1, 0.0, 0.7935),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (50, 100, 0.4038, 0.5962),
    ],
)
def test_wilson_interval_matches_hand_computed_values(successes, trials, low, high):
    interval = wilson_interval(successes, trials)
    assert interval.estimate == pytest.approx(successes / trials)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_no_people_has_no_share_and_no_score():
    assert wilson_interval(0, 0) is None
    assert score_interval([0, 0, 0], 0) is None


# --- the rank-weighted score -----------------------------------------------------------


def test_score_interval_is_a_point_when_everyone_scored_the_same():
    assert score_interval([1, 0, 0], 1) == pytest.approx(score_interval([1, 0, 0], 1))
    one = score_interval([1, 0, 0], 1)
    assert (one.estimate, one.low, one.high) == (3.0, 3.0, 3.0)
    nobody = score_interval([0, 0, 0], 7)
    assert (nobody.estimate, nobody.low, nobody.high) == (0.0, 0.0, 0.0)


def test_score_interval_is_repeatable_and_close_to_the_normal_approximation():
    ranked, people = [40, 30, 20], 200  # 110 people gave it no points
    first = score_interval(ranked, people)
    assert first == score_interval(ranked, people)  # same counts, same interval
    mean = (3 * 40 + 2 * 30 + 20) / 200
    assert first.estimate == pytest.approx(mean)
    variance = (9 * 40 + 4 * 30 + 20) / 200 - mean**2
    half = 1.96 * math.sqrt(variance / people)
    assert first.low == pytest.approx(mean - half, abs=0.03)
    assert first.high == pytest.approx(mean + half, abs=0.03)
    assert first.low < mean < first.high


# --- figures for a group, worked by hand ------------------------------------------------

# Five people: their picks, 1st first.
FIVE = [["a", "b", "c"], ["b", "a"], ["a"], ["c", "b", "a"], ["d", "c", "b"]]


def test_figures_for_five_people_match_the_hand_computation():
    figures = figures_for({key(): counts_from_people(FIVE)})
    total = figures.total
    assert total.people == 5
    rows = by_key(total)
    # a: 1st twice, 2nd once, 3rd once -> 4 of 5; (3*2 + 2 + 1) / 5 = 1.8 points
    assert rows["a"].ranked == (2, 1, 1)
    assert rows["a"].chose == 4 and rows["a"].share.estimate == pytest.approx(0.8)
    assert rows["a"].score.estimate == pytest.approx(1.8)
    # b: (1, 2, 1) -> 8/5; c: (1, 1, 1) -> 6/5; d: (1, 0, 0) -> 3/5
    assert rows["b"].score.estimate == pytest.approx(1.6)
    assert rows["c"].score.estimate == pytest.approx(1.2)
    assert rows["c"].share.estimate == pytest.approx(0.6)
    assert rows["d"].score.estimate == pytest.approx(0.6)
    assert [(d.key, d.rank) for d in total.domains] == [("a", 1), ("b", 2), ("c", 3), ("d", 4)]


def test_equal_scores_share_a_rank_and_the_next_rank_is_skipped():
    # a: 3 + 0 = 3 points; b: 2 + 1 = 3 points; c: 1 + 2 = 3; d: 0 + 3 = 3 ... make two ties
    people = [["a", "b", "c"], ["d", "c", "b"]]
    rows = figures_for({key(): counts_from_people(people)}).total.domains
    # a 3/2=1.5, b (2+1)/2=1.5, c (1+2)/2=1.5, d 3/2=1.5: all tie; order falls to
    # how many chose it (b and c: 2 each), then framework position.
    assert [(d.key, d.rank) for d in rows] == [("b", 1), ("c", 1), ("a", 1), ("d", 1)]
    people = [["a", "b"], ["b", "a"], ["c"]]
    rows = figures_for({key(): counts_from_people(people)}).total.domains
    # a: 3+2 = 5/3, b: 2+3 = 5/3, c: 3/3 = 1, d: 0
    assert [(d.key, d.rank) for d in rows] == [("a", 1), ("b", 1), ("c", 3), ("d", 4)]


def test_a_one_person_group_has_exact_scores_and_wide_shares():
    rows = by_key(figures_for({key(): counts_from_people([["b", "a"]])}).total)
    assert rows["b"].score.estimate == rows["b"].score.low == rows["b"].score.high == 3.0
    assert rows["a"].score.estimate == 2.0
    assert rows["b"].share.low == pytest.approx(0.2065, abs=5e-5)
    assert rows["c"].rank == rows["d"].rank == 3  # nobody chose either: a shared last place


def test_an_empty_group_has_no_figures_and_keeps_the_framework_order():
    figures = figures_for({}, breakdowns=("audience",))
    assert figures.total.people == 0
    assert [d.key for d in figures.total.domains] == ["a", "b", "c", "d"]
    assert all(
        d.share is None and d.score is None and d.rank is None for d in figures.total.domains
    )
    assert [g.value for g in figures.breakdowns["audience"]] == [
        "child_4_7",
        "child_8_12",
        "young_13_17",
        "parent_carer",
    ]


def test_breakdowns_add_up_to_the_total_and_keep_people_whole():
    groups = {
        key(audience="child_8_12", quarter=Quarter(2026, 2)): counts_from_people(FIVE[:2]),
        key(audience="parent_carer", area="E2", session=2): counts_from_people(FIVE[2:]),
    }
    figures = figures_for(groups, breakdowns=("audience", "area", "quarter", "session"))
    assert figures.total.people == 5
    for dimension, groups_figures in figures.breakdowns.items():
        assert sum(g.people for g in groups_figures) == 5, dimension
        for domain in "abcd":
            chose = sum(by_key(g)[domain].chose for g in groups_figures if g.people)
            assert chose == by_key(figures.total)[domain].chose, (dimension, domain)
    areas = {g.value: g.people for g in figures.breakdowns["area"]}
    assert areas == {"E1": 2, "E2": 3}
    quarters = {g.value: g.people for g in figures.breakdowns["quarter"]}
    assert quarters == {"2026-Q2": 2, "2026-Q3": 3}


def test_linked_answers_mean_is_over_answers_on_the_common_scale():
    group = counts_from_people(FIVE, scale={"a": [1.0, 0.5, 0.25], "b": []})
    rows = by_key(figures_for({key(): group}).total)
    assert rows["a"].scale_mean == pytest.approx(1.75 / 3)
    assert rows["a"].scale_people == 3
    assert rows["b"].scale_mean is None


def test_domain_counts_add():
    total = DomainCounts([1, 2, 3], 1, 2, 0.5)
    total.add(DomainCounts([1, 1, 1], 2, 2, 1.0))
    assert (total.ranked, total.scale_people, total.scale_answers, total.scale_sum) == (
        [2, 3, 4],
        3,
        4,
        1.5,
    )

"""Disclosure control, by hand-made cases: what is hidden, what is shown, and rounding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.test_priorities_figures import DOMAINS, counts_from_people, key
from voice_app.disclosure import Rules, protect_relation, publish, round_count
from voice_app.priorities import Filters, figures_from_counts

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
RULES = Rules(min_people=10, round_to=5)


def people(n: int, picks: list[str]) -> list[list[str]]:
    return [list(picks) for _ in range(n)]


def published(groups, breakdowns=(), rules=RULES):
    figures = figures_from_counts(Filters(1), DOMAINS, groups, breakdowns)
    return publish(figures, rules, NOW)


def domains(group):
    return {d.key: d for d in group.domains}


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [(10, 5, 10), (12, 5, 10), (13, 5, 15), (17, 5, 15), (18, 5, 20), (22, 5, 20), (7, 1, 7)],
)
def test_counts_round_to_the_nearest_base(value, base, expected):
    assert round_count(value, base) == expected


def test_a_group_below_the_minimum_shows_nothing():
    group = published({key(): counts_from_people(people(9, ["a", "b", "c"]))}).total
    assert not group.shown and group.people is None
    assert all(not d.shown and d.share is None and d.rank is None for d in group.domains)


def test_both_sides_of_a_share_must_count_enough_people():
    # 24 people: a chosen by all 24 (nobody left out: hidden), b by 12 (shown),
    # c by 21 (3 left out: hidden), d by none (zero is small: hidden).
    crowd = people(12, ["a", "b", "c"]) + people(9, ["a", "c"]) + people(3, ["a"])
    total = published({key(): counts_from_people(crowd)}).total
    rows = domains(total)
    assert total.shown and total.people == 25  # 24, rounded to the nearest 5
    assert rows["b"].shown and rows["b"].people_choosing == 10 and rows["b"].share == 0.5
    assert not rows["a"].shown and not rows["c"].shown and not rows["d"].shown
    assert rows["b"].rank == 1  # ranks count shown domains only: no gap to place others
    assert [d.key for d in total.domains] == ["b", "a", "c", "d"]


def test_one_small_group_hides_the_next_smallest_so_the_total_cannot_give_it_away():
    groups = {
        key(audience="child_8_12"): counts_from_people(people(25, ["a", "b"]) + people(25, ["c"])),
        key(audience="young_13_17"): counts_from_people(people(4, ["a"])),
        key(audience="parent_carer"): counts_from_people(
            people(30, ["b", "a"]) + people(10, ["c"])
        ),
    }
    result = published(groups, ("audience",))
    shown = {g.value: g.shown for g in result.breakdowns["audience"]}
    # 4 young people would be total - others: so the next smallest (40 parents) goes too.
    assert shown == {
        "child_4_7": True,
        "child_8_12": True,
        "young_13_17": False,
        "parent_carer": False,
    }
    assert result.total.people == 95  # 94 rounds to 95
    children = next(g for g in result.breakdowns["audience"] if g.value == "child_4_7")
    assert children.people == 0 and not any(d.shown for d in children.domains)


def test_secondary_suppression_counts_both_sides_of_a_share():
    # Two areas of 20: in E1 all 20 chose a (left-out side 0: hidden); E2 12 of 20.
    # Total 32 of 40 is shown (8 left out is small: no, 8 < 10 so the total is hidden).
    groups = {
        key(area="E1"): counts_from_people(people(20, ["a"])),
        key(area="E2"): counts_from_people(people(12, ["a"]) + people(8, ["b"])),
    }
    result = published(groups, ("area",))
    assert not domains(result.total)["a"].shown  # 8 left out across both areas
    # With a larger second area the total shows, and E1's hidden "a" takes E2's with it.
    groups[key(area="E2")] = counts_from_people(people(12, ["a"]) + people(18, ["b"]))
    result = published(groups, ("area",))
    assert domains(result.total)["a"].shown
    e1, e2 = result.breakdowns["area"]
    assert not domains(e1)["a"].shown and not domains(e2)["a"].shown
    assert e1.shown and e2.shown  # the groups' sizes themselves are fine


def test_protect_relation_stops_when_the_hidden_cells_count_enough():
    # sides: people in each child; 3 is small, 8 + 3 = 11 is enough
    hidden = protect_relation(True, [False, True, False], [([50, 3, 8], 10)], [50, 3, 8], RULES)
    assert hidden == [False, True, True]
    assert protect_relation(False, [False, True], [([50, 3], 10)], [50, 3], RULES) == [False, True]
    assert protect_relation(True, [False, False], [([50, 3], 10)], [50, 3], RULES) == [False, False]


def test_a_mean_of_everyone_answering_alike_is_hidden():
    group = counts_from_people(people(12, ["a"]), scale={"a": [1.0] * 12, "b": [0.5] * 12})
    rows = domains(published({key(): group}).total)
    assert not rows["a"].scale_shown and rows["a"].scale_mean is None
    assert rows["b"].scale_shown and rows["b"].scale_mean == 0.5 and rows["b"].scale_people == 10


def test_a_smaller_minimum_and_no_rounding_are_honoured():
    group = counts_from_people(people(3, ["a"]) + people(4, ["b"]))
    result = published({key(): group}, rules=Rules(min_people=3, round_to=1))
    rows = domains(result.total)
    assert result.total.people == 7 and result.min_people == 3 and result.round_to == 1
    assert rows["a"].shown and rows["a"].people_choosing == 3


def test_rules_refuse_nonsense():
    with pytest.raises(ValueError):
        Rules(min_people=0)
    with pytest.raises(ValueError):
        Rules(round_to=0)

"""Property: whatever the answers, nothing published is small and nothing hidden can be
worked out from what is published.

Hypothesis makes random people (audience, area, session, quarter, top-3 picks, linked
answers) and random breakdowns, minimums and rounding. The attacker is given more than
anyone gets: every shown count exactly (as if there were no rounding), every relation
between the tables (each breakdown adds up to the total; nobody chose a domain more
often than there are people; each person picks 1-3 domains), and a linear programme
(scipy's HiGHS) for the smallest and largest value each hidden count could have. A
hidden count is "worked out" when fewer than two whole numbers remain possible.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from tests.unit.test_priorities_figures import DOMAINS
from voice_app.disclosure import Rules, publish
from voice_app.periods import Quarter
from voice_app.priorities import Filters, FineKey, GroupCounts, figures_from_counts

KEYS = [d.key for d in DOMAINS]
EXAMPLES = int(os.environ.get("DISCLOSURE_EXAMPLES", "60"))
NOW = datetime(2026, 11, 23, tzinfo=UTC)

person = st.fixed_dictionaries(
    {
        "audience": st.sampled_from(["child_8_12", "young_13_17", "parent_carer"]),
        "area": st.sampled_from(["E1", "E2"]),
        "session": st.integers(0, 1),
        "quarter": st.sampled_from([Quarter(2026, 1), Quarter(2026, 2)]),
        "picks": st.permutations(KEYS).flatmap(
            lambda order: st.integers(1, 3).map(lambda n: order[:n])
        ),
        "scale": st.lists(
            st.tuples(st.sampled_from(KEYS), st.sampled_from([0, 0.5, 1])),
            max_size=2,
            unique_by=lambda t: t[0],
        ),
    }
)
# Crowds: mostly one kind of person repeated, so groups land on both sides of the minimum.
crowd = st.lists(st.tuples(person, st.integers(1, 14)), min_size=1, max_size=12)


def fine_counts(people) -> dict[FineKey, GroupCounts]:
    fine: dict[FineKey, GroupCounts] = defaultdict(GroupCounts)
    for p, repeat in people:
        session = (0 if p["area"] == "E1" else 2) + p["session"]
        group = fine[FineKey(p["audience"], p["area"], session, p["quarter"])]
        group.people += repeat
        for rank, key in enumerate(p["picks"]):
            group.domains[key].ranked[rank] += repeat
        for key, value in p["scale"]:
            group.domains[key].scale_people += repeat
            group.domains[key].scale_answers += repeat
            group.domains[key].scale_sum += value * repeat
    return fine


class Attacker:
    """Variables for every count in every table, and what the tables give away."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.eq: list[tuple[dict[int, float], float]] = []
        self.le: list[tuple[dict[int, float], float]] = []

    def var(self, *name) -> int:
        return self.index.setdefault(name, len(self.index))

    def equal(self, terms: dict[int, float], value: float) -> None:
        self.eq.append((terms, value))

    def at_most(self, terms: dict[int, float], value: float) -> None:
        self.le.append((terms, value))

    def range_of(self, variable: int) -> tuple[float, float]:
        n = len(self.index)

        def matrix(rows):
            a = np.zeros((len(rows), n))
            for i, (terms, _) in enumerate(rows):
                for j, c in terms.items():
                    a[i, j] += c
            return a, np.array([v for _, v in rows], dtype=float)

        a_eq, b_eq = matrix(self.eq)
        a_ub, b_ub = matrix(self.le) if self.le else (None, None)
        ends = []
        for sign in (1, -1):
            c = np.zeros(n)
            c[variable] = sign
            result = linprog(
                c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs"
            )
            if result.status == 3:  # unbounded: nothing limits it from this side
                ends.append(-sign * math.inf)
                continue
            assert result.status == 0, result.message  # the truth is always feasible
            ends.append(sign * result.fun)
        return ends[0], ends[1]


def tables(published):
    yield ("all", "all"), published.total
    for dimension, groups in published.breakdowns.items():
        for group in groups:
            yield (dimension, group.value), group


def attack(figures, published):
    """(hidden variable, its true value) pairs, and the attacker's programme."""
    attacker = Attacker()
    truth: dict[int, float] = {}
    hidden: list[int] = []
    means: list[tuple[int, int]] = []  # hidden (sum, people) of linked answers
    answers: dict[int, int] = {}
    raw = {("all", "all"): figures.total}
    for dimension, groups in figures.breakdowns.items():
        for group in groups:
            raw[(dimension, group.value)] = group
    for name, group in tables(published):
        true = raw[name]
        rows = {d.key: d for d in true.domains}
        n = attacker.var(name, "people")
        truth[n] = true.people
        if group.shown:
            attacker.equal({n: 1}, true.people)
        else:
            hidden.append(n)
        picks = {}
        nobody = group.shown and group.people == 0  # no figures, but about nobody
        for domain in group.domains:
            k = attacker.var(name, domain.key, "chose")
            m = attacker.var(name, domain.key, "scale")
            total = attacker.var(name, domain.key, "sum")
            picks[k] = 1.0
            row = rows[domain.key]
            truth[k], truth[m] = row.chose, row.scale_people
            truth[total] = (row.scale_mean or 0.0) * row.scale_answers
            # The attacker even knows how many linked answers each group gave.
            attacker.at_most({total: 1}, row.scale_answers)
            answers[total] = row.scale_answers
            if domain.scale_shown:
                attacker.equal({total: 1}, truth[total])
            elif not nobody and row.scale_answers:
                means.append((total, m))
            attacker.at_most({k: 1, n: -1}, 0)  # nobody chose it more than there are people
            if domain.shown:
                attacker.equal({k: 1}, truth[k])
            elif not nobody:
                hidden.append(k)
            if domain.scale_shown:
                attacker.equal({m: 1}, truth[m])
            elif not nobody:
                hidden.append(m)
        attacker.at_most({**picks, n: -3}, 0)  # each person picks at most 3
        attacker.at_most({**dict.fromkeys(picks, -1), n: 1}, 0)  # and at least 1
    for dimension, groups in published.breakdowns.items():
        for suffix in [
            ("people",),
            *[(k, "chose") for k in KEYS],
            *[(k, "scale") for k in KEYS],
            *[(k, "sum") for k in KEYS],
        ]:
            terms = {attacker.var(("all", "all"), *suffix): 1.0}
            for group in groups:
                terms[attacker.var((dimension, group.value), *suffix)] = -1.0
            attacker.equal(terms, 0)
    attacker.answers = answers
    return attacker, truth, hidden, means


# DISCLOSURE_EXAMPLES=1000 for a longer search than the suite's.
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=crowd,
    breakdowns=st.lists(
        st.sampled_from(["audience", "area", "session", "quarter"]), unique=True, max_size=3
    ),
    minimum=st.sampled_from([5, 10]),
    round_to=st.sampled_from([1, 5]),
)
def test_nothing_published_is_small_and_nothing_hidden_can_be_worked_out(
    people, breakdowns, minimum, round_to
):
    rules = Rules(min_people=minimum, round_to=round_to)
    figures = figures_from_counts(Filters(1), DOMAINS, fine_counts(people), breakdowns)
    published = publish(figures, rules, NOW)

    attacker, truth, hidden, means = attack(figures, published)
    # 1. Every shown count is at least the minimum (or a group with nobody in it).
    for name, group in tables(published):
        if group.shown and group.people:
            assert truth[attacker.var(name, "people")] >= minimum
            assert group.people >= minimum
        for domain in group.domains:
            if domain.shown:
                chose = truth[attacker.var(name, domain.key, "chose")]
                n = truth[attacker.var(name, "people")]
                assert chose >= minimum and n - chose >= minimum
                assert domain.people_choosing >= minimum
            if domain.scale_shown:
                assert truth[attacker.var(name, domain.key, "scale")] >= minimum
    # 2. No hidden count of fewer than the minimum can be pinned down from the shown
    # ones and the relations (a hidden mean's count of people may be big enough).
    scale_counts = {m for _, m in means}
    for variable in hidden:
        if variable in scale_counts and truth[variable] >= minimum:
            continue
        low, high = attacker.range_of(variable)
        assert low - 1e-6 <= truth[variable] <= high + 1e-6
        possible = math.inf if high == math.inf else math.floor(high + 1e-6) - math.ceil(low - 1e-6)
        assert possible >= 1, (
            [k for k, v in attacker.index.items() if v == variable],
            truth[variable],
            low,
            high,
        )
    # 3. No hidden mean can be shown to be everyone's lowest or everyone's highest
    # answer, and a hidden mean of fewer than the minimum cannot be pinned at all.
    for total, m in means:
        low, high = attacker.range_of(total)
        assert high > 1e-6 and low < attacker.answers[total] - 1e-6, (truth[total], low, high)
        if truth[m] < minimum:
            assert high - low > 1e-6, (truth[total], low, high)

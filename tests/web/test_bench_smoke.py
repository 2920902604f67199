"""The priorities benchmark runs end to end on a small database and reports its ratio.

No timing is asserted (the machine is shared); the figures it computed must count the
right people. SQLite in the SQLite run of the suite, PostgreSQL in the PostgreSQL run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

from voice_app.disclosure import round_count

BENCH = Path(__file__).resolve().parents[2] / "bench" / "priorities.py"
PEOPLE = 300


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_priorities", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def test_benchmark_builds_times_and_prints_the_ratio_with_the_right_people(capsys):
    bench = load_bench()
    on_postgres = os.environ.get("VOICE_TEST_DATABASE") == "postgres"
    database = "postgres" if on_postgres else "sqlite"
    argv = ["--participants", str(PEOPLE), "--repeat", "1", "--databases", database]
    if on_postgres:
        argv += ["--postgres-url", os.environ["VOICE_TEST_POSTGRES_URL"]]

    (result,) = bench.main(argv)

    output = capsys.readouterr().out
    assert not result.skipped, result.skipped
    assert (result.participants, result.answers, result.counted_answers) == (300, 3000, 3000)
    # About 5% skip "what matters most": everyone else is counted, exactly once.
    assert 0.85 * PEOPLE < result.expected_people < PEOPLE
    assert result.computed_people == result.expected_people
    published = result.published
    assert published.total.people == round_count(result.expected_people, 5)
    assert [g.value for g in published.breakdowns["audience"]] == [
        "child_4_7",
        "child_8_12",
        "young_13_17",
        "parent_carer",
    ]
    assert set(published.breakdowns) == {"audience", "area", "quarter"}
    assert len(published.breakdowns["area"]) == 6
    assert re.search(r"^database +people +answers +top-3 rows +build s +figures s", output, re.M)
    assert re.search(
        rf"^{database}: ratio \d+x \(figures \d+\.\d+ s / COUNT\(\*\) \d+\.\d+ s over "
        rf"3,000 answers\); {result.expected_people} people answered what matters most",
        output,
        re.M,
    ), output

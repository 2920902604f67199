"""Every benchmark runs end to end in a tiny mode (seconds, one level) so none of them rots.

No timing is asserted (the machine is shared); what each measured must be what it says.
SQLite in the SQLite run of the suite, PostgreSQL in the PostgreSQL run; page weight and
Lighthouse measure rendering, so they run once, on SQLite, like the browser tests.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.database import rendering_only
from voice_app.disclosure import round_count

BENCH = Path(__file__).resolve().parents[2] / "bench"
PEOPLE = 300
CHROMIUM = Path("/usr/bin/chromium")
LIGHTHOUSE = BENCH.parent / "node_modules" / ".bin" / "lighthouse"


def load_bench(name: str = "priorities") -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # the scripts import their shared _sites, _tablets
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def database_args() -> list[str]:
    if os.environ.get("VOICE_TEST_DATABASE") == "postgres":
        return ["postgres", "--postgres-url", os.environ["VOICE_TEST_POSTGRES_URL"]]
    return ["sqlite"]


def needs_a_browser(*tools: Path) -> None:
    missing = [str(tool) for tool in (CHROMIUM, *tools) if not tool.exists()]
    if missing:
        message = f"the benchmark needs {', '.join(missing)} (make test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


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


def test_server_benchmark_walks_whole_journeys_on_the_app_and_the_floor(capsys):
    bench = load_bench("server")
    database, *url = database_args()
    argv = ["--tablets", "2", "--seconds", "6", "--warmup", "0.5", "--databases", database]

    floor, ours = bench.main([*argv, *url])

    assert (floor.site, ours.site) == ("floor", database)
    for level in (floor, ours):
        assert level.tablets == 2
        assert level.timings.failures == []
        assert level.timings.journeys >= 1
        assert level.timings.question_gets and level.timings.answer_posts
    # A whole journey: the floor's 5 questions (GET and POST) and thanks; ours adds code,
    # language, who and "before you start" before its questions, talk and thanks after.
    assert set(floor.timings.journey_requests) == {11}
    assert min(ours.timings.journey_requests) >= 2 * 5 + 10
    output = capsys.readouterr().out
    assert re.search(r"^site +tablets +journeys/s +done +req/s", output, re.M)
    assert re.search(rf"^{database} +2 +\d+\.\d +\d+ .* \d+%$", output, re.M), output


def test_memory_benchmark_reads_one_workers_peak_after_the_answers(capsys):
    bench = load_bench("memory")
    database, *url = database_args()

    result = bench.main(
        ["--answers", "30", "--tablets", "2", "--max-seconds", "60", "--database", database, *url]
    )

    assert result.answers >= 30 and result.failures == 0
    assert 20 * 1024 < result.rss_start_kib <= result.peak_kib
    assert 20 * 1024 < result.rss_half_kib <= result.peak_kib
    assert result.rss_end_kib <= result.peak_kib
    output = capsys.readouterr().out
    assert f"{result.answers:,} answers in" in output and "at 15 answers" in output


@rendering_only
def test_page_weight_counts_the_font_a_tablet_without_it_downloads(capsys):
    needs_a_browser()
    bench = load_bench("page_weight")

    (walk,) = bench.main(["--languages", "ur", "--audiences", "child_8_12", "--following", "all"])

    kinds = {resource.kind for resource in walk.first.resources}
    assert {"html", "css", "js", "font"} <= kinds
    # No Nastaliq on this tablet: Urdu falls back to the one small Naskh-style web font.
    fonts = [r.url.rsplit("/", 1)[-1] for r in walk.first.resources if r.kind == "font"]
    assert [name.split(".")[0] for name in fonts] == ["noto-sans-arabic-arabic-400-normal"]
    assert walk.first.total(kind="font") < 15 * 1024
    assert walk.first.path == "/q/1"
    # Skipping on to the end: every later question, then "talk to someone", then thanks.
    assert [page.path for page in walk.following][-2:] == ["/talk", "/thanks"]
    assert all(page.total(kind="font") == 0 for page in walk.following)  # cached by now
    assert all(0 < page.total() < page.total(gzipped=False) for page in walk.following)
    assert re.search(r"^ur +child_8_12 .*(pass|FAIL)", capsys.readouterr().out, re.M)


@rendering_only
def test_lighthouse_scores_the_first_question_page(capsys):
    needs_a_browser(LIGHTHOUSE)
    bench = load_bench("lighthouse")

    (audit,) = bench.main(["--languages", "en_GB"])

    assert audit.path == "/q/1"
    assert 0 <= audit.performance <= 100 and 0 <= audit.accessibility <= 100
    assert set(audit.metrics) == {"FCP", "LCP", "TBT", "CLS", "SI"}
    assert re.search(r"^en_GB +\d+ +\d+ ", capsys.readouterr().out, re.M)

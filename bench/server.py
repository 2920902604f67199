"""Benchmark: whole participant journeys per second under gunicorn, against a floor app.

Simulated tablets (threads, each with its own cookies and CSRF tokens) walk whole
journeys on 127.0.0.1 for a bounded time at each level: Family Voice on SQLite and on
PostgreSQL (a throwaway database), and a minimal Flask survey (the floor) served with
the same worker settings in the same run. See bench/README.md.

    .venv/bin/python bench/server.py [--tablets 8,64] [--seconds 10] [--warmup 3]
        [--databases sqlite,postgres] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench's own modules

from _sites import (
    DEFAULT_POSTGRES_URL,
    FLOOR_QUESTIONS,
    floor_answers,
    floor_site,
    gunicorn,
    load_average,
    postgres_reachable,
    voice_site,
    worker_settings,
)
from _tablets import (
    AUDIENCES,
    Tablet,
    Timings,
    floor_journey,
    median,
    percentile,
    run_tablets,
    voice_journey,
)

FLOOR = "floor"


@dataclass(frozen=True)
class Level:
    """One site at one number of tablets, measured over ``seconds``."""

    site: str
    tablets: int
    seconds: float
    timings: Timings

    @property
    def requests_per_second(self) -> float:
        return self.timings.requests / self.seconds if self.seconds else 0.0

    def milliseconds(self, values: list[float], share: float | None) -> float:
        seconds = median(values) if share is None else percentile(values, share)
        return seconds * 1000


def measure_floor(
    levels: Sequence[int], seconds: float, warmup: float, settings: list[str], questions: int
):
    results = []
    with (
        floor_site(questions) as (folder, env),
        gunicorn("floor_app:app", env, settings, folder) as site,
    ):
        for tablets in levels:
            timings, elapsed = run_tablets(
                site.host, site.port, tablets, seconds, _floor, warmup=warmup
            )
            results.append(Level(FLOOR, tablets, elapsed, timings))
            print(f"[{FLOOR}] {tablets} tablets: {timings.journeys} journeys", flush=True)
        print(f"[{FLOOR}] {floor_answers(folder):,} answer rows written", flush=True)
    return results


def _floor(tablet: Tablet, _index: int, rng) -> None:
    floor_journey(tablet, rng)


def measure_voice(
    database: str,
    levels: Sequence[int],
    seconds: float,
    warmup: float,
    settings: list[str],
    postgres_url: str,
) -> list[Level]:
    results = []
    with voice_site(database, postgres_url) as site:
        languages = site.languages

        def journey(tablet: Tablet, index: int, rng) -> None:
            language = languages[index % len(languages)]
            audience = AUDIENCES[(index // len(languages) + index) % len(AUDIENCES)]
            voice_journey(tablet, site.session_code, language, audience, rng)

        with gunicorn(site.app_spec, site.env, settings) as served:
            for tablets in levels:
                timings, elapsed = run_tablets(
                    served.host, served.port, tablets, seconds, journey, warmup=warmup
                )
                results.append(Level(database, tablets, elapsed, timings))
                print(
                    f"[{database}] {tablets} tablets: {timings.journeys} journeys, "
                    f"{len(timings.failures)} failed",
                    flush=True,
                )
    return results


def requests_per_journey(levels: Sequence[Level]) -> dict[str, float]:
    """Per site, the requests a whole journey takes (over every journey finished at any
    level: a journey is the same walk however many tablets walk at once)."""
    pooled: dict[str, list[int]] = {}
    for level in levels:
        pooled.setdefault(level.site, []).extend(level.timings.journey_requests)
    return {site: sum(n) / len(n) if n else math.nan for site, n in pooled.items()}


def journeys_per_second(levels: Sequence[Level]) -> dict[tuple[str, int], float]:
    """Work done, in whole journeys: requests per second over requests per journey.

    Counting only the journeys finished inside the window would read 0 whenever one
    journey takes longer than the window (64 tablets at once on a loaded machine).
    """
    per_journey = requests_per_journey(levels)
    return {
        (level.site, level.tablets): level.requests_per_second / per_journey[level.site]
        for level in levels
    }


def report(levels: Sequence[Level], settings_source: str) -> str:
    rates = journeys_per_second(levels)
    per_journey = requests_per_journey(levels)
    floor_requests = {
        level.tablets: level.requests_per_second for level in levels if level.site == FLOOR
    }
    lines = [
        "",
        f"Server benchmark: gunicorn {settings_source}; every site on 127.0.0.1 with the same "
        "settings. journeys/s = req/s over req/journey; done = journeys finished in the "
        "window; latencies in ms; ratio = journeys/s against the floor's five-question "
        "survey at the same level; same length = against a floor survey with as many pages "
        "as our journey (the floor's req/s hardly depends on how many questions it asks, so "
        "this is the ratio of requests per second).",
        f"{'site':<10}{'tablets':>8}{'journeys/s':>12}{'done':>6}{'req/s':>8}{'req/journey':>12}"
        f"{'GET q p50':>11}{'p99':>8}{'POST p50':>10}{'p99':>8}{'failed':>8}{'ratio':>8}"
        f"{'same length':>13}",
    ]
    for level in levels:
        t = level.timings
        rate = rates[(level.site, level.tablets)]
        floor = rates.get((FLOOR, level.tablets), math.nan)
        same_length = level.requests_per_second / (floor_requests.get(level.tablets) or math.nan)
        lines.append(
            f"{level.site:<10}{level.tablets:>8}{rate:>12.1f}{t.journeys:>6}"
            f"{level.requests_per_second:>8.0f}{per_journey[level.site]:>12.1f}"
            f"{level.milliseconds(t.question_gets, None):>11.1f}"
            f"{level.milliseconds(t.question_gets, 0.99):>8.1f}"
            f"{level.milliseconds(t.answer_posts, None):>10.1f}"
            f"{level.milliseconds(t.answer_posts, 0.99):>8.1f}"
            f"{len(t.failures):>8}{rate / floor:>7.0%} {same_length:>12.0%}".replace("nan%", " -")
        )
    failures = [f for level in levels for f in level.timings.failures]
    if failures:
        lines.append(f"First failure: {failures[0]}")
    lines.append(
        "The tablets run as threads of this process on the same CPUs, so part of each "
        f"figure is the load driver's own work. {load_average()} at the end."
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tablets", default="8,64", help="comma-separated levels (default 8,64)")
    parser.add_argument(
        "--seconds", type=float, default=10, help="timed seconds per level (default 10)"
    )
    parser.add_argument(
        "--warmup", type=float, default=3, help="untimed seconds before each level (default 3)"
    )
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite and/or postgres")
    parser.add_argument(
        "--floor-questions",
        type=int,
        default=FLOOR_QUESTIONS,
        help=f"questions in the floor's survey (default {FLOOR_QUESTIONS}, as the issue's floor)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("VOICE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL server to make a throwaway database on",
    )
    args = parser.parse_args(argv)
    args.tablets = [int(n) for n in args.tablets.split(",") if n.strip()]
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if set(args.databases) - {"sqlite", "postgres"} or not args.tablets:
        parser.error("--databases takes sqlite and/or postgres; --tablets at least one level")
    if min(args.tablets) < 1 or not 0 < args.seconds <= 120:
        parser.error("--tablets must be at least 1 and --seconds between 0 and 120")
    if not 1 <= args.floor_questions <= 100:
        parser.error("--floor-questions must be between 1 and 100")
    return args


def main(argv: Sequence[str] | None = None) -> list[Level]:
    args = parse_args(argv)
    settings, source = worker_settings()
    print(f"gunicorn settings: {source}; {load_average()}", flush=True)
    levels = measure_floor(args.tablets, args.seconds, args.warmup, settings, args.floor_questions)
    for database in args.databases:
        if database == "postgres" and (why := postgres_reachable(args.postgres_url)):
            print(f"[postgres] skipped: not reachable: {why}", flush=True)
            continue
        levels += measure_voice(
            database, args.tablets, args.seconds, args.warmup, settings, args.postgres_url
        )
    print(report(levels, source), flush=True)
    return levels


if __name__ == "__main__":
    main()

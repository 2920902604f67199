"""Benchmark: peak memory (RSS) of one gunicorn worker after 10,000 answers.

Family Voice runs under gunicorn with one worker (its threads as recommended) on a fresh
SQLite database with the demo content; simulated tablets walk whole journeys on
127.0.0.1 until they have posted the answers asked for, or the time runs out. The
worker's peak RSS (VmHWM) is read from /proc. See bench/README.md.

    .venv/bin/python bench/memory.py [--answers 10000] [--tablets 16] [--max-seconds 240]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench's own modules

from _sites import (
    DEFAULT_POSTGRES_URL,
    GUNICORN_CONF,
    gunicorn,
    load_average,
    voice_site,
    worker_settings,
)
from _tablets import AUDIENCES, Tablet, run_tablets, voice_journey


@dataclass(frozen=True)
class Memory:
    database: str
    answers: int
    journeys: int
    seconds: float
    rss_start_kib: int
    rss_half_kib: int  # when half the answers were in: growth after it is not warm-up
    rss_end_kib: int
    peak_kib: int
    failures: int


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/status")


def one_worker_settings() -> list[str]:
    """The recommended settings, but one worker that is never recycled.

    gunicorn.conf.py restarts a worker after about 5,000 requests, which would hide the
    growth this measures. Command-line flags win over the file.
    """
    settings, _source = worker_settings()
    if GUNICORN_CONF.exists():
        return [*settings, "--workers", "1", "--max-requests", "0"]
    return ["--workers", "1", "--threads", settings[settings.index("--threads") + 1]]


def measure(database: str, answers: int, tablets: int, max_seconds: float, postgres_url: str):
    with voice_site(database, postgres_url) as site:
        languages = site.languages

        def journey(tablet: Tablet, index: int, rng) -> None:
            audience = AUDIENCES[index % len(AUDIENCES)]
            voice_journey(
                tablet, site.session_code, languages[index % len(languages)], audience, rng
            )

        with gunicorn(site.app_spec, site.env, one_worker_settings()) as served:
            (worker,) = served.worker_pids()
            start = _status_kib(worker, "VmRSS")
            at_half: list[int] = []

            def enough(devices: list[Tablet]) -> bool:
                posted = sum(len(d.timings.answer_posts) for d in devices)
                if posted >= answers / 2 and not at_half:
                    at_half.append(_status_kib(worker, "VmRSS"))
                return posted >= answers

            timings, elapsed = run_tablets(
                served.host, served.port, tablets, max_seconds, journey, stop_when=enough
            )
            result = Memory(
                database,
                len(timings.answer_posts),
                timings.journeys,
                elapsed,
                start,
                at_half[0] if at_half else 0,
                _status_kib(worker, "VmRSS"),
                _status_kib(worker, "VmHWM"),
                len(timings.failures),
            )
    return result


def report(result: Memory, asked: int) -> str:
    mib = 1024
    reached = "" if result.answers >= asked else f" (time ran out before {asked:,})"
    half = (
        f"at {asked // 2:,} answers {result.rss_half_kib / mib:.1f} MiB,"
        if result.rss_half_kib
        else "(half the answers not reached),"
    )
    return "\n".join(
        [
            "",
            f"Memory of one gunicorn worker on {result.database}: {result.answers:,} answers"
            f"{reached} in {result.journeys:,} journeys over {result.seconds:.0f} s, "
            f"{result.failures} failed",
            f"RSS after start {result.rss_start_kib / mib:.1f} MiB, {half} "
            f"at the end {result.rss_end_kib / mib:.1f} MiB, "
            f"peak (VmHWM) {result.peak_kib / mib:.1f} MiB",
            f"{load_average()} at the end.",
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--tablets", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=240)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args(argv)
    if args.answers < 1 or args.tablets < 1 or not 0 < args.max_seconds <= 900:
        parser.error("--answers and --tablets at least 1, --max-seconds up to 900")
    return args


def main(argv: Sequence[str] | None = None) -> Memory:
    args = parse_args(argv)
    result = measure(args.database, args.answers, args.tablets, args.max_seconds, args.postgres_url)
    print(report(result, args.answers), flush=True)
    return result


if __name__ == "__main__":
    main()

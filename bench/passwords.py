"""Time argon2id with the app's parameters against the OWASP minimum.

Hashes and verifies a password N times with the configured parameters (the defaults in
voice_app/config.py, or --time-cost/--memory-kib for a deployment's own) and with the
OWASP minimum (m=19 MiB, t=2, p=1), and prints the median milliseconds per hash and
per verification with the ratio to the OWASP minimum. A sign-in costs one verification
(plus one hash when the parameters changed and the stored hash is upgraded).

    .venv/bin/python bench/passwords.py            # up to 7 runs each, at most ~20 s
    .venv/bin/python bench/passwords.py --runs 15 --time-cost 4 --memory-kib 131072
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from argon2 import PasswordHasher

from voice_app.config import Defaults
from voice_app.passwords import OWASP_MIN_MEMORY_KIB, OWASP_MIN_TIME_COST

SAMPLE = "correct horse battery staple"  # hashed and thrown away


@dataclass(frozen=True)
class Timing:
    label: str
    time_cost: int
    memory_kib: int
    hash_ms: float
    verify_ms: float
    runs: int  # the fewest of the two series (the time budget may cut them short)


def _median_ms(action: Callable[[], object], runs: int, budget_s: float) -> tuple[float, int]:
    """Median of up to ``runs`` timings, fewer once ``budget_s`` is spent (at least one)."""
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < runs and (not samples or time.perf_counter() < deadline):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), len(samples)


def measure(label: str, time_cost: int, memory_kib: int, runs: int, budget_s: float) -> Timing:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
    stored = hasher.hash(SAMPLE)  # warm-up: the first allocation of the memory
    hash_ms, hash_runs = _median_ms(lambda: hasher.hash(SAMPLE), runs, budget_s / 2)
    verify_ms, verify_runs = _median_ms(lambda: hasher.verify(stored, SAMPLE), runs, budget_s / 2)
    return Timing(label, time_cost, memory_kib, hash_ms, verify_ms, min(hash_runs, verify_runs))


def table(timings: Sequence[Timing], baseline: Timing) -> str:
    lines = [
        f"{'parameters':<24} {'t':>2} {'memory':>9} {'hash ms':>9} {'verify ms':>10} "
        f"{'x OWASP min':>12} {'runs':>5}",
    ]
    for timing in timings:
        lines.append(
            f"{timing.label:<24} {timing.time_cost:>2} {timing.memory_kib // 1024:>6} MiB "
            f"{timing.hash_ms:>9.1f} {timing.verify_ms:>10.1f} "
            f"{timing.hash_ms / baseline.hash_ms:>12.2f} {timing.runs:>5}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (median)")
    parser.add_argument(
        "--budget-seconds",
        type=float,
        default=16.0,
        help="stop adding runs once this much time is spent (make bench wants < 30 s)",
    )
    parser.add_argument("--time-cost", type=int, default=Defaults.ARGON2_TIME_COST)
    parser.add_argument("--memory-kib", type=int, default=Defaults.ARGON2_MEMORY_KIB)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    # Most of the budget for the configured parameters: they are the slower ones.
    budget = args.budget_seconds
    baseline = measure(
        "OWASP minimum", OWASP_MIN_TIME_COST, OWASP_MIN_MEMORY_KIB, args.runs, budget / 4
    )
    configured = measure(
        "configured (p=1)", args.time_cost, args.memory_kib, args.runs, budget * 3 / 4
    )
    print(f"argon2id, median of up to {args.runs} runs, load average {os.getloadavg()[0]:.2f}")
    print(table([configured, baseline], baseline))
    below = (
        configured.time_cost < OWASP_MIN_TIME_COST or configured.memory_kib < OWASP_MIN_MEMORY_KIB
    )
    if below:
        print("The configured parameters are BELOW the OWASP minimum.")
    return 1 if below else 0


if __name__ == "__main__":
    raise SystemExit(main())

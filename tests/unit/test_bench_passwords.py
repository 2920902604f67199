"""bench/passwords.py runs, prints both rows with a ratio, and flags weak parameters."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "passwords.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_passwords", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def test_prints_milliseconds_and_the_ratio_to_the_owasp_minimum(capsys):
    bench = load_bench()
    argv = ["--runs", "1", "--time-cost", "2", "--memory-kib", "19456", "--budget-seconds", "1"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    rows = {
        line.split("  ")[0]: line.split()
        for line in out.splitlines()
        if line.startswith(("configured", "OWASP"))
    }
    assert rows["OWASP minimum"][-2] == "1.00"
    assert re.fullmatch(r"\d+\.\d{2}", rows["configured (p=1)"][-2])
    assert "BELOW" not in out


def test_parameters_below_the_owasp_minimum_are_called_out(capsys):
    bench = load_bench()
    assert bench.main(["--runs", "1", "--time-cost", "1", "--memory-kib", "1024"]) == 1
    assert "BELOW the OWASP minimum" in capsys.readouterr().out

"""Secrets, databases and compiled catalogues never enter the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tracked_files() -> list[str]:
    try:
        result = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return result.stdout.splitlines()


def test_no_keys_databases_or_compiled_catalogues_are_tracked():
    forbidden = re.compile(
        r"(secret_key|pseudonym_key|demo_logins\.json|\.db$|\.sqlite$|\.mo$|"
        r"\.pem$|\.key$)"
    )
    tracked = tracked_files()
    assert [f for f in tracked if forbidden.search(f)] == []
    assert [f for f in tracked if f.startswith("instance/") and f != "instance/.gitkeep"] == []


def test_no_hard_coded_secret_in_code():
    pattern = re.compile(r"""(SECRET_KEY|PSEUDONYM_KEY)\s*=\s*["'][^"']{8,}["']""")
    offenders = []
    for name in tracked_files():
        if name.startswith("tests/") or not name.endswith((".py", ".cfg", ".toml", ".ini")):
            continue
        if pattern.search((ROOT / name).read_text(encoding="utf-8", errors="ignore")):
            offenders.append(name)
    assert offenders == []


def test_instance_folder_is_ignored_by_git():
    ignored = subprocess.run(
        ["git", "check-ignore", "instance/secret_key", "instance/voice.db"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.stdout.split() == ["instance/secret_key", "instance/voice.db"]

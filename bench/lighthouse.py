"""Benchmark: Lighthouse performance and accessibility of the first question page (mobile).

Family Voice runs under gunicorn on a fresh SQLite database with the demo content; a
person is walked to the first question over HTTP, then npm ``lighthouse`` (12, from
package.json) audits that page in Debian's Chromium with its default mobile settings
(emulated phone, simulated slow 4G and CPU slowdown), sending the person's cookie. As
in page_weight.py, Chromium sees only DejaVu fonts, so the page's own fonts download.
See bench/README.md.

    .venv/bin/python bench/lighthouse.py [--languages en_GB,ur] [--audience child_8_12]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench's own modules

from _sites import ROOT, gunicorn, load_average, voice_site, worker_settings
from _tablets import AUDIENCES, Tablet, begin_journey
from page_weight import write_fontconfig

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
METRICS = (
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
    ("speed-index", "SI"),
)
PERFORMANCE_GOAL, ACCESSIBILITY_GOAL = 95, 100


@dataclass(frozen=True)
class Audit:
    language: str
    path: str
    performance: int
    accessibility: int
    metrics: dict[str, str]
    failed_accessibility: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.performance >= PERFORMANCE_GOAL and self.accessibility >= ACCESSIBILITY_GOAL


def run_lighthouse(url: str, cookie: str, fonts: Path) -> dict:
    output = fonts / "report.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--only-categories=performance,accessibility",
        "--output=json",
        f"--output-path={output}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--extra-headers",
        json.dumps({"Cookie": cookie}),
    ]
    env = {
        **os.environ,
        "CHROME_PATH": "/usr/bin/chromium",
        "FONTCONFIG_FILE": str(fonts / "fonts.conf"),
    }
    subprocess.run(command, env=env, check=True, timeout=180, capture_output=True)
    return json.loads(output.read_text(encoding="utf-8"))


def audit_first_page(site, served, language: str, audience: str, fonts: Path) -> Audit:
    tablet = Tablet(served.host, served.port, deadline=float("inf"))
    path = begin_journey(tablet, site.session_code, language, audience)
    tablet.connection.close()
    report = run_lighthouse(served.base_url + path, tablet.cookie_header(), fonts)
    categories, audits = report["categories"], report["audits"]
    accessibility_refs = categories["accessibility"]["auditRefs"]
    failed = tuple(
        ref["id"]
        for ref in accessibility_refs
        if ref.get("weight") and (audits[ref["id"]].get("score") or 0) < 1
    )
    return Audit(
        language,
        path,
        round(categories["performance"]["score"] * 100),
        round(categories["accessibility"]["score"] * 100),
        {short: audits[name]["displayValue"] for name, short in METRICS},
        failed,
    )


def report(audits: Sequence[Audit]) -> str:
    lines = [
        "",
        "Lighthouse 12, mobile defaults, first question page (goals: performance >= 95, "
        "accessibility 100)",
        f"{'lang':<7}{'perf':>5}{'a11y':>5}  "
        + "".join(f"{short:>9}" for _, short in METRICS)
        + "  goals",
    ]
    for audit in audits:
        lines.append(
            f"{audit.language:<7}{audit.performance:>5}{audit.accessibility:>5}  "
            + "".join(f"{audit.metrics[short]:>9}" for _, short in METRICS)
            + ("  met" if audit.passed else "  NOT MET")
            + (
                f" (accessibility: {', '.join(audit.failed_accessibility)})"
                if audit.failed_accessibility
                else ""
            )
        )
    lines.append(
        f"Under {load_average()}: Lighthouse simulates the slow phone, so the "
        "machine's own load moves the scores less than it moves wall times."
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--languages", default="en_GB,ur", help="comma-separated codes")
    parser.add_argument("--audience", default="child_8_12", choices=AUDIENCES)
    args = parser.parse_args(argv)
    args.languages = [code for code in args.languages.split(",") if code]
    return args


def main(argv: Sequence[str] | None = None) -> list[Audit]:
    args = parse_args(argv)
    if not LIGHTHOUSE.exists():
        raise SystemExit("lighthouse is not installed: run `npm ci` (package.json has it)")
    settings, _source = worker_settings()
    audits = []
    with (
        tempfile.TemporaryDirectory(prefix="voice-bench-lighthouse-") as folder,
        voice_site("sqlite") as site,
        gunicorn(site.app_spec, site.env, settings) as served,
    ):
        fonts = Path(folder)
        write_fontconfig(fonts)
        for language in args.languages:
            audits.append(audit_first_page(site, served, language, args.audience, fonts))
            print(
                f"[{language}] performance {audits[-1].performance}, "
                f"accessibility {audits[-1].accessibility}",
                flush=True,
            )
    print(report(audits), flush=True)
    return audits


if __name__ == "__main__":
    main()

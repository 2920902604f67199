"""Benchmark: the bytes a participant's question pages transfer, in every shipped language.

Family Voice runs under gunicorn on a fresh SQLite database with the demo content. For
each language and audience, a person is walked to the first question over HTTP; then
headless Chromium, seeing only DejaVu fonts (a tablet without any Noto font, so every
font the page's CSS asks for is downloaded), opens the first question page cold and
skips through the following pages to the end. Every resource is counted except audio.
See bench/README.md.

    .venv/bin/python bench/page_weight.py [--languages all|en,ur,...]
        [--audiences rotate|all|child_4_7,...] [--following rotate|all|none]
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench's own modules

from _sites import gunicorn, load_average, voice_site, worker_settings
from _tablets import AUDIENCES, Tablet, begin_journey

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
KB = 1024
FIRST_PAGE_BUDGET = 30 * KB
FOLLOWING_PAGE_BUDGET = 8 * KB
CSS_BUDGET = 10 * KB
JS_BUDGET = 5 * KB
KINDS = ("html", "css", "js", "font", "image")
# Fonts and raster images are already compressed: they travel as they are.
ALREADY_COMPRESSED = ("font", "woff", "png", "jpeg", "webp", "opus", "mp4", "aac")
FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def write_fontconfig(folder: Path) -> Path:
    """A fontconfig that knows only DejaVu: Chromium then has no Noto font of its own."""
    conf = folder / "fonts.conf"
    conf.write_text(FONTCONFIG.format(cache=folder / "cache"), encoding="utf-8")
    return conf


@dataclass
class Resource:
    url: str
    kind: str
    raw: int
    gzipped: int


@dataclass
class PageWeight:
    path: str
    resources: list[Resource] = field(default_factory=list)

    def total(self, gzipped: bool = True, kind: str | None = None) -> int:
        return sum(
            r.gzipped if gzipped else r.raw for r in self.resources if kind in (None, r.kind)
        )


@dataclass
class Walk:
    language: str
    audience: str
    first: PageWeight
    following: list[PageWeight]

    @property
    def heaviest_following(self) -> PageWeight | None:
        return max(self.following, key=PageWeight.total, default=None)

    def failures(self) -> list[str]:
        problems = []
        if self.first.total() > FIRST_PAGE_BUDGET:
            problems.append(f"first page {self.first.total() / KB:.1f} KB > 30 KB")
        if self.first.total(kind="css") > CSS_BUDGET:
            problems.append(f"CSS {self.first.total(kind='css') / KB:.1f} KB > 10 KB")
        if self.first.total(kind="js") > JS_BUDGET:
            problems.append(f"JS {self.first.total(kind='js') / KB:.1f} KB > 5 KB")
        heaviest = self.heaviest_following
        if heaviest and heaviest.total() > FOLLOWING_PAGE_BUDGET:
            problems.append(f"{heaviest.path} {heaviest.total() / KB:.1f} KB > 8 KB")
        return problems


def kind_of(resource_type: str, content_type: str, url: str) -> str:
    if resource_type == "document":
        return "html"
    if resource_type == "stylesheet" or content_type.startswith("text/css"):
        return "css"
    if resource_type == "script" or "javascript" in content_type:
        return "js"
    if resource_type == "font" or url.endswith((".woff2", ".woff", ".ttf")):
        return "font"
    if resource_type == "image" or content_type.startswith("image/"):
        return "image"
    return resource_type


def weigh(url: str, kind: str, content_type: str, body: bytes) -> Resource:
    compressed = kind == "font" or any(word in content_type for word in ALREADY_COMPRESSED)
    gzipped = len(body) if compressed else len(gzip.compress(body, compresslevel=6, mtime=0))
    return Resource(url, kind, len(body), min(len(body), gzipped))


class Recorder:
    """Every response the page receives, from the moment ``start`` is called."""

    def __init__(self, page) -> None:
        self.page = page
        self.seen: set[str] = set()
        self.current: PageWeight | None = None
        page.on("response", self._on_response)

    def start(self) -> None:
        self.current = PageWeight("")

    def stop(self) -> PageWeight:
        self.page.wait_for_load_state("networkidle")
        self.page.evaluate("document.fonts.ready.then(() => true)")
        weight, self.current = self.current, None
        weight.path = urlsplit(self.page.url).path
        return weight

    def _on_response(self, response) -> None:
        if self.current is None:
            return
        request = response.request
        url = response.url
        if "/audio/" in url or request.resource_type == "media":
            return  # no audio in the budget
        # A resource already loaded by an earlier page is cached (hashed static names).
        if request.resource_type != "document" and url in self.seen:
            return
        self.seen.add(url)
        try:
            body = response.body()
        except Exception:  # a redirect has no body the browser keeps
            body = b""
        content_type = response.headers.get("content-type", "")
        kind = kind_of(request.resource_type, content_type, url)
        self.current.resources.append(weigh(url, kind, content_type, body))


def walk(
    browser,
    site,
    base_url: str,
    host: str,
    port: int,
    language: str,
    audience: str,
    following: bool,
) -> Walk:
    tablet = Tablet(host, port, deadline=float("inf"))
    first_path = begin_journey(tablet, site.session_code, language, audience)
    tablet.connection.close()
    context = browser.new_context(viewport={"width": 810, "height": 1080}, has_touch=True)
    # The person's cookie, in the browser's own jar so it also goes with the requests that
    # follow a redirect (Chromium treats 127.0.0.1 as secure, so a Secure __Host- cookie
    # may be set there).
    context.add_cookies(
        [
            {
                "name": name,
                "value": value,
                "domain": host,
                "path": "/",
                "secure": True,
                "httpOnly": True,
            }
            for name, value in tablet.cookies.items()
        ]
    )
    page = context.new_page()
    recorder = Recorder(page)
    try:
        recorder.start()
        page.goto(base_url + first_path)
        first = recorder.stop()
        pages = []
        while following and urlsplit(page.url).path != "/thanks":
            # Skip each question, then "No" to talking to someone, which leads to thanks.
            on_talk = urlsplit(page.url).path == "/talk"
            button = "button[name=talk][value=no]" if on_talk else "button[value=skip]"
            recorder.start()
            with page.expect_navigation():
                page.locator(button).first.click()
            pages.append(recorder.stop())
    finally:
        context.close()
    return Walk(language, audience, first, pages)


def _kb(value: int) -> str:
    return f"{value / KB:.1f}"


def report(walks: Sequence[Walk]) -> str:
    lines = [
        "",
        "Page weight in KB (1024 bytes), gzip -6 of HTML, CSS, JS and SVG; fonts and raster "
        "images as they are. First = first question page, cold, everything but audio; "
        "following = each later page (question, talk, thanks) with earlier resources cached.",
        f"{'lang':<7}{'audience':<13}{'html':>6}{'css':>6}{'js':>6}{'fonts':>7}{'images':>7}"
        f"{'first':>7}{'raw':>7}{'next max':>9}  {'heaviest next':<14}{'budgets'}",
    ]
    for w in walks:
        heaviest = w.heaviest_following
        problems = w.failures()
        lines.append(
            f"{w.language:<7}{w.audience:<13}"
            + "".join(
                f"{_kb(w.first.total(kind=k)):>{6 if k in ('html', 'css', 'js') else 7}}"
                for k in KINDS
            )
            + f"{_kb(w.first.total()):>7}{_kb(w.first.total(gzipped=False)):>7}"
            + f"{(_kb(heaviest.total()) if heaviest else '-'):>9}  "
            + f"{(heaviest.path if heaviest else '-'):<14}"
            + ("pass" if not problems else "FAIL: " + "; ".join(problems))
        )
    fonts = sorted(
        {
            (r.url.rsplit("/", 1)[-1], r.raw)
            for w in walks
            for r in w.first.resources
            if r.kind == "font"
        }
    )
    if fonts:
        lines.append("Fonts downloaded: " + ", ".join(f"{n} {_kb(b)}" for n, b in fonts))
    passed = sum(not w.failures() for w in walks)
    lines.append(
        f"{passed} of {len(walks)} walks within every budget (first <= 30 KB, CSS <= 10 KB, "
        f"JS <= 5 KB, each following page <= 8 KB); {load_average()}."
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--languages", default="all", help="all, or comma-separated codes")
    parser.add_argument(
        "--audiences",
        default="rotate",
        help="rotate (one audience per language, in turn: the default), all, or comma-separated",
    )
    parser.add_argument(
        "--following",
        choices=("rotate", "all", "none"),
        default="rotate",
        help="walk on through the following pages with one audience per language in turn "
        "(default), with every audience, or not at all",
    )
    args = parser.parse_args(argv)
    if args.audiences != "rotate":
        args.audiences = list(AUDIENCES) if args.audiences == "all" else args.audiences.split(",")
    if args.audiences != "rotate" and set(args.audiences) - set(AUDIENCES):
        parser.error(f"--audiences takes {', '.join(AUDIENCES)}")
    return args


def main(argv: Sequence[str] | None = None) -> list[Walk]:
    from playwright.sync_api import sync_playwright

    args = parse_args(argv)
    settings, _source = worker_settings()
    walks = []
    with (
        tempfile.TemporaryDirectory(prefix="voice-bench-fonts-") as fonts,
        voice_site("sqlite") as site,
        gunicorn(site.app_spec, site.env, settings) as served,
        sync_playwright() as playwright,
    ):
        conf = write_fontconfig(Path(fonts))
        languages = site.languages if args.languages == "all" else args.languages.split(",")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            env={**os.environ, "FONTCONFIG_FILE": str(conf)},
        )
        try:
            for turn, language in enumerate(languages):
                in_turn = AUDIENCES[turn % len(AUDIENCES)]  # one audience per language
                for audience in [in_turn] if args.audiences == "rotate" else args.audiences:
                    following = args.following == "all" or (
                        args.following == "rotate" and audience == in_turn
                    )
                    walks.append(
                        walk(
                            browser,
                            site,
                            served.base_url,
                            served.host,
                            served.port,
                            language,
                            audience,
                            following,
                        )
                    )
                    print(
                        f"[{language} {audience}] first {_kb(walks[-1].first.total())} KB",
                        flush=True,
                    )
        finally:
            browser.close()
    print(report(walks), flush=True)
    return walks


if __name__ == "__main__":
    main()

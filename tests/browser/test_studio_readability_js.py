"""studio.js in Chromium: its live reading-level estimate agrees with the server's check.

The page is built with ``page.set_content`` and studio.js is added from disk, so no server
runs and nothing may be requested. The same fixture texts as the unit tests are typed for
every audience; the live report must name the same hints as
``voice_app.readability.hints()`` (same words, sentence numbers and counts) and show a
grade within 1.0 of the server's (studio.js estimates syllables; the server uses the CMU
dictionary). The recorder is checked with Chromium's fake microphone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from html import escape

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Route,
    expect,
)

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, ROOT
from tests.unit.test_readability import AUDIENCE_FIXTURES
from tests.unit.test_readability_fixtures import FIXTURES
from voice_app.readability import (
    AUDIENCE_TARGETS,
    GRADE_MIN_WORDS,
    HintKind,
    browser_rules,
    hints,
    reading_level,
)
from voice_app.security import CONTENT_SECURITY_POLICY

STUDIO_JS = ROOT / "static" / "js" / "studio.js"
GRADE_TOLERANCE = 1.0

# Templates that read back easily: each hint becomes a tuple of its fields.
PROBE_MESSAGES = {
    "summary": "SUMMARY|%(words)s|%(limit)s|%(grade)s|%(target)s",
    "short_note": "SHORT",
    "long_sentence": "long_sentence|%(sentence)s|%(words)s|%(limit)s",
    "grade_too_high": "grade_too_high|%(grade)s|%(limit)s",
    "long_word": "long_word|%(word)s|%(syllables)s",
    "plainer_word": "plainer_word|%(word)s|%(suggestion)s",
    "ok": "OK",
    "estimate": "ESTIMATE",
}
# The English source of the real templates (voice_app/codesign/messages.py).
ENGLISH_MESSAGES = {
    "summary": (
        "Longest sentence: %(words)s words (aim for %(limit)s or fewer). "
        "Reading grade: %(grade)s (aim for %(target)s or lower)."
    ),
    "short_note": "Short texts give unsteady grades: check the whole flow too.",
    "long_sentence": (
        "Sentence %(sentence)s has %(words)s words. Try %(limit)s or fewer, or make two sentences."
    ),
    "grade_too_high": (
        "The reading grade is %(grade)s. Aim for %(limit)s or lower. "
        "Use shorter words and shorter sentences."
    ),
    "long_word": '"%(word)s" is a long word (%(syllables)s beats). Is there a shorter one?',
    "plainer_word": 'Try "%(suggestion)s" instead of "%(word)s".',
    "ok": "Easy to read for this age group.",
    "estimate": "Estimate while you type. Saving checks it exactly.",
}

# Texts that exercise the ported sentence and word rules: curly apostrophes, the Unicode
# hyphen, closing quotes and brackets after a full stop, line breaks, letters outside
# ASCII, digits, repeated words in other cases, and a full stop with no space after it.
PORTING_TEXTS = [
    "\u201cStop!\u201d she said. (Then we went home.) We had tea\nand cake with my mum and dad.",
    "I don\u2019t know. My grown\u2010ups help. Zo\u00eb and Jos\u00e9 went to a caf\u00e9 at 10.",
    # For the grade, textstat (and so studio.js) reads "three.Two" as one word.
    "One two three four five six six five four three.Two one? Yes.\n\n\nNo it is not",
    "Approximately ten of us came. APPROXIMATELY. approximately! Do you Require help?",
    "Line one has words in it\nline two has more words in it too\n   \nline three",
]


def _page_html(fields: list[tuple[str, str]], messages: dict[str, str], lang: str) -> str:
    """A studio-like form: one text box and report container per (field id, audience)."""
    boxes = "".join(
        f'<label for="{field}">Text {field}</label>'
        f'<textarea id="{field}" name="{field}" data-readability-audience="{audience}">'
        "</textarea>"
        f'<div class="fv-readability" id="{field}-readability" aria-live="polite">'
        '<p class="fv-readability__summary">Saved report</p></div>'
        for field, audience in fields
    )
    rules = escape(json.dumps(browser_rules()), quote=True)
    msgs = escape(json.dumps(messages), quote=True)
    return (
        f'<!doctype html><html lang="{lang}"><head><title>Studio</title></head><body><main>'
        f'<form method="post" data-readability-rules="{rules}" '
        f'data-readability-messages="{msgs}">{boxes}<button>Save</button></form>'
        "</main></body></html>"
    )


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page with nothing to reach: every request is recorded and refused."""
    context = browser.new_context(locale="en-GB")
    requests: list[str] = []

    def refuse(route: Route) -> None:
        route.abort()

    context.route("**/*", refuse)
    page = context.new_page()
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, requests
    context.close()
    assert errors == []


def _load(page: Page, fields: list[tuple[str, str]], messages: dict[str, str], lang: str) -> None:
    page.set_content(_page_html(fields, messages, lang))
    page.add_script_tag(path=str(STUDIO_JS))


def _reports(page: Page, count: int) -> list[dict[str, object]]:
    """Wait for every live report, then read them back."""
    page.wait_for_function(
        "n => document.querySelectorAll('.fv-readability__estimate').length === n", arg=count
    )
    return page.evaluate(
        """() => [...document.querySelectorAll('.fv-readability')].map(box => ({
            shape: [...box.children].map(el => el.tagName + '.' + el.className),
            summary: box.querySelector('.fv-readability__summary').textContent,
            hints: [...box.querySelectorAll('li')].map(li => li.textContent),
            ok: box.querySelector('.fv-readability__ok')?.textContent ?? null,
        }))"""
    )


def _type_all(page: Page, texts: list[tuple[str, str]]) -> list[dict[str, object]]:
    fields = [(f"text-{i}", audience) for i, (audience, _) in enumerate(texts)]
    _load(page, fields, PROBE_MESSAGES, "en-GB")
    for (field, _), (_, text) in zip(fields, texts, strict=True):
        page.fill(f"#{field}", text)
    return _reports(page, len(texts))


def _server_view(text: str, audience: str) -> tuple[list[tuple[str, ...]], float | None]:
    """The server's hints as probe tuples (the grade hint without its number), and its grade."""
    found: list[tuple[str, ...]] = []
    grade = None
    for hint in hints(text, audience):
        if hint.kind is HintKind.LONG_SENTENCE:
            found.append((hint.kind.value, str(hint.sentence), str(hint.words), f"{hint.limit:g}"))
        elif hint.kind is HintKind.GRADE_TOO_HIGH:
            found.append((hint.kind.value, f"{hint.limit:.1f}"))
            grade = hint.grade
        elif hint.kind is HintKind.LONG_WORD:
            found.append((hint.kind.value, str(hint.word), str(hint.syllables)))
        else:
            found.append((hint.kind.value, str(hint.word), str(hint.suggestion)))
    return found, grade


def _browser_view(report: dict[str, object]) -> tuple[list[tuple[str, ...]], float | None]:
    found: list[tuple[str, ...]] = []
    grade = None
    for line in report["hints"]:  # type: ignore[union-attr]
        parts = tuple(line.split("|"))
        if parts[0] == HintKind.GRADE_TOO_HIGH.value:
            grade = float(parts[1])
            parts = (parts[0], parts[2])
        found.append(parts)
    return found, grade


def _compare(audience: str, text: str, report: dict[str, object]) -> list[str]:
    """Differences between the live report and the server's check of ``text``."""
    problems = []
    level = reading_level(text)
    target = AUDIENCE_TARGETS[audience]
    summary = str(report["summary"]).split(" ")
    _, longest, limit, grade, aim = summary[0].split("|")
    expected_summary = [str(level.max_words_per_sentence), f"{target.max_words_per_sentence}"]
    if [longest, limit] != expected_summary or aim != f"{target.max_grade:.1f}":
        problems.append(f"summary {report['summary']!r}, server {expected_summary}")
    if abs(float(grade) - level.grade) > GRADE_TOLERANCE:
        problems.append(f"grade {grade}, server {level.grade:.2f}")
    if (summary[1:] == ["SHORT"]) != (level.words < GRADE_MIN_WORDS):
        problems.append(f"short note {summary[1:]}, server counts {level.words} words")
    server_hints, server_grade = _server_view(text, audience)
    browser_hints, browser_grade = _browser_view(report)
    if browser_hints != server_hints:
        problems.append(f"hints {browser_hints}, server {server_hints}")
    if (
        server_grade is not None
        and browser_grade is not None
        and abs(browser_grade - server_grade) > GRADE_TOLERANCE
    ):
        problems.append(f"grade hint {browser_grade}, server {server_grade}")
    if (report["ok"] is not None) == bool(server_hints):
        problems.append(f"ok {report['ok']!r} with server hints {server_hints}")
    return [f"{audience} {text!r}: {problem}" for problem in problems]


def test_live_hints_agree_with_the_server_for_every_audience(
    offline_page: tuple[Page, list[str]],
) -> None:
    page, requests = offline_page
    texts = [
        (audience, text)
        for audience in AUDIENCE_TARGETS
        for fixtures in (FIXTURES[audience], AUDIENCE_FIXTURES[audience])
        for text in fixtures.values()
    ]
    assert len(texts) == 4 * 7
    reports = _type_all(page, texts)
    problems = [
        problem
        for (audience, text), report in zip(texts, reports, strict=True)
        for problem in _compare(audience, text, report)
    ]
    assert problems == [], "\n".join(problems)
    assert requests == []


def test_live_check_ports_the_sentence_and_word_rules(
    offline_page: tuple[Page, list[str]],
) -> None:
    page, requests = offline_page
    texts = [(audience, text) for text in PORTING_TEXTS for audience in AUDIENCE_TARGETS]
    reports = _type_all(page, texts)
    problems = [
        problem
        for (audience, text), report in zip(texts, reports, strict=True)
        for problem in _compare(audience, text, report)
    ]
    assert problems == [], "\n".join(problems)
    assert requests == []


def test_live_report_shape_and_wording(offline_page: tuple[Page, list[str]]) -> None:
    page, requests = offline_page
    _load(page, [("question", "child_4_7"), ("help", "parent_carer")], ENGLISH_MESSAGES, "en-GB")
    box = page.locator("#question-readability")
    expect(box).to_have_text("Saved report")  # the report from the last save stays until typing

    # Typed key by key, so the debounce sees many input events.
    text = "Do the grown-ups at your school listen to you? Is it <b>approximately</b> right?"
    page.locator("#question").press_sequentially(text)
    report = _reports(page, 1)[0]
    assert report["shape"] == [
        "P.fv-readability__summary",
        "UL.fv-readability__hints",
        "P.fv-readability__estimate",
    ]
    summary = re.fullmatch(
        r"Longest sentence: 9 words \(aim for 8 or fewer\)\. Reading grade: (-?\d+\.\d) "
        r"\(aim for 1\.0 or lower\)\. Short texts give unsteady grades: check the whole flow too\.",
        str(report["summary"]),
    )
    assert summary, report["summary"]
    assert abs(float(summary[1]) - reading_level(text).grade) <= GRADE_TOLERANCE
    assert report["hints"] == [
        "Sentence 1 has 9 words. Try 8 or fewer, or make two sentences.",
        'Try "about" instead of "approximately".',
    ]
    assert box.locator("b").count() == 0  # typed text is never markup
    expect(box.locator(".fv-readability__estimate")).to_have_text(ENGLISH_MESSAGES["estimate"])
    expect(page.locator("#help-readability")).to_have_text("Saved report")  # untouched

    page.fill("#help", FIXTURES["parent_carer"]["meets"])
    help_box = page.locator("#help-readability")
    expect(help_box.locator(".fv-readability__ok")).to_have_text(ENGLISH_MESSAGES["ok"])
    expect(help_box.locator(".fv-readability__summary")).not_to_contain_text("Short texts")
    assert help_box.locator("ul").count() == 0

    page.fill("#question", "   ")
    expect(box).to_be_empty()
    assert requests == []


def test_numbers_follow_the_page_language(offline_page: tuple[Page, list[str]]) -> None:
    page, _ = offline_page
    _load(page, [("question", "young_13_17")], PROBE_MESSAGES, "de")
    page.fill("#question", FIXTURES["young_13_17"]["grade"])
    (report,) = _reports(page, 1)
    assert report["summary"].startswith("SUMMARY|7|15|")
    assert report["summary"].endswith("|5,0")  # German decimal comma, as Babel formats it
    assert re.fullmatch(r"grade_too_high\|\d+,\d\|5,0", report["hints"][0])


def test_nothing_happens_without_the_markup(offline_page: tuple[Page, list[str]]) -> None:
    page, requests = offline_page
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Other</title></head><body><main>'
        '<form><label for="t">Text</label><textarea id="t" data-readability-audience="child_4_7">'
        '</textarea><div id="t-readability"></div><input type="file" id="f"></form>'
        "</main></body></html>"
    )
    page.add_script_tag(path=str(STUDIO_JS))
    page.fill("#t", "Approximately.")
    page.wait_for_timeout(400)
    assert page.inner_html("#t-readability") == ""
    assert page.locator("button").count() == 0
    assert requests == []


# --- recording ----------------------------------------------------------------------

RECORDER_FORM = (
    '<form method="post" enctype="multipart/form-data" data-recorder '
    'data-msg-record="Record" data-msg-stop="Stop recording" data-msg-again="Record again" '
    'data-msg-ready="Recording ready. Listen to it, then press Save." '
    'data-msg-denied="We could not use the microphone. You can upload a file instead." '
    'data-msg-recording="Recording\u2026">'
    '<div class="fv-form-group"><label for="audio">Sound file</label>'
    '<input type="file" name="audio" id="audio" accept="audio/*"></div>'
    '<button class="fv-button">Save</button></form>'
)
SITE = "http://localhost"  # a secure context, as the real site is over HTTPS


@pytest.fixture(scope="module")
def fake_microphone_browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"],
        headless=True,
    )
    yield browser
    browser.close()


StudioSite = Callable[..., tuple[Page, list[str]]]


@pytest.fixture
def studio_site(fake_microphone_browser: Browser) -> Iterator[StudioSite]:
    """Opens the recorder page under the app's CSP (media from blob: allowed), from memory.

    Returns the page and the requests it made. ``microphone`` grants the fake microphone;
    ``fake_clock`` installs Playwright's clock so the 60-second limit can be reached.
    """
    contexts: list[BrowserContext] = []
    csp = CONTENT_SECURITY_POLICY.replace("media-src 'self'", "media-src 'self' blob:")
    page_html = (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Record</title>'
        '<script defer src="/static/js/studio.js"></script></head>'
        f"<body><main>{RECORDER_FORM}</main></body></html>"
    )

    def serve(route: Route, request: Request) -> None:
        if request.url == f"{SITE}/studio":
            route.fulfill(
                body=page_html,
                content_type="text/html; charset=utf-8",
                headers={
                    "Content-Security-Policy": csp,
                    "Permissions-Policy": "camera=(), microphone=(self), geolocation=()",
                },
            )
        elif request.url == f"{SITE}/static/js/studio.js":
            route.fulfill(path=STUDIO_JS, content_type="text/javascript")
        else:
            route.abort()

    def open_site(*, microphone: bool, fake_clock: bool = False) -> tuple[Page, list[str]]:
        context = fake_microphone_browser.new_context(
            locale="en-GB", permissions=["microphone"] if microphone else []
        )
        contexts.append(context)
        context.route("**/*", serve)
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.add_init_script(
            "window.__violations = []; window.__streams = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
            "const media = navigator.mediaDevices;"
            "const ask = media && media.getUserMedia.bind(media);"
            "if (media) media.getUserMedia = c => ask(c).then(s => (window.__streams.push(s), s));"
        )
        if fake_clock:
            page.clock.install()
        page.goto(f"{SITE}/studio")
        return page, requests

    yield open_site
    for context in contexts:
        context.close()


def _recorded_file(page: Page) -> tuple[str, str, int]:
    name, kind, size = page.evaluate(
        "(f => [f.name, f.type, f.size])(document.getElementById('audio').files[0])"
    )
    return name, kind, size


RECORDING_TYPES = {
    ("recording.ogg", "audio/ogg"),
    ("recording.webm", "audio/webm"),
    ("recording.m4a", "audio/mp4"),
}


def test_recording_goes_into_the_file_input(studio_site: StudioSite) -> None:
    page, requests = studio_site(microphone=True)
    record = page.get_by_role("button", name="Record", exact=True)
    status = page.get_by_role("status")
    # The recorder comes before the upload's label; the upload stays as it was.
    assert (
        page.evaluate("document.querySelector('.fv-recorder').nextElementSibling.htmlFor")
        == "audio"
    )
    assert page.locator(".fv-recorder audio").is_hidden()

    record.focus()
    page.keyboard.press("Enter")
    stop = page.get_by_role("button", name="Stop recording")
    expect(stop).to_be_focused()
    expect(status).to_have_text("Recording\u2026")
    page.wait_for_timeout(600)
    page.keyboard.press("Space")

    again = page.get_by_role("button", name="Record again")
    expect(again).to_be_focused()
    expect(status).to_have_text("Recording ready. Listen to it, then press Save.")
    name, kind, size = _recorded_file(page)
    assert (name, kind) in RECORDING_TYPES
    assert size > 0
    player = page.locator(".fv-recorder audio")
    expect(player).to_be_visible()
    assert (player.get_attribute("src") or "").startswith("blob:http://localhost/")
    # The microphone is let go as soon as the recording stops.
    assert page.evaluate("window.__streams.map(s => s.getTracks()[0].readyState)") == ["ended"]

    # A file picked by hand replaces the recording and its preview.
    page.set_input_files(
        "#audio", files=[{"name": "mine.ogg", "mimeType": "audio/ogg", "buffer": b"OggS"}]
    )
    expect(player).to_be_hidden()
    expect(status).to_have_text("")
    expect(page.get_by_role("button", name="Record", exact=True)).to_be_visible()

    assert page.evaluate("window.__violations") == []
    assert requests == [f"{SITE}/studio", f"{SITE}/static/js/studio.js"]


def test_recording_stops_by_itself_after_a_minute(studio_site: StudioSite) -> None:
    page, _ = studio_site(microphone=True, fake_clock=True)
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("button", name="Stop recording")).to_be_visible()
    page.clock.run_for(59_000)
    expect(page.get_by_role("button", name="Stop recording")).to_be_visible()
    page.clock.run_for(1_000)
    expect(page.get_by_role("button", name="Record again")).to_be_focused()
    assert _recorded_file(page)[:2] in RECORDING_TYPES


def test_recording_refused_shows_the_upload_hint(studio_site: StudioSite) -> None:
    page, _ = studio_site(microphone=False)
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(
        "We could not use the microphone. You can upload a file instead."
    )
    expect(page.get_by_role("button", name="Record", exact=True)).to_be_focused()
    assert page.evaluate("document.getElementById('audio').files.length") == 0
    assert page.locator(".fv-recorder audio").is_hidden()

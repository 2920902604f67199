"""Whatever staff type into the studio reaches every page as text, never as markup or script.

Each hostile string (tests/support/hostile.py) goes into every text field of one question
through the studio's own forms: English wording, help text and answer labels, their
Arabic translation, a comment, a send-back reason and a flow's name. Every page that
shows them is checked: the studio's pages, both previews, and the real participant page
once the question is approved, in a published flow, in an open session.

Control characters and over-long input are refused with a friendly message and store
nothing; audio uploads that are not usable sound are refused the same way.
"""

from __future__ import annotations

import io
import os
import struct
import wave
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import html5lib
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.support.forms import csrf_token
from tests.support.hostile import (
    CONTROL_TEXTS,
    HOSTILE,
    assert_neutralised,
    assert_shows_literally,
)
from tests.support.pages import check_page
from tests.support.participants import post_page
from tests.support.studio import (
    open_session_with,
    staff_client,
    studio_snapshot,
    text_id_for,
    wav_tone,
)
from voice_app import demo
from voice_app import question_bank as bank
from voice_app.audio import MAX_UPLOAD_BYTES
from voice_app.extensions import db
from voice_app.models import Audience, AudioClip, Role

# The five-thousand-character string is longer than any field allows: see the long-input tests.
SHOWN = {name: text for name, text in HOSTILE.items() if len(text) <= 200}
LONG_TEXT = HOSTILE["five_thousand_characters"]
AUDIENCE = "child_8_12"
TRANSLATION = "ar"
BOLD = "<strong>Think</strong> "


@dataclass(frozen=True)
class Studio:
    advisor: FlaskClient
    researcher: FlaskClient
    domain: int
    tokens: dict[int, str] = field(default_factory=dict)

    def post(self, client: FlaskClient, url: str, data: dict[str, object], **kw) -> TestResponse:
        """POST like a browser whose page carried this session's CSRF token."""
        if id(client) not in self.tokens:
            self.tokens[id(client)] = csrf_token(client.get("/staff/").get_data(as_text=True))
        return client.post(url, data={"csrf_token": self.tokens[id(client)], **data}, **kw)


@pytest.fixture
def studio(app: Flask) -> Studio:
    # The demo's framework and area, without the rest of the demo: keeps each case quick.
    with app.app_context():
        framework = demo.load_framework(db.session)
        demo.ensure_area(db.session)
        domain = next(d.id for d in framework.domains if d.key == "feeling_safe")
        db.session.commit()
    return Studio(
        staff_client(app, "amira", Role.ADVISOR),
        staff_client(app, "rosa", Role.RESEARCHER),
        domain,
    )


def question_data(studio: Studio, wording: str, help_text: str, label: str) -> dict[str, object]:
    return {
        "format": "choose_one",
        "domains": [str(studio.domain)],
        f"{AUDIENCE}-wording": wording,
        f"{AUDIENCE}-help_text": help_text,
        f"option-1-{AUDIENCE}": label,
        f"option-2-{AUDIENCE}": "Someone else",
    }


def write_question(studio: Studio, wording: str, help_text: str = "", label: str = "Mum") -> int:
    created = studio.post(
        studio.advisor, "/studio/questions/new", question_data(studio, wording, help_text, label)
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    return int(created.headers["Location"].rsplit("/", 1)[1])


def shown(client: FlaskClient, url: str, *texts: str) -> str:
    """GET a page (the client checks its HTML), assert it runs nothing and shows the texts."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data(as_text=True)
    assert_neutralised(html)
    for text in texts:
        assert_shows_literally(html, text)
    return html


def assert_bold_help_survives(html: str) -> None:
    document = html5lib.HTMLParser(namespaceHTMLElements=False).parse(html)
    hints = [e for e in document.iter() if "fv-hint" in (e.get("class") or "").split()]
    assert any(strong.text == "Think" for hint in hints for strong in hint.iter("strong")), (
        "the help text lost its <strong>"
    )


def join_in(app: Flask, code: str, language: str) -> FlaskClient:
    """A child aged 8 to 12 joins the session in a language and reaches the first question."""
    child = app.test_client()
    page = child.get("/")
    joined = child.post(
        "/join", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": code}
    )
    assert joined.status_code == 302
    if child.get("/language").status_code == 200:  # more than one language: choose
        assert post_page(child, "/language", {"answer": language}).status_code == 302
    assert post_page(child, "/who", {"answer": AUDIENCE}).status_code == 302
    assert post_page(child, "/about", {"assent": "yes"}).headers["Location"] == "/q/1"
    return child


@pytest.mark.parametrize("hostile", SHOWN.values(), ids=SHOWN.keys())
def test_hostile_text_in_every_field_is_shown_as_text_on_every_page(
    app: Flask, studio: Studio, hostile: str
) -> None:
    advisor, researcher = studio.advisor, studio.researcher
    # One value per field, so each field is seen to show its own text literally.
    label, comment, reason = (f"{hostile} ({name})" for name in ("answer", "comment", "reason"))
    translated, translated_label, flow_name = (
        f"{hostile} ({name})" for name in ("سؤال", "جواب", "flow")
    )
    version_id = write_question(studio, hostile, BOLD + hostile, label)
    version_url = f"/studio/versions/{version_id}"
    translate_url = f"{version_url}/translate/{TRANSLATION}"
    saved = studio.post(
        advisor,
        translate_url,
        {
            f"{AUDIENCE}-wording": translated,
            f"{AUDIENCE}-help_text": BOLD + translated,
            f"option-1-{AUDIENCE}": translated_label,
            f"option-2-{AUDIENCE}": "شخص آخر",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert studio.post(researcher, f"{version_url}/comments", {"body": comment}).status_code == 302
    assert studio.post(advisor, f"{version_url}/propose", {}).status_code == 302
    sent_back = studio.post(researcher, f"{version_url}/send-back", {"reason": reason})
    assert sent_back.status_code == 302

    # The studio's pages while it is a draft again.
    assert_bold_help_survives(shown(advisor, version_url, hostile, label, comment, reason))
    shown(advisor, "/studio/", hostile)
    shown(advisor, f"{version_url}/edit", hostile, BOLD + hostile, label)
    shown(advisor, translate_url, hostile, label, translated, BOLD + translated, translated_label)
    for language, words in (
        ("en_GB", (hostile, label)),
        (TRANSLATION, (translated, translated_label)),
    ):
        url = f"{version_url}/preview?audience={AUDIENCE}&language={language}"
        assert_bold_help_survives(shown(advisor, url, *words))
    audio_url = f"/studio/texts/{text_id_for(app, version_id, AUDIENCE)}/audio"
    assert_bold_help_survives(shown(advisor, audio_url, hostile))

    # Approved, in a published flow whose name is hostile too.
    assert studio.post(advisor, f"{version_url}/propose", {}).status_code == 302
    assert studio.post(researcher, f"{version_url}/approve", {}).status_code == 302
    created = studio.post(researcher, "/studio/flows", {"name": flow_name})
    assert created.status_code == 302, created.get_data(as_text=True)
    flow_url = created.headers["Location"]
    added = studio.post(
        researcher, f"{flow_url}/items", {"audience": AUDIENCE, "version_id": version_id}
    )
    assert added.status_code == 302
    shown(researcher, flow_url, flow_name, hostile)
    assert studio.post(researcher, f"{flow_url}/publish", {}).status_code == 302
    shown(researcher, "/studio/flows", flow_name)
    preview_url = f"{flow_url}/preview/{AUDIENCE}/1"
    assert_bold_help_survives(shown(researcher, preview_url, flow_name, hostile, label))
    shown(
        researcher, f"{preview_url}?language={TRANSLATION}", flow_name, translated, translated_label
    )

    # A child sees it in an open session, in English and (when it ships) in Arabic.
    flow_id = int(flow_url.rsplit("/", 1)[1])
    languages = ["en_GB"]
    if TRANSLATION in app.extensions["voice_languages"]:
        languages.append(TRANSLATION)
    code = open_session_with(app, flow_id, [AUDIENCE], languages)
    for language in languages:
        child = join_in(app, code, language)
        words = (hostile, label) if language == "en_GB" else (translated, translated_label)
        assert_bold_help_survives(shown(child, "/q/1", *words))

    # A second version: the history shows what changed, word by word.
    started = studio.post(advisor, f"{version_url}/new-version", {})
    assert started.status_code == 302
    second_url = started.headers["Location"].removesuffix("/edit")
    changed = question_data(studio, f"{hostile} now", BOLD + hostile, label)
    assert studio.post(advisor, f"{second_url}/edit", changed).status_code == 302
    assert "<ins>" in shown(advisor, second_url, f"{hostile} now")


# --- refused input: control characters and over-long text ------------------------------------

CONTROL_MESSAGE = "This has hidden control characters. Type it again without them."
LONG_MESSAGE = "This is too long. Make it shorter."
REFUSED = [(text, CONTROL_MESSAGE) for text in CONTROL_TEXTS] + [(LONG_TEXT, LONG_MESSAGE)]


@dataclass(frozen=True)
class Field:
    """Where a text is typed: the page, who types it, and the form around it."""

    url: Callable[[int], str]  # from the draft version's id
    reviewer: bool
    data: Callable[[Studio, str], dict[str, object]]
    on_own_page: bool = True  # False: refused on the version page, with a message at the top


TRANSLATED_FORM = {f"{AUDIENCE}-wording": "سؤال", f"option-1-{AUDIENCE}": "أمي"}
FIELDS = {
    "wording": Field(
        lambda v: "/studio/questions/new", False, lambda s, t: question_data(s, t, "", "Mum")
    ),
    "help_text": Field(
        lambda v: "/studio/questions/new", False, lambda s, t: question_data(s, "Who?", t, "Mum")
    ),
    "answer_label": Field(
        lambda v: "/studio/questions/new", False, lambda s, t: question_data(s, "Who?", "", t)
    ),
    "edited_wording": Field(
        lambda v: f"/studio/versions/{v}/edit", False, lambda s, t: question_data(s, t, "", "Mum")
    ),
    "translated_wording": Field(
        lambda v: f"/studio/versions/{v}/translate/{TRANSLATION}",
        False,
        lambda s, t: {**TRANSLATED_FORM, f"{AUDIENCE}-wording": t},
    ),
    "translated_help_text": Field(
        lambda v: f"/studio/versions/{v}/translate/{TRANSLATION}",
        False,
        lambda s, t: {**TRANSLATED_FORM, f"{AUDIENCE}-help_text": t},
    ),
    "translated_label": Field(
        lambda v: f"/studio/versions/{v}/translate/{TRANSLATION}",
        False,
        lambda s, t: {**TRANSLATED_FORM, f"option-1-{AUDIENCE}": t},
    ),
    "flow_name": Field(lambda v: "/studio/flows", True, lambda s, t: {"name": t}),
    "comment": Field(
        lambda v: f"/studio/versions/{v}/comments", False, lambda s, t: {"body": t}, False
    ),
    "send_back_reason": Field(
        lambda v: f"/studio/versions/{v}/send-back", True, lambda s, t: {"reason": t}, False
    ),
}


def error_summary(html: str) -> str:
    document = html5lib.HTMLParser(namespaceHTMLElements=False).parse(html)
    for element in document.iter():
        if "fv-error-summary" in (element.get("class") or "").split():
            return " ".join("".join(element.itertext()).split())
    return ""


@pytest.mark.parametrize("name", FIELDS)
def test_control_characters_and_overlong_text_are_refused_kindly_and_store_nothing(
    app: Flask, studio: Studio, name: str
) -> None:
    field_ = FIELDS[name]
    version_id = write_question(studio, "Who helps you?")
    if name == "send_back_reason":
        assert (
            studio.post(studio.advisor, f"/studio/versions/{version_id}/propose", {}).status_code
            == 302
        )
    client = studio.researcher if field_.reviewer else studio.advisor
    before = studio_snapshot(app)
    for text, message in REFUSED:
        response = studio.post(client, field_.url(version_id), field_.data(studio, text))
        if field_.on_own_page:
            assert response.status_code == 400, (name, text[:20], response.status_code)
            html = response.get_data(as_text=True)
            check_page(html, field_.url(version_id))
            assert_neutralised(html)
            summary = error_summary(html)
            assert "There is a problem" in summary and message in summary, (name, text[:20])
        else:
            assert response.status_code == 302, (name, text[:20], response.status_code)
            page = client.get(response.headers["Location"]).get_data(as_text=True)
            assert message in page, (name, text[:20])
        assert studio_snapshot(app) == before, (name, text[:20])


# --- audio uploads ------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
NOT_AUDIO = "That file is not a sound recording we can use."
TOO_BIG = "That file is too big. Use a recording under 5 MB."
TOO_LONG = "That recording is too long. Keep it under 60 seconds."
MISSING = "Choose a sound file, or record one."


def png_bytes() -> bytes:
    """A real 1 by 1 pixel PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def silent_wav(size: int) -> bytes:
    """A valid WAV file of silence whose size is at least ``size`` bytes."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48_000)
        out.writeframes(bytes(size))
    return buffer.getvalue()


def files_named(name: str, *roots: Path) -> set[Path]:
    found = set()
    for root in roots:
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [d for d in subfolders if d not in {".venv", ".git", "node_modules"}]
            found.update(Path(folder, f) for f in files if f == name)
    return found


@pytest.fixture
def recorded_text(app: Flask, studio: Studio) -> str:
    """The audio page of a draft's text that already has a recording."""
    version_id = write_question(studio, "Who helps you?")
    url = f"/studio/texts/{text_id_for(app, version_id, AUDIENCE)}/audio"
    first = studio.post(
        studio.advisor,
        url,
        {"audio": (io.BytesIO(wav_tone(0.5)), "first.wav")},
        content_type="multipart/form-data",
    )
    assert first.status_code == 302
    return url


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (png_bytes, "x.opus", NOT_AUDIO),
        (lambda: b"Not a recording, just some words.\n" * 40, "x.opus", NOT_AUDIO),
        (lambda: silent_wav(MAX_UPLOAD_BYTES + 1), "long.wav", TOO_BIG),
        (lambda: wav_tone(61, rate=8000), "sixty-one-seconds.wav", TOO_LONG),
        (lambda: b"", "empty.opus", MISSING),
        (None, "", MISSING),
    ],
    ids=["png_named_opus", "text_named_opus", "over_5_mib", "over_60_seconds", "empty", "no_file"],
)
def test_an_unusable_upload_is_refused_kindly_and_keeps_the_recording_there_was(
    app: Flask, studio: Studio, recorded_text: str, content, filename: str, message: str
) -> None:
    before = studio_snapshot(app)
    data = {} if content is None else {"audio": (io.BytesIO(content()), filename)}
    response = studio.post(studio.advisor, recorded_text, data, content_type="multipart/form-data")
    assert response.status_code == 400, response.status_code
    html = response.get_data(as_text=True)
    check_page(html, recorded_text)
    summary = error_summary(html)
    assert "There is a problem" in summary and message in summary
    assert studio_snapshot(app) == before


def test_an_upload_named_like_a_path_is_stored_as_sound_only_and_never_as_a_file(
    app: Flask, studio: Studio, recorded_text: str, instance_dir: Path
) -> None:
    roots = (instance_dir.parent.parent, REPO, Path.cwd())
    existing = files_named("x.opus", *roots)
    upload = wav_tone(0.4)
    saved = studio.post(
        studio.advisor,
        recorded_text,
        {"audio": (io.BytesIO(upload), "../../x.opus")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert files_named("x.opus", *roots) == existing
    with app.app_context():
        clips = db.session.scalars(select(AudioClip)).all()
    assert sorted(c.codec for c in clips) == ["aac", "opus"]  # the new pair replaced the old
    assert all(c.data != upload and b"x.opus" not in c.data for c in clips)
    assert not [c.name for c in AudioClip.__table__.columns if "name" in c.name]
    page = studio.advisor.get(recorded_text).get_data(as_text=True)
    assert "x.opus" not in page


def test_a_recording_bigger_than_other_uploads_but_within_the_limits_is_accepted(
    app: Flask, studio: Studio, recorded_text: str
) -> None:
    three_mib = silent_wav(3 * 1024 * 1024)  # about 33 seconds: under 5 MiB and 60 seconds
    assert len(three_mib) > app.config["MAX_CONTENT_LENGTH"]
    saved = studio.post(
        studio.advisor,
        recorded_text,
        {"audio": (io.BytesIO(three_mib), "long-take.wav")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302, saved.status_code
    with app.app_context():
        durations = set(db.session.scalars(select(AudioClip.duration_ms)))
    assert len(durations) == 1 and 32_000 < durations.pop() < 34_000


# --- hidden fields sent back changed ---------------------------------------------------------


@pytest.mark.parametrize(
    "keys",
    [("\x00", "mum"), ("k" * 100, "x"), ("same", "same"), ("<script>", "' OR 1=1 --")],
    ids=["nul", "too_long", "duplicate", "markup"],
)
def test_answer_keys_sent_back_changed_are_not_trusted(
    app: Flask, studio: Studio, keys: tuple[str, str]
) -> None:
    """An answer's key is hidden in the form; a changed one is replaced, never stored or a 500."""
    data = question_data(studio, "Who helps you?", "", "Mum")
    created = studio.post(
        studio.advisor,
        "/studio/questions/new",
        {**data, "option-1-key": keys[0], "option-2-key": keys[1]},
    )
    assert created.status_code == 302, created.status_code
    version_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        stored = bank.load_version(db.session, version_id)
        assert [o.key for o in stored.options] == ["mum", "someone_else"]

    # Editing keeps the real keys, and still refuses made-up or repeated ones.
    edited = studio.post(
        studio.advisor,
        f"/studio/versions/{version_id}/edit",
        {**data, f"option-1-{AUDIENCE}": "My mum", "option-1-key": "mum", "option-2-key": keys[0]}
        | ({"option-2-key": "mum"} if keys[0] == keys[1] else {}),
    )
    assert edited.status_code == 302, edited.status_code
    with app.app_context():
        stored = bank.load_version(db.session, version_id)
        options = [(o.key, bank.label_for(o, Audience.CHILD_8_12, "en_GB")) for o in stored.options]
    assert options == [("mum", "My mum"), ("someone_else", "Someone else")]


@pytest.mark.parametrize("number", ["99999999999999999999", "2147483648", "²", "٣", "-1", "0"])
def test_ids_no_row_can_have_are_refused_kindly_not_with_a_database_error(
    app: Flask, studio: Studio, number: str
) -> None:
    before = studio_snapshot(app)
    data = {**question_data(studio, "Who helps you?", "", "Mum"), "domains": [number]}
    refused = studio.post(studio.advisor, "/studio/questions/new", data)
    assert refused.status_code == 400
    assert "Choose outcome areas from the list." in error_summary(refused.get_data(as_text=True))
    created = studio.post(studio.researcher, "/studio/flows", {"name": "Pilot"})
    flow_url = created.headers["Location"]
    snapshot = studio_snapshot(app)
    added = studio.post(
        studio.researcher, f"{flow_url}/items", {"audience": AUDIENCE, "version_id": number}
    )
    assert added.status_code == 302
    page = studio.researcher.get(added.headers["Location"]).get_data(as_text=True)
    assert "Only approved questions can be used in a flow." in page
    assert studio_snapshot(app) == snapshot != before
    if number.isascii() and number.isdigit():
        for url in (
            f"/studio/versions/{number}",
            f"/studio/versions/{number}/preview",
            f"/studio/texts/{number}/audio",
            f"/studio/audio/{number}",
            f"/studio/flows/{number}",
        ):
            assert studio.researcher.get(url).status_code == 404, url

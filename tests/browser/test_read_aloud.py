"""Read-aloud never speaks the wrong language.

The device's speech is stubbed in the page, so each test decides which voices exist and
records what would have been spoken.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.support.database import javascript_only
from tests.support.participants import load_demo
from voice_app.audio import add_placeholder_audio
from voice_app.extensions import db
from voice_app.models import AudioClip, GroupSession, QuestionText

STUB = """
(() => {
  const voices = %s;
  window.__spoken = [];
  window.__played = 0;
  const synth = {
    getVoices: () => voices,
    speak: (u) => window.__spoken.push({text: u.text, lang: u.lang,
                                        voice: u.voice && u.voice.lang}),
    cancel: () => {},
    addEventListener: () => {},
  };
  Object.defineProperty(window, "speechSynthesis", {value: synth, configurable: true});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  HTMLMediaElement.prototype.play = function () { window.__played += 1; return Promise.resolve(); };
})();
"""


def open_first_question(
    browser: Browser,
    base_url: str,
    code: str,
    voices: list[dict],
    language: str | None = None,
    listen: str | None = None,
) -> Page:
    context = browser.new_context(base_url=base_url, viewport={"width": 810, "height": 1080})
    context.add_init_script(STUB % json.dumps(voices))
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Type your session code").fill(code)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/language")  # the demo session offers every shipped language
    page.locator(f"input[name=answer][value={language or 'en_GB'}]").check()
    if listen:
        page.locator("summary").click()
        page.locator(f"input[name=listen][value={listen}]").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_text("A child aged 8 to 12").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Yes, let's start").click()
    page.wait_for_url("**/q/1")
    return page


def offer_polish_copies(app) -> None:
    """Offer only English and Polish; every Polish text reads "PL <the English>"."""
    app.extensions["voice_languages"] = ["en_GB", "pl"]
    with app.app_context():
        db.session.scalar(select(GroupSession)).languages = ["en_GB", "pl"]
        texts = db.session.scalars(select(QuestionText)).all()
        polish = {(t.version_id, t.audience): t for t in texts if t.language == "pl"}
        for text in texts:
            if text.language != "en_GB":
                continue
            copy = polish.get((text.version_id, text.audience))
            if copy is None:
                copy = QuestionText(
                    version_id=text.version_id, audience=text.audience, language="pl"
                )
                db.session.add(copy)
            copy.wording, copy.help_text = f"PL {text.wording}", ""
        db.session.commit()


LOCAL_ENGLISH = {"lang": "en-GB", "localService": True, "name": "Local English"}
LOCAL_POLISH = {"lang": "pl-PL", "localService": True, "name": "Polski"}
REMOTE_ENGLISH = {"lang": "en-GB", "localService": False, "name": "Cloud English"}
US_ENGLISH = {"lang": "en-US", "localService": True, "name": "US English"}


@javascript_only
@pytest.mark.parametrize(
    "voices",
    [[], [LOCAL_POLISH], [REMOTE_ENGLISH], [US_ENGLISH]],
    ids=["no-voices", "other-language", "not-local", "other-region"],
)
def test_without_a_local_voice_of_exactly_the_language_there_is_no_listen_button(
    browser, base_url, runner, voices
):
    page = open_first_question(browser, base_url, load_demo(runner), voices)
    expect(page.get_by_role("button", name="Listen")).to_be_hidden()
    expect(page.get_by_text("Ask the grown-up to read this.")).to_be_visible()
    assert page.evaluate("window.__spoken") == []
    page.context.close()


@javascript_only
def test_a_local_voice_of_the_page_language_reads_the_question(browser, base_url, runner):
    page = open_first_question(browser, base_url, load_demo(runner), [LOCAL_POLISH, LOCAL_ENGLISH])
    page.get_by_role("button", name="Listen").click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1
    assert spoken[0]["voice"] == "en-GB"
    assert page.locator("h1").inner_text() in spoken[0]["text"]
    expect(page.get_by_text("Ask the grown-up to read this.")).to_be_hidden()
    page.context.close()


def test_recorded_audio_is_played_and_the_device_voice_is_not_used(app, browser, base_url, runner):
    code = load_demo(runner)
    with app.app_context():
        add_placeholder_audio(db.session, ["en_GB"])
        db.session.commit()
    page = open_first_question(browser, base_url, code, [LOCAL_ENGLISH])
    listen = page.get_by_role("button", name="Listen")
    expect(listen).to_be_visible()
    listen.click()
    assert page.evaluate("window.__played") == 1
    assert page.evaluate("window.__spoken") == []
    # A computer voice is never passed off as a person's recording.
    expect(page.get_by_text("computer voice for testing")).to_be_visible()
    sources = page.locator("audio source").evaluate_all("s => s.map(x => x.type)")
    assert sources == ["audio/ogg", "audio/mp4"]
    response = page.request.get(page.locator("audio source").first.get_attribute("src"))
    assert response.status == 200 and response.body()[:4] == b"OggS"
    page.context.close()


def test_stale_audio_is_not_played_after_the_text_changes(app, browser, base_url, runner):
    code = load_demo(runner)
    with app.app_context():
        add_placeholder_audio(db.session, ["en_GB"])
        for text in db.session.scalars(select(QuestionText)):
            text.help_text = text.help_text + " "  # any change makes the audio stale
        db.session.commit()
        assert db.session.scalar(select(AudioClip.id)) is not None
    page = open_first_question(browser, base_url, code, [])
    expect(page.get_by_role("button", name="Listen")).to_be_hidden()
    assert page.locator("audio").count() == 0
    page.context.close()


def test_reading_in_one_language_and_listening_in_another(app, browser, base_url, runner):
    code = load_demo(runner)
    offer_polish_copies(app)
    page = open_first_question(
        browser, base_url, code, [LOCAL_ENGLISH, LOCAL_POLISH], language="en_GB", listen="pl"
    )
    page.get_by_role("button", name="Listen").click()
    spoken = page.evaluate("window.__spoken")
    assert spoken[0]["voice"] == "pl-PL"
    assert spoken[0]["text"].startswith("PL ")
    assert page.locator("html").get_attribute("lang") == "en-GB"
    page.context.close()


@javascript_only
def test_listening_in_a_language_without_a_local_voice_shows_no_button(
    app, browser, base_url, runner
):
    code = load_demo(runner)
    offer_polish_copies(app)
    # Only an English voice: it must not read the Polish text.
    page = open_first_question(
        browser, base_url, code, [LOCAL_ENGLISH], language="en_GB", listen="pl"
    )
    expect(page.get_by_role("button", name="Listen")).to_be_hidden()
    assert page.evaluate("window.__spoken") == []
    page.context.close()

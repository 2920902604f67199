"""Every participant page in every shipped language, with no English left inside."""

from __future__ import annotations

import re
from pathlib import Path

import html5lib
import pytest
from babel.messages.pofile import read_po

from tests.support.database import rendering_only
from tests.support.forms import csrf_token
from tests.support.participants import load_demo, post_page, question_form, skip_question
from voice_app import starter_content as starter
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE

pytestmark = rendering_only

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
LANGUAGE_CODES = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
SKIP_TAGS = {"script", "style", "template"}


def english_strings(code: str) -> set[str]:
    """English interface and content strings that must not appear untranslated."""
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=code)
    strings = set()
    for message in catalogue:
        if not message.id or not isinstance(message.id, str) or "%(" in message.id:
            continue
        if message.string == message.id:
            continue  # the same in both languages, e.g. a name
        strings.add(message.id)
    for seed in starter.QUESTIONS:
        strings.update(seed.wording.values())
        strings.update(v for v in seed.help_text.values() if v)
        for option in seed.options:
            strings.update(option.labels.values())
    strings.update(d.name for d in starter.DOMAINS)
    return {s.strip() for s in strings if len(s.strip()) > 3}


def own_language_texts(html: str) -> list[str]:
    """Text a reader sees in the page's own language (parts marked with another lang skipped)."""
    document = html5lib.parse(html, namespaceHTMLElements=False)
    page_lang = document.get("lang")
    texts: list[str] = []

    def walk(element, foreign: bool) -> None:
        lang = element.get("lang")
        foreign = foreign or (lang is not None and lang != page_lang)
        if element.tag not in SKIP_TAGS and not foreign and element.text:
            texts.append(element.text)
        for child in element:
            walk(child, foreign)
            if not foreign and child.tail:
                texts.append(child.tail)

    walk(document, False)
    return [re.sub(r"\s+", " ", t).strip() for t in texts if t.strip()]


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_no_english_is_left_inside_any_participant_page(app, client, runner, code):
    if code not in app.extensions["voice_languages"]:
        pytest.fail(f"{code} does not ship: its catalogue is incomplete")
    session_code = load_demo(runner)
    english = english_strings(code)
    for audience in starter.AUDIENCES:
        browser = app.test_client()
        seen: dict[str, str] = {}
        welcome = browser.get("/", headers={"Accept-Language": code.replace("_", "-")})
        seen["/"] = welcome.get_data(as_text=True)
        browser.post("/join", data={"csrf_token": csrf_token(seen["/"]), "code": session_code})
        # The language page itself is in the session's default language.
        assert post_page(browser, "/language", {"answer": code}).status_code == 302
        for url in ("/who", "/worried"):
            seen[url] = browser.get(url).get_data(as_text=True)
        post_page(browser, "/who", {"answer": audience})
        seen["/about"] = browser.get("/about").get_data(as_text=True)
        post_page(browser, "/about", {"assent": "yes"})
        position = 1
        while browser.get(f"/q/{position}").status_code == 200:
            _format, token, submission = question_form(browser, position)
            seen[f"/q/{position}"] = browser.get(f"/q/{position}").get_data(as_text=True)
            error = browser.post(
                f"/q/{position}",
                data={
                    "csrf_token": token,
                    "submission_id": submission,
                    "action": "answer",
                    "rank_1": "",
                    "answer": "",
                },
            )
            if error.status_code == 400:
                seen[f"/q/{position} (error)"] = error.get_data(as_text=True)
            skip_question(browser, position)
            position += 1
        seen["/stop"] = browser.get("/stop").get_data(as_text=True)
        seen["/talk"] = browser.get("/talk").get_data(as_text=True)
        post_page(browser, "/talk", {"talk": "no"})
        seen["/thanks"] = browser.get("/thanks").get_data(as_text=True)
        for url, html in seen.items():
            assert f'lang="{code.replace("_", "-")}"' in html.split(">", 2)[1], url
            leftovers = [t for t in own_language_texts(html) if t in english]
            assert leftovers == [], f"{code} {audience} {url}: English left: {leftovers}"

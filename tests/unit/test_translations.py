"""Interface catalogues: complete, in step with the code, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from voice_app import translate
from voice_app.coverage import catalogue_coverage, po_headers
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
SHIPPED = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def catalogue(code: str):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


@pytest.fixture(scope="module")
def current_ids(tmp_path_factory) -> set[str]:
    """The message ids the code and templates use right now."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    original = translate.POT
    translate.POT = pot
    try:
        translate.extract()
    finally:
        translate.POT = original
    with pot.open("rb") as handle:
        return {str(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id}


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_catalogue_is_complete_with_nothing_fuzzy(code):
    coverage = catalogue_coverage(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", code)
    assert coverage.fuzzy == 0
    assert coverage.translated == coverage.messages, (
        f"{code}: {coverage.messages - coverage.translated} messages untranslated"
    )


@pytest.mark.parametrize("code", SHIPPED)
def test_catalogues_are_in_step_with_the_code(code, current_ids):
    ids = {str(m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue(code) if m.id}
    assert current_ids - ids == set(), "run: flask --app voice_app translate update"
    assert ids - current_ids == set(), "obsolete messages: run flask translate update"


@pytest.mark.parametrize("code", SHIPPED)
def test_placeholders_match_in_every_translation(code):
    problems = []
    for message in catalogue(code):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                problems.append((message.id, string))
    assert problems == []


@pytest.mark.parametrize("code", SHIPPED)
def test_translations_carry_no_markup(code):
    for message in catalogue(code):
        if not message.id:
            continue  # the header: its plural rule has < and > in it
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert not any("<" in s and ">" in s for s in strings), message.id


@pytest.mark.parametrize("code", SHIPPED)
def test_each_catalogue_says_whether_a_fluent_speaker_reviewed_it(code):
    headers = po_headers(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po")
    assert headers.get("X-Review-State") in {"drafted", "reviewed"}
    if headers["X-Review-State"] == "reviewed":
        assert headers.get("X-Reviewed-By")


def test_a_catalogue_edited_after_it_was_counted_is_counted_afresh(tmp_path):
    # Coverage is kept per version of the file, so each app a process creates skips the
    # parsing; a translator's edit (here: one message sent back to fuzzy) must still show.
    po_path = tmp_path / "messages.po"
    po_path.write_bytes((TRANSLATIONS / "pl" / "LC_MESSAGES" / "messages.po").read_bytes())
    complete = catalogue_coverage(po_path, "pl")
    assert complete.fuzzy == 0 and catalogue_coverage(po_path, "pl") == complete

    text = po_path.read_text(encoding="utf-8")
    first_message = text.index('\nmsgid "', text.index('msgid ""') + 1)
    po_path.write_text(text[:first_message] + "\n#, fuzzy" + text[first_message:], encoding="utf-8")

    edited = catalogue_coverage(po_path, "pl")
    assert edited.fuzzy == 1 and not edited.complete

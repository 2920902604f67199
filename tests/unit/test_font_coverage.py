"""The cut-down fonts still hold every letter the shipped pages write, and say no more.

A letter missing from a font whose unicode-range claims it would be drawn from another
font in the middle of a word (or as a box on a tablet with no such font).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "static" / "fonts"
CSS = (ROOT / "static" / "css" / "scripts.css").read_text(encoding="utf-8")
# Which font draws each language (as scripts.css's :lang() rules say), and its script.
LANGUAGE_FONTS = {
    "ar": ("noto-sans-arabic-arabic", range(0x0600, 0x0700)),
    "ps": ("noto-sans-arabic-arabic", range(0x0600, 0x0700)),
    "ur": ("noto-nastaliq-urdu-arabic", range(0x0600, 0x0700)),
    "bn": ("noto-sans-bengali-bengali", range(0x0980, 0x0A00)),
    "pa": ("noto-sans-gurmukhi-gurmukhi", range(0x0A00, 0x0A80)),
}
FACE = re.compile(r"@font-face\{([^}]*)\}")


def shipped_text(language: str) -> str:
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    strings = []
    for message in catalogue:
        value = message.string
        strings += list(value) if isinstance(value, tuple | list) else [value or ""]
    content = ROOT / "translations" / "content" / f"{language}.json"
    return "".join(strings) + (content.read_text(encoding="utf-8") if content.exists() else "")


def declared(css_range: str) -> set[int]:
    points: set[int] = set()
    for part in css_range.split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        points |= set(range(int(first, 16), int(last or first, 16) + 1))
    return points


def faces() -> list[tuple[str, set[int]]]:
    found = []
    for body in FACE.findall(CSS):
        font = re.search(r"url\(\.\./fonts/([^)]+)\)", body).group(1)
        found.append((font, declared(re.search(r"unicode-range:([^;}]+)", body).group(1))))
    return found


@pytest.mark.parametrize("language", sorted(LANGUAGE_FONTS))
def test_every_letter_of_the_shipped_text_is_in_its_font_and_its_unicode_range(language):
    stem, script = LANGUAGE_FONTS[language]
    letters = {ord(c) for c in shipped_text(language) if ord(c) in script}
    assert len(letters) > 25, "the translation should be in its own script"
    for font, unicode_range in faces():
        if font.startswith(stem):
            cmap = set(TTFont(FONTS / font).getBestCmap())
            assert not letters - cmap, f"{font} lacks {sorted(map(hex, letters - cmap))}"
            assert not letters - unicode_range, f"{font}'s unicode-range misses some"


@pytest.mark.parametrize("font, unicode_range", faces(), ids=lambda v: str(v)[:40])
def test_a_fonts_unicode_range_promises_only_what_it_holds(font, unicode_range):
    cmap = set(TTFont(FONTS / font).getBestCmap())
    assert unicode_range <= cmap, sorted(map(hex, unicode_range - cmap))[:10]

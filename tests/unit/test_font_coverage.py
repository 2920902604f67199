"""The cut-down fonts still hold every letter the shipped pages write, and say no more.

A letter missing from a font whose unicode-range claims it would be drawn from another
font in the middle of a word (or as a box on a tablet with no such font).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "static" / "fonts"
CSS = (ROOT / "static" / "css" / "scripts.css").read_text(encoding="utf-8")
# Which web font draws each language on a device without one (as scripts.css's :lang()
# rules say), and its script. Urdu keeps a device's Nastaliq, else gets Noto Sans Arabic.
LANGUAGE_FONTS = {
    "ar": ("noto-sans-arabic-arabic", range(0x0600, 0x0700)),
    "ps": ("noto-sans-arabic-arabic", range(0x0600, 0x0700)),
    "ur": ("noto-sans-arabic-arabic", range(0x0600, 0x0700)),
    "bn": ("noto-sans-bengali-bengali", range(0x0980, 0x0A00)),
    "pa": ("noto-sans-gurmukhi-gurmukhi", range(0x0A00, 0x0A80)),
}
FACE = re.compile(r"@font-face\{([^}]*)\}")
HASANTA = "\u09cd"


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
    """Each web font's file and its unicode-range (faces of installed fonts have no file)."""
    found = []
    for body in FACE.findall(CSS):
        if font := re.search(r"url\(\.\./fonts/([^)]+)\)", body):
            unicode_range = re.search(r"unicode-range:([^;}]+)", body).group(1)
            found.append((font.group(1), declared(unicode_range)))
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


def shaper(font_file: str):
    """A HarfBuzz font for one of our woff2 files, and its glyph id for each character."""
    hb = pytest.importorskip("uharfbuzz", reason="pip install uharfbuzz to check shaping")
    font = TTFont(FONTS / font_file)
    font.flavor = None  # HarfBuzz reads the plain OpenType font
    data = io.BytesIO()
    font.save(data)
    glyphs = {code: font.getGlyphID(name) for code, name in font.getBestCmap().items()}
    return hb.Font(hb.Face(data.getvalue())), glyphs


def shaped(font, text: str, language: str) -> list[int]:
    import uharfbuzz as hb

    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.language = language
    hb.shape(font, buffer, {})
    return [info.codepoint for info in buffer.glyph_infos]


@pytest.mark.parametrize("language", sorted(LANGUAGE_FONTS))
def test_every_shipped_word_shapes_in_its_web_font_without_a_box_or_broken_cluster(language):
    stem, script = LANGUAGE_FONTS[language]
    font, glyphs = shaper(f"{stem}-400-normal.woff2")
    in_script = set(script) | {0x200C, 0x200D}
    words = {
        "".join(c for c in word if ord(c) in in_script) for word in shipped_text(language).split()
    }
    words = {word for word in words if word}
    assert len(words) > 100
    dotted_circle = glyphs.get(0x25CC)  # HarfBuzz inserts one where a cluster cannot form
    broken = [w for w in words if {0, dotted_circle} & set(shaped(font, w, language))]
    assert not broken, broken[:10]


def test_bengali_conjuncts_form_for_every_consonant_pair_as_in_the_full_font():
    font, glyphs = shaper("noto-sans-bengali-bengali-400-normal.woff2")
    consonants = [chr(c) for c in range(0x0995, 0x09BA) if c in glyphs]
    pairs = [a + HASANTA + b for a in consonants for b in consonants]
    joined = [pair for pair in pairs if glyphs[ord(HASANTA)] not in shaped(font, pair, "bn")]
    assert len(consonants) == 32
    # The full Noto Sans Bengali 5.3.0 joins these 272 of the 1,024 pairs (a conjunct or
    # a half form, no visible hasanta) and shows the hasanta in the rest; the cut font
    # must join exactly as many, so a new word with a rare conjunct still shapes.
    assert len(joined) == 272
    assert "ক্ষ" in joined and "ন্ত" in joined and "স্ট" in joined

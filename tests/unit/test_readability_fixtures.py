"""Expected grades and hints on fixture texts for each audience, offline.

tests/unit/test_readability.py checks the counting and the general shape of the hints;
this file pins the exact hints (sentence numbers, word and syllable counts, limits, grades
worked out by hand) for every audience. tests/browser/test_studio_readability_js.py types
the same texts into the studio's live check (studio.js) and compares.

Grades are Flesch-Kincaid as textstat counts them: words and syllables (CMU dictionary)
of the whole text, and sentences ending in . ! or ? of three words or more.
"""

from __future__ import annotations

import json

import pytest

from voice_app.readability import (
    AUDIENCE_TARGETS,
    FAMILIAR_LONG_WORDS,
    GRADE_MIN_WORDS,
    PLAINER_WORDS,
    Hint,
    HintKind,
    browser_rules,
    hints,
    meets_target,
    reading_level,
)

AUDIENCES = ("child_4_7", "child_8_12", "young_13_17", "parent_carer")

# Per audience: a text that meets the bar with at least GRADE_MIN_WORDS words (so its
# grade counts), one with a long sentence that is not the first, one of at least
# GRADE_MIN_WORDS words over the grade target without long sentences or long words, and
# one with word hints.
FIXTURES: dict[str, dict[str, str]] = {
    "child_4_7": {
        "meets": (
            "Who helps you at home? Tap a face. Do grown-ups listen to you? "
            "Do you feel safe at school? You can skip it."
        ),
        "long_sentence": (
            "Who helps you? Do the grown-ups at your school listen to you? Tap a face."
        ),
        "grade": (
            "Your teacher always listens when children worry. Doctors and nurses explain "
            "simple answers. Helpers visit houses after dinner. Nurses answer questions."
        ),
        "words": (
            "Is it a beautiful day? Do you need assistance? My family can help. A lovely present!"
        ),
    },
    "child_8_12": {
        "meets": (
            "How safe do you feel at home? Tap the face that fits best. "
            "Who do you talk to when you are sad? You can skip any question."
        ),
        "long_sentence": (
            "How do you feel? Do the grown-ups who help you and your family listen to what you say?"
        ),
        "grade": (
            "Doctors, teachers and social workers listen carefully to children. Sometimes "
            "workers visit families at home. Helpers always answer questions about problems."
        ),
        "words": (
            "Did anyone give you information? It is important. "
            "We want to obtain your views. Information matters."
        ),
    },
    "young_13_17": {
        "meets": (
            "Do people explain what is happening and why? Think about the people who help you "
            "and your family. Tell us what went well."
        ),
        "long_sentence": (
            "Do people listen to you? Think about all of the people who have helped you and your "
            "family since you first met them."
        ),
        "grade": (
            "Social workers explain difficult decisions properly. Teachers, counsellors and "
            "doctors sometimes talk differently. Remember all these meetings with everyone "
            "involved."
        ),
        "words": (
            "Was the information easy to understand? Did they frequently check in with you? "
            "Frequently?"
        ),
    },
    "parent_carer": {
        "meets": (
            "Do workers explain what is happening and why? For example, social workers, health "
            "staff or police. Tell us what helped your family most."
        ),
        "long_sentence": (
            "Did workers explain things clearly? Thinking about all of the services that have "
            "worked with your family over the last year, did they explain what was happening?"
        ),
        "grade": (
            "Parents described difficult meetings with social workers and teachers. Decisions "
            "about children seemed confusing. Managers discussed problems, but nothing "
            "improved afterwards."
        ),
        "words": (
            "Did the social worker explain the assessment? Did you get the support you "
            "require? Was the conversation respectful?"
        ),
    },
}

EXPECTED_LONG_SENTENCE: dict[str, list[Hint]] = {
    "child_4_7": [Hint(HintKind.LONG_SENTENCE, sentence=2, words=9, limit=8)],
    "child_8_12": [Hint(HintKind.LONG_SENTENCE, sentence=2, words=14, limit=12)],
    "young_13_17": [Hint(HintKind.LONG_SENTENCE, sentence=2, words=18, limit=15)],
    # 27 words, so the grade counts too: 27 words, 2 sentences, 40 syllables gives
    # 0.39 * 27 / 2 + 11.8 * 40 / 27 - 15.59 = 7.157.
    "parent_carer": [
        Hint(HintKind.LONG_SENTENCE, sentence=2, words=22, limit=15),
        Hint(HintKind.GRADE_TOO_HIGH, grade=7.2, limit=6.0),
    ],
}

# (words, sentences, syllables) of each "grade" fixture, counted by hand with the CMU
# syllables (every word has 1 or 2 syllables, except the 3-syllable ones named here).
GRADE_COUNTS: dict[str, tuple[int, int, int]] = {
    "child_4_7": (21, 4, 39),  # "Your", "when" and "and" have 1 syllable, the rest 2
    "child_8_12": (21, 3, 40),  # carefully 3, families 3
    "young_13_17": (20, 3, 42),  # difficult, decisions, properly, counsellors, ... 3
    "parent_carer": (21, 3, 43),  # difficult, Decisions, confusing, Managers, afterwards 3
}
EXPECTED_GRADE = {"child_4_7": 8.4, "child_8_12": 9.6, "young_13_17": 11.8, "parent_carer": 11.3}

EXPECTED_WORDS: dict[str, list[Hint]] = {
    # "family" is long (3 syllables) but familiar; "lovely" and "present" have 2.
    "child_4_7": [
        Hint(HintKind.LONG_WORD, word="beautiful", syllables=3),
        Hint(HintKind.PLAINER_WORD, word="assistance", suggestion="help"),
    ],
    # "anyone" (3) is familiar and "important" (3) is below the 4 of this age group;
    # "Information" again is not flagged twice.
    "child_8_12": [
        Hint(HintKind.LONG_WORD, word="information", syllables=4),
        Hint(HintKind.PLAINER_WORD, word="obtain", suggestion="get"),
    ],
    # "understand" has 3 syllables, below the 4 of this age group.
    "young_13_17": [
        Hint(HintKind.LONG_WORD, word="information", syllables=4),
        Hint(HintKind.PLAINER_WORD, word="frequently", suggestion="often"),
    ],
    # "assessment" and "respectful" have 3 syllables, below the 4 of this age group.
    "parent_carer": [
        Hint(HintKind.PLAINER_WORD, word="require", suggestion="need"),
        Hint(HintKind.LONG_WORD, word="conversation", syllables=4),
    ],
}


def test_fixtures_cover_every_audience() -> None:
    assert tuple(FIXTURES) == AUDIENCES == tuple(AUDIENCE_TARGETS)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_text_that_meets_the_target(audience: str) -> None:
    text = FIXTURES[audience]["meets"]
    level = reading_level(text)
    target = AUDIENCE_TARGETS[audience]
    # Long enough for the grade to count, and the grade is within the target.
    assert level.words >= GRADE_MIN_WORDS
    assert level.grade <= target.max_grade
    assert meets_target(level, target)
    assert hints(text, audience) == []


@pytest.mark.parametrize("audience", AUDIENCES)
def test_long_sentence_hint_names_the_sentence(audience: str) -> None:
    text = FIXTURES[audience]["long_sentence"]
    assert hints(text, audience) == EXPECTED_LONG_SENTENCE[audience]


def test_long_sentence_with_grade_worked_out_by_hand() -> None:
    level = reading_level(FIXTURES["parent_carer"]["long_sentence"])
    assert level.words == 27
    assert level.grade == pytest.approx(0.39 * 27 / 2 + 11.8 * 40 / 27 - 15.59)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_grade_over_the_target(audience: str) -> None:
    text = FIXTURES[audience]["grade"]
    target = AUDIENCE_TARGETS[audience]
    level = reading_level(text)
    words, sentences, syllables = GRADE_COUNTS[audience]
    assert level.words == words >= GRADE_MIN_WORDS
    assert level.max_words_per_sentence <= target.max_words_per_sentence
    assert level.grade == pytest.approx(0.39 * words / sentences + 11.8 * syllables / words - 15.59)
    assert round(level.grade, 1) == EXPECTED_GRADE[audience]
    found = hints(text, audience)
    assert found == [
        Hint(HintKind.GRADE_TOO_HIGH, grade=EXPECTED_GRADE[audience], limit=target.max_grade)
    ]
    assert found[0].message == (
        f"The reading grade is {EXPECTED_GRADE[audience]:.1f}. Aim for {target.max_grade:g} "
        "or lower. Use shorter words and shorter sentences."
    )


@pytest.mark.parametrize("audience", AUDIENCES)
def test_word_hints(audience: str) -> None:
    assert hints(FIXTURES[audience]["words"], audience) == EXPECTED_WORDS[audience]


def test_hints_depend_on_the_audience() -> None:
    """The grade hint depends on the audience, the long-word hint on its syllable bar."""
    text = FIXTURES["child_4_7"]["grade"]  # grade 8.4, sentences of 7 words or fewer
    assert hints(text, "parent_carer") == [Hint(HintKind.GRADE_TOO_HIGH, grade=8.4, limit=6.0)]
    assert hints(FIXTURES["child_8_12"]["grade"], "child_4_7") == [
        Hint(HintKind.LONG_SENTENCE, sentence=1, words=9, limit=8),
        Hint(HintKind.GRADE_TOO_HIGH, grade=9.6, limit=1.0),
        Hint(HintKind.LONG_WORD, word="carefully", syllables=3),
    ]


# --- rules for the browser ---------------------------------------------------------


def test_browser_rules_match_the_server_rules() -> None:
    rules = browser_rules()
    assert set(rules) == {"targets", "plainer_words", "familiar_long_words", "grade_min_words"}
    assert rules["targets"] == {
        audience: {
            "max_words_per_sentence": target.max_words_per_sentence,
            "max_grade": target.max_grade,
            "long_word_syllables": target.long_word_syllables,
        }
        for audience, target in AUDIENCE_TARGETS.items()
    }
    assert rules["plainer_words"] == dict(PLAINER_WORDS)
    assert rules["familiar_long_words"] == sorted(FAMILIAR_LONG_WORDS)
    assert rules["grade_min_words"] == GRADE_MIN_WORDS


def test_browser_rules_are_json_for_a_data_attribute() -> None:
    rules = browser_rules()
    assert json.loads(json.dumps(rules)) == rules
    assert json.loads(json.dumps(rules))["targets"]["child_4_7"] == {
        "max_words_per_sentence": 8,
        "max_grade": 1.0,
        "long_word_syllables": 3,
    }
    # A fresh copy each time: a caller cannot change the server's rules through it.
    rules["plainer_words"]["obtain"] = "grab"  # type: ignore[index]
    assert browser_rules()["plainer_words"]["obtain"] == "get"  # type: ignore[index]

"""Starter content: structure, pictures and reading level. Offline; no Flask app needed."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from voice_app import starter_content as sc
from voice_app.readability import (
    AUDIENCE_TARGETS,
    DOMAIN_TARGET,
    join_texts,
    reading_level,
    split_sentences,
    words,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = PROJECT_ROOT / "voice_app"
IMG = PROJECT_ROOT / "static" / "img"

DOMAIN_KEYS = (
    "feeling_safe",
    "being_listened_to",
    "family_supported",
    "health_wellbeing",
    "learning_school",
    "friends_belonging",
    "stable_home",
    "right_help",
)
FORMATS = {"faces", "yes_maybe_no", "choose_one", "choose_many", "top_three", "free_text"}
PICTURE_FORMATS = {"choose_one", "choose_many"}
FREE_TEXT_AUDIENCES = {"young_13_17", "parent_carer"}

QUESTIONS = {q.key: q for q in sc.QUESTIONS}


def flow_questions(audience: str) -> list[sc.QuestionSeed]:
    return [QUESTIONS[key] for key in sc.FLOWS[audience]]


def audiences_of(question: sc.QuestionSeed) -> set[str]:
    return {a for a, keys in sc.FLOWS.items() if question.key in keys}


def question_texts(question: sc.QuestionSeed, audience: str) -> list[str]:
    return [
        question.wording[audience],
        question.help_text[audience],
        *(option.labels[audience] for option in question.options),
    ]


# --- module hygiene -----------------------------------------------------------------


@pytest.mark.parametrize("module", ["starter_content.py", "readability.py"])
def test_plain_modules_import_no_web_framework(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "flask_babel", "flask_wtf", "sqlalchemy", "werkzeug"}


def test_constants() -> None:
    assert sc.AUDIENCES == ("child_4_7", "child_8_12", "young_13_17", "parent_carer")
    assert sc.FRAMEWORK_TITLE == "Family Voice outcome framework"
    assert sc.FRAMEWORK_VERSION == 1
    assert set(sc.FORMATS) == FORMATS


def test_seeds_are_frozen() -> None:
    with pytest.raises(AttributeError):
        sc.DOMAINS[0].name = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        sc.QUESTIONS[0].wording["child_4_7"] = "changed"  # type: ignore[index]
    assert len(set(sc.QUESTIONS)) == len(sc.QUESTIONS)  # hashable
    assert len({o for q in sc.QUESTIONS for o in q.options}) == 12


# --- domains ------------------------------------------------------------------------


def test_eight_domains_in_order() -> None:
    assert tuple(d.key for d in sc.DOMAINS) == DOMAIN_KEYS


@pytest.mark.parametrize("domain", sc.DOMAINS, ids=lambda d: d.key)
def test_domain_has_name_description_and_picture(domain: sc.DomainSeed) -> None:
    assert domain.name.strip() and domain.description.strip()
    assert domain.picture == f"{domain.key}.svg"
    assert (IMG / "domains" / domain.picture).is_file()


# --- questions ----------------------------------------------------------------------


def test_no_duplicate_keys() -> None:
    question_keys = [q.key for q in sc.QUESTIONS]
    assert len(question_keys) == len(set(question_keys))
    for question in sc.QUESTIONS:
        option_keys = [o.key for o in question.options]
        assert len(option_keys) == len(set(option_keys)), question.key


def test_option_keys_mean_the_same_everywhere() -> None:
    by_key: dict[str, sc.OptionSeed] = {}
    for question in sc.QUESTIONS:
        for option in question.options:
            assert by_key.setdefault(option.key, option) == option, option.key


def test_every_format_is_used() -> None:
    assert {q.format for q in sc.QUESTIONS} == FORMATS


def test_every_question_is_in_a_flow() -> None:
    used = {key for keys in sc.FLOWS.values() for key in keys}
    assert used == set(QUESTIONS)


@pytest.mark.parametrize("question", sc.QUESTIONS, ids=lambda q: q.key)
def test_question_domains(question: sc.QuestionSeed) -> None:
    if question.format == "top_three":
        # Its cards are all the domains, so it is not tied to any one of them.
        assert question.domains == ()
        return
    assert 1 <= len(question.domains) <= 2
    assert len(set(question.domains)) == len(question.domains)
    assert set(question.domains) <= set(DOMAIN_KEYS)


@pytest.mark.parametrize("question", sc.QUESTIONS, ids=lambda q: q.key)
def test_text_exists_for_exactly_the_audiences_that_see_it(question: sc.QuestionSeed) -> None:
    audiences = audiences_of(question)
    assert set(question.wording) == audiences
    assert set(question.help_text) == audiences
    for audience in audiences:
        assert question.wording[audience].strip(), (question.key, audience)
        assert question.wording[audience].rstrip().endswith("?") or question.format in {
            "top_three"
        }, (question.key, audience)


@pytest.mark.parametrize("question", sc.QUESTIONS, ids=lambda q: q.key)
def test_options(question: sc.QuestionSeed) -> None:
    if question.format not in PICTURE_FORMATS:
        assert question.options == ()
        return
    assert 3 <= len(question.options) <= 6
    for option in question.options:
        assert option.picture is not None
        assert (IMG / "options" / option.picture).is_file(), option.picture
        for audience in audiences_of(question):
            assert option.labels.get(audience, "").strip(), (question.key, option.key, audience)


def test_option_labels_only_for_audiences_that_see_them() -> None:
    shown: dict[str, set[str]] = {}
    for question in sc.QUESTIONS:
        for option in question.options:
            shown.setdefault(option.key, set()).update(audiences_of(question))
    for question in sc.QUESTIONS:
        for option in question.options:
            assert set(option.labels) == shown[option.key], option.key


# --- flows --------------------------------------------------------------------------


def test_a_flow_for_every_audience() -> None:
    assert tuple(sc.FLOWS) == sc.AUDIENCES


@pytest.mark.parametrize("audience", sc.AUDIENCES)
def test_flow_shape(audience: str) -> None:
    keys = sc.FLOWS[audience]
    assert 6 <= len(keys) <= 10
    if audience == "child_4_7":
        assert len(keys) <= 7
    assert len(keys) == len(set(keys))
    assert all(key in QUESTIONS for key in keys)
    formats = [q.format for q in flow_questions(audience)]
    assert formats[-1] == "top_three"
    assert formats.count("top_three") == 1


@pytest.mark.parametrize("audience", sc.AUDIENCES)
def test_free_text_only_for_older_people_just_before_top_three(audience: str) -> None:
    formats = [q.format for q in flow_questions(audience)]
    if audience in FREE_TEXT_AUDIENCES:
        assert formats[-2:] == ["free_text", "top_three"]
        assert formats.count("free_text") == 1
    else:
        assert "free_text" not in formats


@pytest.mark.parametrize("audience", sc.AUDIENCES)
def test_flow_uses_several_formats(audience: str) -> None:
    formats = {q.format for q in flow_questions(audience)}
    assert {"faces", "yes_maybe_no", "top_three"} <= formats
    assert formats & PICTURE_FORMATS


# --- tone and privacy -------------------------------------------------------------

PERSONAL_DETAILS = re.compile(
    r"\b(names?|called|address|postcode|street|live\s+in|where\s+do\s+you|birthday|born|"
    r"date|when\s+did|how\s+old|which\s+school|phone|email)\b",
    re.IGNORECASE,
)
LEADING = re.compile(
    r"\b(don't|doesn't|isn't|aren't|wouldn't|won't|didn't|surely|agree\s+that|"
    r"how\s+(good|great|bad|awful))\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("question", sc.QUESTIONS, ids=lambda q: q.key)
def test_never_asks_for_personal_details_or_leads(question: sc.QuestionSeed) -> None:
    for audience, wording in question.wording.items():
        assert not PERSONAL_DETAILS.search(wording), (question.key, audience, wording)
        assert not LEADING.search(wording), (question.key, audience, wording)


def test_parents_are_asked_about_themselves_and_their_family() -> None:
    for question in flow_questions("parent_carer"):
        assert re.search(r"\byour?\b", question.wording["parent_carer"], re.IGNORECASE)


def test_children_are_not_asked_about_their_child() -> None:
    for audience in ("child_4_7", "child_8_12", "young_13_17"):
        for question in flow_questions(audience):
            assert "your child" not in question.wording[audience].lower()


def test_free_text_help_asks_to_leave_out_names() -> None:
    for question in sc.QUESTIONS:
        if question.format == "free_text":
            for audience, help_text in question.help_text.items():
                assert "leave out names" in help_text, audience


# --- reading level ------------------------------------------------------------------


@pytest.mark.parametrize("audience", sc.AUDIENCES)
def test_every_sentence_is_short_enough(audience: str) -> None:
    limit = AUDIENCE_TARGETS[audience].max_words_per_sentence
    for question in flow_questions(audience):
        for text in question_texts(question, audience):
            for sentence in split_sentences(text):
                assert len(words(sentence)) <= limit, (question.key, sentence)


@pytest.mark.parametrize("audience", sc.AUDIENCES)
def test_flow_reading_level(audience: str) -> None:
    """FKGL over all the wording, help text and labels an audience reads in its flow."""
    target = AUDIENCE_TARGETS[audience]
    text = join_texts(t for q in flow_questions(audience) for t in question_texts(q, audience))
    level = reading_level(text)
    assert level.words > 50  # enough text for the grade to mean something
    assert level.max_words_per_sentence <= target.max_words_per_sentence
    assert level.grade <= target.max_grade, f"{audience}: FKGL {level.grade:.2f}"


@pytest.mark.parametrize("domain", sc.DOMAINS, ids=lambda d: d.key)
def test_domain_reading_level(domain: sc.DomainSeed) -> None:
    level = reading_level(join_texts([domain.name, domain.description]))
    assert level.max_words_per_sentence <= DOMAIN_TARGET.max_words_per_sentence
    assert level.grade <= DOMAIN_TARGET.max_grade, f"{domain.key}: FKGL {level.grade:.2f}"


def test_all_domains_reading_level() -> None:
    text = join_texts(t for d in sc.DOMAINS for t in (d.name, d.description))
    assert reading_level(text).grade <= DOMAIN_TARGET.max_grade


# --- pictures -----------------------------------------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"
# Navy lines and soft neutral fills only: no red, amber or green meanings.
PALETTE = {"#1d2b4f", "#dbe4f5", "#efe6f7", "#e6e9ef", "#f3e9c6", "#ffffff"}
REQUIRED_PICTURES = [
    *(f"audiences/{a}.svg" for a in sc.AUDIENCES),
    *(f"faces/face_{n}.svg" for n in range(1, 6)),
    "answers/yes.svg",
    "answers/maybe.svg",
    "answers/no.svg",
    "welcome.svg",
]
ALL_SVGS = sorted(IMG.rglob("*.svg"))


@pytest.mark.parametrize("name", REQUIRED_PICTURES)
def test_required_picture_exists(name: str) -> None:
    assert (IMG / name).is_file()


@pytest.mark.parametrize("path", ALL_SVGS, ids=lambda p: str(p.relative_to(IMG)))
def test_svg_is_small_neutral_and_text_free(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert len(source.encode("utf-8")) < 2048
    root = ET.fromstring(source)  # noqa: S314 - our own files, not untrusted input
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == "0 0 96 96"
    tags = {element.tag.removeprefix(SVG_NS) for element in root.iter()}
    assert not tags & {"text", "tspan", "image", "script", "foreignObject", "use", "style"}
    assert "http" not in source.replace('xmlns="http://www.w3.org/2000/svg"', "")
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{3,8}\b", source)}
    assert colours <= PALETTE, colours - PALETTE
    assert not re.search(r"\b(red|green|orange|yellow|amber|rgb|hsl)\b", source, re.I)


def test_every_option_and_domain_picture_is_used() -> None:
    used = {f"domains/{d.picture}" for d in sc.DOMAINS} | {
        f"options/{o.picture}" for q in sc.QUESTIONS for o in q.options
    }
    on_disk = {
        str(p.relative_to(IMG))
        for folder in ("domains", "options")
        for p in (IMG / folder).glob("*.svg")
    }
    assert on_disk == used


def test_faces_share_one_colour() -> None:
    fills = []
    for n in range(1, 6):
        source = (IMG / f"faces/face_{n}.svg").read_text(encoding="utf-8")
        root = ET.fromstring(source)  # noqa: S314 - our own files
        fills.append(root.find(f"{SVG_NS}circle").get("fill"))  # type: ignore[union-attr]
    assert len(set(fills)) == 1
    assert len({(IMG / f"faces/face_{n}.svg").read_bytes() for n in range(1, 6)}) == 5


def test_answers_share_one_colour() -> None:
    colours = Counter(
        frozenset(re.findall(r"#[0-9a-fA-F]{6}", (IMG / f"answers/{name}.svg").read_text()))
        for name in ("yes", "maybe", "no")
    )
    assert len(colours) == 1


def test_attribution() -> None:
    text = (IMG / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text
    assert "original work" in text
    assert "Family Voice project" in text

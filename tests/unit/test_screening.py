"""Safeguarding screening: every shipped word list, whole-word matching and normalisation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from voice_app.languages import LANGUAGES
from voice_app.models import AuditEvent, Base, SafeguardingTerm
from voice_app.screening import (
    MAX_PHRASE,
    STARTER_TERMS_FILE,
    TermError,
    add_term,
    find_matches,
    lists_by_language,
    load_starter_terms,
    normalise,
    remove_term,
    starter_terms,
    term_words,
    terms_for,
    words,
)

STARTER = starter_terms()
# An ordinary sentence in each language to put a term inside: "I want to say that ...
# and nobody knows." None of its words is part of a starter term.
FRAMES = {
    "en_GB": ("I want to say that", "and nobody knows."),
    "cy": ("Dw i am ddweud bod", "a does neb yn gwybod."),
    "pl": ("Chcę powiedzieć, że", "i nikt nie wie."),
    "ro": ("Vreau să spun că", "și nimeni nu știe."),
    "pt": ("Quero dizer que", "e ninguém sabe."),
    "uk": ("Я хочу сказати, що", "і ніхто не знає."),
    "ar": ("أريد أن أقول", "ولا أحد يعرف."),
    "ur": ("میں بتانا چاہتا ہوں کہ", "اور کوئی نہیں جانتا۔"),
    "ps": ("زه غواړم ووایم چې", "او څوک نه پوهیږي."),
    "bn": ("আমি বলতে চাই যে", "আর কেউ জানে না।"),
    "pa": ("ਮੈਂ ਦੱਸਣਾ ਚਾਹੁੰਦਾ ਹਾਂ ਕਿ", "ਅਤੇ ਕੋਈ ਨਹੀਂ ਜਾਣਦਾ।"),
    "so": ("Waxaan doonayaa inaan idhaahdo", "qofna ma oga."),
}
STARTER_CASES = [
    pytest.param(language, term, id=f"{language}-{index}")
    for language, terms in STARTER.items()
    for index, term in enumerate(terms)
]


def in_a_sentence(language: str, words_: str) -> str:
    before, after = FRAMES[language]
    return f"{before}\n{words_}, {after}"


# --- the shipped starter lists ----------------------------------------------------------


def test_every_shipped_language_has_a_starter_list_of_10_to_20_terms():
    assert set(STARTER) == set(LANGUAGES)
    for language, terms in STARTER.items():
        assert 10 <= len(terms) <= 20, (language, len(terms))


def test_starter_lists_are_data_marked_as_drafts_for_review():
    readme = (STARTER_TERMS_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert "draft" in readme.lower() and "fluent speaker" in readme
    assert '"_review_state": "drafted"' in STARTER_TERMS_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("language", sorted(STARTER))
def test_no_starter_term_repeats_another_or_is_unmatchable(language):
    keys = [term_words(term, language) for term in STARTER[language]]
    assert all(keys), language
    assert len(set(keys)) == len(keys), language
    assert all(len(term) <= MAX_PHRASE for term in STARTER[language])


@pytest.mark.parametrize(("language", "term"), STARTER_CASES)
def test_each_starter_term_is_found_in_a_sentence(language, term):
    assert term in find_matches(in_a_sentence(language, term), language, STARTER[language])
    assert find_matches(in_a_sentence(language, term.upper()), language, [term]) == [term]
    assert find_matches(f"«{term}»", language, [term]) == [term]


@pytest.mark.parametrize(("language", "term"), STARTER_CASES)
def test_each_starter_term_is_not_found_inside_longer_words(language, term):
    first, last = term[0], term[-1]
    for longer in (f"{first}{term}", f"{term}{last}", f"{first}{term}{last}"):
        sentence = in_a_sentence(language, longer)
        assert term not in find_matches(sentence, language, STARTER[language]), longer


@pytest.mark.parametrize(("language", "term"), STARTER_CASES)
def test_each_starter_term_is_not_found_when_only_part_of_it_is_there(language, term):
    term_words_ = words(normalise(term, language))
    if len(term_words_) > 1:
        partial = " ".join(term_words_[:-1])
        sentence = in_a_sentence(language, partial)
        assert term not in find_matches(sentence, language, [term])
    assert find_matches(in_a_sentence(language, ""), language, STARTER[language]) == []


@pytest.mark.parametrize(
    ("language", "typed", "term"),
    [
        ("pl", "chce umrzec", "chcę umrzeć"),
        ("pl", "ucieknE z DOMU", "ucieknę z domu"),
        ("ro", "nu sunt in siguranta", "nu sunt în siguranță"),
        ("ro", "ma batut tata", "m-a bătut"),  # hyphen left out, no diacritics
        ("pt", "nao estou segura", "não estou segura"),
        ("pt", "ele bateu me", "bateu-me"),
        ("cy", "Mae o'n cyffwrdd a fi", "cyffwrdd â fi"),
        ("cy", "camdrin", "cam-drin"),
    ],
)
def test_terms_are_found_when_typed_without_accents_or_hyphens(language, typed, term):
    assert find_matches(typed, language, [term]) == [term]


# --- whole words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("he hit me", True),
        ("He HIT me!!!", True),
        ("they (hit)\n\nme", True),
        ("white mess", False),
        ("hitting me", False),
        ("hit mes", False),
        ("shit me", False),
        ("hit", False),
        ("me hit", False),
    ],
)
def test_a_phrase_matches_only_as_whole_words_in_order(text, found):
    assert (find_matches(text, "en_GB", ["hit me"]) == ["hit me"]) is found


def test_a_single_word_term_does_not_match_inside_a_longer_word():
    assert find_matches("abuse", "en_GB", ["abuse"]) == ["abuse"]
    for longer in ("abuses", "disabuse", "abused", "abuser"):
        assert find_matches(longer, "en_GB", ["abuse"]) == [], longer


def test_matches_are_each_term_once_in_the_order_given():
    text = "they hit me, then hit me again. I want to run away."
    terms = ["run away", "hit me", "run away", "nothing here"]
    assert find_matches(text, "en_GB", terms) == ["run away", "hit me"]


def test_a_term_of_punctuation_alone_or_nothing_never_matches():
    for term in ("", "   ", "!!!", "--", "''"):
        assert term_words(term, "en_GB") == frozenset()
        assert find_matches("!!! -- '' anything", "en_GB", [term]) == []


def test_a_hyphen_in_a_term_may_be_typed_spaced_or_left_out():
    for text in ("self-harm", "self harm", "selfharm", "self\u2011harm", "self – harm"):
        assert find_matches(f"I {text} sometimes", "en_GB", ["self-harm"]) == ["self-harm"], text
    # Without the hyphen in the term, the run-together form is a different word.
    assert find_matches("I selfharm", "en_GB", ["self harm"]) == []


# --- normalisation -----------------------------------------------------------------------


def test_normalise_ignores_case_and_collapses_whitespace_and_line_breaks():
    assert normalise("  He  HIT\r\n\tme\u00a0 ", "en_GB") == "he hit me"
    assert normalise("STRASSE Straße", "en_GB") == "strasse strasse"


def test_normalise_removes_latin_accents():
    assert normalise("Chcę UMRZEĆ, Łódź", "pl") == "chce umrzec, lodz"
    # Romanian s and t with comma below and the older cedilla forms are the same.
    assert normalise("ș ş ț ţ ă î â", "ro") == "s s t t a i a"
    assert normalise("ŵ ŷ â", "cy") == "w y a"
    assert normalise("cafe\u0301", "pt") == normalise("café", "pt") == "cafe"


def test_normalise_keeps_cyrillic_letters_apart():
    assert normalise("Й ї є", "uk") == "й ї є"
    assert find_matches("хочу померти", "uk", ["хочу помирти"]) == []


def test_apostrophes_of_every_kind_are_ignored():
    for typed in ("don't", "don’t", "donʼt", "dont", "don`t"):
        assert normalise(typed, "en_GB") == "dont", typed
    for typed in ("б'є мене", "б’є мене", "бʼє мене", "бє мене"):
        assert find_matches(typed, "uk", ["б'є мене"]) == ["б'є мене"], typed


def test_compatibility_forms_are_the_plain_letters():
    assert find_matches("ｈｉｔ ｍｅ", "en_GB", ["hit me"]) == ["hit me"]
    assert normalise("\ufefb", "ar") == "لا"  # the lam-alef ligature


def test_arabic_short_vowels_tatweel_and_letter_variants_are_ignored():
    assert normalise("أُرِيدُ أَنْ أَمُوتَ", "ar") == "اريد ان اموت"
    assert normalise("مـــوت", "ar") == "موت"
    assert normalise("إ أ آ ٱ ا", "ar") == "ا ا ا ا ا"
    assert normalise("إلى", "ar") == "الي"
    assert find_matches("اريد ان اموت", "ar", ["أريد أن أموت"]) == ["أريد أن أموت"]
    assert find_matches("أريدُ أنْ أموتَ!", "ar", ["اريد ان اموت"]) == ["اريد ان اموت"]


def test_urdu_typed_on_an_arabic_keyboard_matches():
    # Arabic yeh, kaf and heh for the Urdu letters ی ک ہ.
    assert find_matches("مجھے مارتا ہے", "ur", ["مجھے مارتا ہے"]) == ["مجھے مارتا ہے"]
    assert find_matches("مجھے مارتا هے", "ur", ["مجھے مارتا ہے"]) == ["مجھے مارتا ہے"]
    assert find_matches("خودكشي", "ur", ["خودکشی"]) == ["خودکشی"]


def test_pashto_keeps_its_two_yeh_letters_apart():
    assert normalise("ي", "ps") != normalise("ی", "ps")
    assert normalise("ى", "ps") == normalise("ی", "ps")
    assert find_matches("زه خوندي نه یم", "ps", ["خوندي نه یم"]) == ["خوندي نه یم"]


def test_invisible_joiners_and_direction_marks_do_not_split_words():
    assert find_matches("خود\u200cکشی", "ur", ["خودکشی"]) == ["خودکشی"]
    assert find_matches("\u200fانتحار\u200e", "ar", ["انتحار"]) == ["انتحار"]
    assert find_matches("sui\u00adcide", "en_GB", ["suicide"]) == ["suicide"]
    assert find_matches("sui\u200bcide", "en_GB", ["suicide"]) == ["suicide"]


def test_bengali_and_gurmukhi_vowel_signs_stay_inside_their_words():
    assert words(normalise("আমাকে মেরেছে। বাড়ি", "bn")) == ["আমাকে", "মেরেছে", "বাড়ি"]
    assert words(normalise("ਮੈਨੂੰ ਮਾਰਦਾ, ਘਰ", "pa")) == ["ਮੈਨੂੰ", "ਮਾਰਦਾ", "ਘਰ"]
    # A different vowel sign is a different word.
    assert find_matches("আমাকে মার", "bn", ["আমাকে মারে"]) == []
    assert find_matches("ਮੈਨੂੰ ਮਾਰਦੀ", "pa", ["ਮੈਨੂੰ ਮਾਰਦਾ"]) == []
    assert find_matches("ਮੈਨੂੰ ਮਾਰਦਾ", "pa", ["ਮੈਨੂੰ ਮਾਰਦਾ"]) == ["ਮੈਨੂੰ ਮਾਰਦਾ"]


def test_nukta_letters_match_whether_typed_precomposed_or_not():
    assert find_matches("ਖੁਦਕੁਸ\u0a3cੀ", "pa", ["ਖੁਦਕੁਸ਼ੀ"]) == ["ਖੁਦਕੁਸ਼ੀ"]
    assert find_matches("বাড\u09bcি যেতে ভয়", "bn", ["বাড়ি যেতে ভয়"]) == ["বাড়ি যেতে ভয়"]


# --- the lists in the database --------------------------------------------------------------


@pytest.fixture
def db_session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_loading_the_starter_lists_is_idempotent(db_session):
    added = load_starter_terms(db_session)
    assert added == sum(len(terms) for terms in STARTER.values())
    assert load_starter_terms(db_session) == 0
    assert count(db_session, SafeguardingTerm) == added
    by_language = {item.language: item.count for item in lists_by_language(db_session)}
    assert by_language == {language: len(terms) for language, terms in STARTER.items()}


def test_loading_keeps_what_researchers_removed_out_only_until_loaded_again(db_session):
    load_starter_terms(db_session)
    term = db_session.scalar(select(SafeguardingTerm).where(SafeguardingTerm.phrase == "hit me"))
    remove_term(db_session, term.id, actor_id=None)
    assert "hit me" not in terms_for(db_session, "en_GB")
    # Loading again adds only what is missing: a deliberate load restores the starter term.
    assert load_starter_terms(db_session) == 1


def test_english_terms_are_screened_on_every_language_page(db_session):
    db_session.add_all(
        [
            SafeguardingTerm(language="en_GB", phrase="hit me"),
            SafeguardingTerm(language="pl", phrase="bije mnie"),
        ]
    )
    db_session.flush()
    assert terms_for(db_session, "pl") == ["bije mnie", "hit me"]
    assert terms_for(db_session, "en_GB") == ["hit me"]
    assert terms_for(db_session, "ar") == ["hit me"]
    assert find_matches("On mnie bije. he hit me", "pl", terms_for(db_session, "pl")) == ["hit me"]


@pytest.mark.parametrize(
    ("language", "phrase", "code"),
    [
        ("xx", "hit me", "unknown_language"),
        ("", "hit me", "unknown_language"),
        ("en_GB", "", "phrase_missing"),
        ("en_GB", "  \n ", "phrase_missing"),
        ("en_GB", "a" * (MAX_PHRASE + 1), "too_long"),
        ("en_GB", "hit\x00me", "control_characters"),
        ("en_GB", "hit\x1bme", "control_characters"),
        ("en_GB", "?!", "no_words"),
        ("en_GB", "Hit  ME", "duplicate"),
        ("en_GB", "HIT, me!", "duplicate"),
    ],
)
def test_adding_a_term_refuses_bad_input(db_session, language, phrase, code):
    db_session.add(SafeguardingTerm(language="en_GB", phrase="hit me"))
    db_session.flush()
    with pytest.raises(TermError) as raised:
        add_term(db_session, language, phrase, actor_id=None)
    assert raised.value.code == code
    db_session.rollback()


def test_adding_and_removing_a_term_is_audited_and_tidied(db_session):
    term = add_term(db_session, "pl", "  boję  się\n ojczyma ", actor_id=None)
    assert term.phrase == "boję się ojczyma"
    assert "boję się ojczyma" in terms_for(db_session, "pl")
    # The same words in another language's list are a different term.
    add_term(db_session, "uk", "boję się ojczyma", actor_id=None)
    remove_term(db_session, term.id, actor_id=None)
    assert "boję się ojczyma" not in terms_for(db_session, "pl")
    assert "boję się ojczyma" in terms_for(db_session, "uk")
    actions = db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "safeguarding_term.added",
        "safeguarding_term.added",
        "safeguarding_term.removed",
    ]
    with pytest.raises(TermError) as raised:
        remove_term(db_session, term.id, actor_id=None)
    assert raised.value.code == "term_gone"

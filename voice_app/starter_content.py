"""Starter content: the default outcome framework, questions and flows (English).

Pure data, no Flask or SQLAlchemy imports. The app's set-up and demo commands load it
into the database as framework version 1, approved question versions and published
flows; translations and audio are added there.

Writing rules (checked by tests/unit/test_starter_content.py):
- each audience's wording meets its reading level in voice_app.readability;
- warm and neutral, never leading; never asks for names, places or dates;
- parents are asked about "you", "your family" and "your child".

Pictures are file names under ``static/img/domains/`` (domains) and
``static/img/options/`` (answer options).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "AUDIENCES",
    "DOMAINS",
    "FLOWS",
    "FORMATS",
    "FRAMEWORK_TITLE",
    "FRAMEWORK_VERSION",
    "DomainSeed",
    "OptionSeed",
    "QuestionSeed",
]

AUDIENCES = ("child_4_7", "child_8_12", "young_13_17", "parent_carer")

# Answer formats. "faces" and "yes_maybe_no" answers come from the app; "top_three"
# answers are the outcome-domain cards; "free_text" is only for 13-17s and parents.
FORMATS = ("faces", "yes_maybe_no", "choose_one", "choose_many", "top_three", "free_text")

FRAMEWORK_TITLE = "Family Voice outcome framework"
FRAMEWORK_VERSION = 1


@dataclass(frozen=True)
class DomainSeed:
    key: str
    picture: str  # file name under static/img/domains/
    name: str  # child-friendly short name
    description: str


@dataclass(frozen=True)
class OptionSeed:
    key: str
    picture: str | None  # file name under static/img/options/
    labels: Mapping[str, str] = field(hash=False)  # audience -> label


@dataclass(frozen=True)
class QuestionSeed:
    key: str
    format: str
    domains: tuple[str, ...]  # outcome-domain keys; () for top_three, which covers all
    wording: Mapping[str, str] = field(hash=False)  # audience -> question
    help_text: Mapping[str, str] = field(hash=False)  # audience -> help ("" when none)
    options: tuple[OptionSeed, ...] = ()


def _m(**values: str) -> Mapping[str, str]:
    """A read-only audience -> text mapping.

    The mappings are left out of the seeds' hash, so seeds can still go in sets.
    """
    return MappingProxyType(values)


# --- outcome domains --------------------------------------------------------------

DOMAINS: tuple[DomainSeed, ...] = (
    DomainSeed(
        key="feeling_safe",
        picture="feeling_safe.svg",
        name="Feeling safe",
        description="I feel safe at home and outside.",
    ),
    DomainSeed(
        key="being_listened_to",
        picture="being_listened_to.svg",
        name="Being listened to",
        description="People listen to me. What I say counts.",
    ),
    DomainSeed(
        key="family_supported",
        picture="family_supported.svg",
        name="Help for my family",
        description="My family gets the help it needs.",
    ),
    DomainSeed(
        key="health_wellbeing",
        picture="health_wellbeing.svg",
        name="Healthy body and mind",
        description="I feel well in body and mind.",
    ),
    DomainSeed(
        key="learning_school",
        picture="learning_school.svg",
        name="Learning and school",
        description="I can learn and do well at school.",
    ),
    DomainSeed(
        key="friends_belonging",
        picture="friends_belonging.svg",
        name="Friends and fitting in",
        description="I have friends. I feel I belong.",
    ),
    DomainSeed(
        key="stable_home",
        picture="stable_home.svg",
        name="A settled home",
        description="I have a home that feels settled.",
    ),
    DomainSeed(
        key="right_help",
        picture="right_help.svg",
        name="Help at the right time",
        description="We get the right help in time.",
    ),
)


# --- answer options ---------------------------------------------------------------

# People who help. Shared by "who_helps" and "talk_to_first".
_FAMILY = OptionSeed(
    key="family",
    picture="family.svg",
    labels=_m(child_4_7="My family", child_8_12="My family", parent_carer="Family"),
)
_TEACHER = OptionSeed(
    key="teacher",
    picture="teacher.svg",
    labels=_m(
        child_4_7="A teacher",
        child_8_12="A teacher",
        parent_carer="Your child's school",
    ),
)
_DOCTOR_NURSE = OptionSeed(
    key="doctor_nurse",
    picture="doctor_nurse.svg",
    labels=_m(
        child_4_7="A doctor or nurse",
        child_8_12="A doctor or nurse",
        parent_carer="A doctor, nurse or health visitor",
    ),
)
_SOCIAL_WORKER = OptionSeed(
    key="social_worker",
    picture="social_worker.svg",
    labels=_m(
        child_4_7="A social worker",
        child_8_12="A social worker",
        parent_carer="A social worker or family worker",
    ),
)
_FRIEND = OptionSeed(
    key="friend",
    picture="friend.svg",
    labels=_m(child_4_7="A friend", child_8_12="A friend", parent_carer="Friends"),
)
_SOMEONE_ELSE = OptionSeed(
    key="someone_else",
    picture="someone_else.svg",
    labels=_m(child_4_7="Someone else", child_8_12="Someone else", parent_carer="Someone else"),
)

# What would make help better. Used by "make_help_better".
_BETTER_OPTIONS: tuple[OptionSeed, ...] = (
    OptionSeed(
        key="help_sooner",
        picture="help_sooner.svg",
        labels=_m(young_13_17="Help that comes sooner", parent_carer="Help that comes sooner"),
    ),
    OptionSeed(
        key="same_person",
        picture="same_person.svg",
        labels=_m(
            young_13_17="Seeing the same person each time",
            parent_carer="Seeing the same worker each time",
        ),
    ),
    OptionSeed(
        key="more_time",
        picture="more_time.svg",
        labels=_m(young_13_17="More time to talk", parent_carer="More time to talk"),
    ),
    OptionSeed(
        key="told_more",
        picture="told_more.svg",
        labels=_m(
            young_13_17="Being told what is going on",
            parent_carer="Being told what is going on",
        ),
    ),
    OptionSeed(
        key="have_a_say",
        picture="have_a_say.svg",
        labels=_m(young_13_17="A say in what happens", parent_carer="A say in what happens"),
    ),
    OptionSeed(
        key="own_language",
        picture="own_language.svg",
        labels=_m(
            young_13_17="Help in my own language",
            parent_carer="Help in your own language",
        ),
    ),
)


# --- questions --------------------------------------------------------------------

QUESTIONS: tuple[QuestionSeed, ...] = (
    QuestionSeed(
        key="feel_safe_home",
        format="faces",
        domains=("feeling_safe", "stable_home"),
        wording=_m(
            child_4_7="How do you feel at home?",
            child_8_12="How safe do you feel at home?",
            young_13_17="How safe do you feel at home right now?",
            parent_carer="How safe does your family feel at home right now?",
        ),
        help_text=_m(
            child_4_7="Tap a face.",
            child_8_12="Tap the face that fits best.",
            young_13_17="",
            parent_carer="",
        ),
    ),
    QuestionSeed(
        key="who_helps",
        format="choose_many",
        domains=("family_supported", "right_help"),
        wording=_m(
            child_4_7="Who helps you?",
            child_8_12="Who helps you and your family?",
            parent_carer="Who is helping your family at the moment?",
        ),
        help_text=_m(
            child_4_7="Tap as many as you like.",
            child_8_12="You can pick more than one.",
            parent_carer="Choose all that apply.",
        ),
        options=(_FAMILY, _TEACHER, _DOCTOR_NURSE, _SOCIAL_WORKER, _FRIEND, _SOMEONE_ELSE),
    ),
    QuestionSeed(
        key="talk_to_first",
        format="choose_one",
        domains=("feeling_safe", "being_listened_to"),
        wording=_m(child_8_12="If you were worried, who would you talk to first?"),
        help_text=_m(child_8_12="Pick one."),
        options=(_FAMILY, _TEACHER, _FRIEND, _SOCIAL_WORKER, _SOMEONE_ELSE),
    ),
    QuestionSeed(
        key="listened_to",
        format="yes_maybe_no",
        domains=("being_listened_to",),
        wording=_m(
            child_4_7="Do grown-ups listen to you?",
            child_8_12="Do the grown-ups who help you listen to you?",
            young_13_17="Do the people who help you listen to what you say?",
            parent_carer="Do the people who help your family listen to you?",
        ),
        help_text=_m(child_4_7="", child_8_12="", young_13_17="", parent_carer=""),
    ),
    QuestionSeed(
        key="explain_things",
        format="yes_maybe_no",
        domains=("being_listened_to", "right_help"),
        wording=_m(
            child_4_7="Do grown-ups tell you what is going on?",
            child_8_12="Do grown-ups tell you what is going on?",
            young_13_17="Do people explain what is happening and why?",
            parent_carer="Do workers explain to you what is happening and why?",
        ),
        help_text=_m(
            child_4_7="",
            child_8_12="Think of the people who help your family.",
            young_13_17="Think about the people who help you and your family.",
            parent_carer="For example, social workers, health staff, police or school staff.",
        ),
    ),
    QuestionSeed(
        key="help_in_time",
        format="yes_maybe_no",
        domains=("right_help", "family_supported"),
        wording=_m(
            child_8_12="Did help come when you needed it?",
            young_13_17="Did help come when you and your family needed it?",
            parent_carer="Did your family get help when you needed it?",
        ),
        help_text=_m(child_8_12="", young_13_17="", parent_carer=""),
    ),
    QuestionSeed(
        key="feel_about_school",
        format="faces",
        domains=("learning_school",),
        wording=_m(
            child_4_7="How do you feel at school?",
            child_8_12="How do you feel about school?",
            young_13_17="How do you feel about school or college?",
            parent_carer="How is school going for your child?",
        ),
        help_text=_m(
            child_4_7="Tap a face.",
            child_8_12="",
            young_13_17="If you are not in school or college, you can skip this.",
            parent_carer="If you have more than one child, think of them all.",
        ),
    ),
    QuestionSeed(
        key="feel_healthy",
        format="faces",
        domains=("health_wellbeing",),
        wording=_m(
            child_8_12="How well do you feel in your body and mind?",
            young_13_17="How are you feeling in your body and mind these days?",
            parent_carer="How are you and your family doing, in body and mind?",
        ),
        help_text=_m(child_8_12="", young_13_17="", parent_carer=""),
    ),
    QuestionSeed(
        key="have_friends",
        format="yes_maybe_no",
        domains=("friends_belonging",),
        wording=_m(
            child_4_7="Do you have friends to play with?",
            child_8_12="Do you have friends you can trust?",
            young_13_17="Do you feel you fit in with people your age?",
        ),
        help_text=_m(child_4_7="", child_8_12="", young_13_17=""),
    ),
    QuestionSeed(
        key="make_help_better",
        format="choose_many",
        domains=("right_help",),
        wording=_m(
            young_13_17="What would make help better for you?",
            parent_carer="What would make help better for your family?",
        ),
        help_text=_m(
            young_13_17="Choose all that apply.",
            parent_carer="Choose all that apply.",
        ),
        options=_BETTER_OPTIONS,
    ),
    QuestionSeed(
        key="anything_else",
        format="free_text",
        domains=("being_listened_to",),
        wording=_m(
            young_13_17="Is there anything else you want to tell us?",
            parent_carer="Is there anything else you want to tell us?",
        ),
        help_text=_m(
            young_13_17=(
                "You do not have to write anything. Please leave out names. "
                "If we are worried about your safety, someone may talk to you."
            ),
            parent_carer=(
                "You do not have to write anything. Please leave out names. "
                "If we are worried about anyone's safety, someone may talk to you."
            ),
        ),
    ),
    QuestionSeed(
        key="what_matters_most",
        format="top_three",
        domains=(),
        wording=_m(
            child_4_7="Which three matter most to you?",
            child_8_12="What matters most to you? Pick three.",
            young_13_17="What matters most to you and your family? Choose your top three.",
            parent_carer="What matters most for your child and family? Choose your top three.",
        ),
        help_text=_m(
            child_4_7="Tap the one that matters most first.",
            child_8_12="Tap them in order. Start with the one that matters most.",
            young_13_17="Tap three cards in order. Start with the one that matters most.",
            parent_carer="Tap three cards in order. Start with the one that matters most.",
        ),
    ),
)


# --- flows ------------------------------------------------------------------------

FLOWS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "child_4_7": (
            "feel_safe_home",
            "who_helps",
            "listened_to",
            "explain_things",
            "feel_about_school",
            "have_friends",
            "what_matters_most",
        ),
        "child_8_12": (
            "feel_safe_home",
            "who_helps",
            "talk_to_first",
            "listened_to",
            "explain_things",
            "help_in_time",
            "feel_about_school",
            "feel_healthy",
            "have_friends",
            "what_matters_most",
        ),
        "young_13_17": (
            "feel_safe_home",
            "listened_to",
            "explain_things",
            "help_in_time",
            "feel_about_school",
            "feel_healthy",
            "have_friends",
            "make_help_better",
            "anything_else",
            "what_matters_most",
        ),
        "parent_carer": (
            "feel_safe_home",
            "who_helps",
            "listened_to",
            "explain_things",
            "help_in_time",
            "feel_about_school",
            "feel_healthy",
            "make_help_better",
            "anything_else",
            "what_matters_most",
        ),
    }
)

"""The studio's words: names of statuses, formats and audiences, and friendly errors."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voice_app import readability
from voice_app.models import AnswerFormat, Audience, VersionAction, VersionStatus
from voice_app.readability import AUDIENCE_TARGETS, GRADE_MIN_WORDS, HintKind

STUDIO_ERRORS = {
    "wording_missing": _l("Write the question for this group, or leave its help text empty too."),
    "no_audience": _l("Write the question for at least one group."),
    "too_long": _l("This is too long. Make it shorter."),
    "control_characters": _l("This has hidden control characters. Type it again without them."),
    "options_needed": _l("Write between 2 and 8 answers for a question where people choose."),
    "option_label_missing": _l("Write this answer for every group the question is for."),
    "unknown_domain": _l("Choose outcome areas from the list."),
    "domain_needed": _l("Choose at least one outcome area this question is about."),
    "not_editable": _l("This version cannot be changed any more. Start a new version instead."),
    "not_a_draft": _l("Only a draft can be proposed."),
    "not_proposed": _l("Only a proposed question can be approved or sent back."),
    "not_approved": _l("Only approved questions can be used in a flow."),
    "reason_needed": _l("Say why you are sending it back, so the advisors know what to change."),
    "comment_missing": _l("Write your comment first."),
    "own_question": _l("You cannot give a thumbs-up to your own question."),
    "not_open_for_votes": _l("Votes are only for drafts and proposed questions."),
    "unknown_language": _l("Choose a language from the list."),
    "flow_published": _l("This flow is published and cannot change. Make a new draft from it."),
    "name_missing": _l("Give the flow a name."),
    "no_framework": _l("There is no outcome framework yet. Ask an admin to set one up."),
    "not_for_audience": _l("That question is not written for this group."),
    "already_in_flow": _l("That question is already in this group's list."),
    "not_in_flow": _l("That question is not in this flow any more."),
    "empty_flow": _l("Add at least one question before publishing."),
}
AUDIO_ERRORS = {
    "missing": _l("Choose a sound file, or record one."),
    "not_audio": _l(
        "That file is not a sound recording we can use. Try an MP3, M4A, OGG, WebM or WAV file."
    ),
    "too_large": _l("That file is too big. Use a recording under 5 MB."),
    "too_long": _l("That recording is too long. Keep it under 60 seconds."),
}
STATUS_NAMES = {
    VersionStatus.DRAFT: _l("Draft"),
    VersionStatus.PROPOSED: _l("Proposed"),
    VersionStatus.APPROVED: _l("Approved"),
    VersionStatus.RETIRED: _l("Retired"),
}
ACTION_NAMES = {
    VersionAction.CREATED: _l("Created"),
    VersionAction.EDITED: _l("Edited"),
    VersionAction.PROPOSED: _l("Proposed"),
    VersionAction.SENT_BACK: _l("Sent back"),
    VersionAction.APPROVED: _l("Approved"),
    VersionAction.RETIRED: _l("Retired"),
}
FORMAT_NAMES = {
    AnswerFormat.FACES: _l("Faces scale"),
    AnswerFormat.YES_MAYBE_NO: _l("Yes, maybe or no"),
    AnswerFormat.CHOOSE_ONE: _l("Choose one answer"),
    AnswerFormat.CHOOSE_MANY: _l("Choose one or more answers"),
    AnswerFormat.TOP_THREE: _l("What matters most: top 3 outcome cards"),
    AnswerFormat.FREE_TEXT: _l("Anything else: short free text"),
}
AUDIENCE_NAMES = {
    Audience.CHILD_4_7: _l("Children aged 4 to 7"),
    Audience.CHILD_8_12: _l("Children aged 8 to 12"),
    Audience.YOUNG_13_17: _l("Young people aged 13 to 17"),
    Audience.PARENT_CARER: _l("Parents and carers"),
}


@dataclass(frozen=True)
class ReadabilityReport:
    summary: str
    hints: list[str]


def readability_messages() -> dict[str, str]:
    """Message templates shared by the page (on save) and studio.js (while typing)."""
    return {
        "summary": _(
            "Longest sentence: %(words)s words (aim for %(limit)s or fewer). "
            "Reading grade: %(grade)s (aim for %(target)s or lower)."
        ),
        # TRANSLATORS: the reading grade of a few words changes a lot with one word.
        "short_note": _("Short texts give unsteady grades: check the whole flow too."),
        "long_sentence": _(
            "Sentence %(sentence)s has %(words)s words. Try %(limit)s or fewer, "
            "or make two sentences."
        ),
        "grade_too_high": _(
            "The reading grade is %(grade)s. Aim for %(limit)s or lower. "
            "Use shorter words and shorter sentences."
        ),
        # TRANSLATORS: "beats" means syllables, in words a young advisor uses.
        "long_word": _('"%(word)s" is a long word (%(syllables)s beats). Is there a shorter one?'),
        "plainer_word": _('Try "%(suggestion)s" instead of "%(word)s".'),
        "ok": _("Easy to read for this age group."),
        "estimate": _("Estimate while you type. Saving checks it exactly."),
    }


def _grade(value: float) -> str:
    return format_decimal(round(value, 1), format="0.0")


def readability_report(text: str, audience: Audience) -> ReadabilityReport | None:
    """The check shown under an English text box after saving (exact, offline)."""
    if not text.strip():
        return None
    messages = readability_messages()
    target = AUDIENCE_TARGETS[audience.value]
    level = readability.reading_level(text)
    summary = messages["summary"] % {
        "words": format_decimal(level.max_words_per_sentence),
        "limit": format_decimal(target.max_words_per_sentence),
        "grade": _grade(level.grade),
        "target": _grade(target.max_grade),
    }
    if level.words < GRADE_MIN_WORDS:
        summary = f"{summary} {messages['short_note']}"
    lines = []
    for hint in readability.hints(text, audience.value):
        if hint.kind is HintKind.LONG_SENTENCE:
            lines.append(
                messages["long_sentence"]
                % {
                    "sentence": format_decimal(hint.sentence or 0),
                    "words": format_decimal(hint.words or 0),
                    "limit": format_decimal(hint.limit or 0),
                }
            )
        elif hint.kind is HintKind.GRADE_TOO_HIGH:
            lines.append(
                messages["grade_too_high"]
                % {"grade": _grade(hint.grade or 0), "limit": _grade(hint.limit or 0)}
            )
        elif hint.kind is HintKind.LONG_WORD:
            lines.append(
                messages["long_word"]
                % {"word": hint.word, "syllables": format_decimal(hint.syllables or 0)}
            )
        else:
            lines.append(
                messages["plainer_word"] % {"word": hint.word, "suggestion": hint.suggestion}
            )
    return ReadabilityReport(summary, lines)

"""Paper questionnaires: the facilitator types in forms people filled in on paper.

The whole questionnaire is one page in the staff's language, with each question's words
and answers as the person read them. Every answer is checked by the same answer format
plug-ins as on a tablet; nothing is stored unless every question is right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from voice_app import paper_answers as service
from voice_app.answer_formats import AnswerError, QuestionContext, parse_answer
from voice_app.auth.access import staff_required
from voice_app.codesign.messages import AUDIENCE_NAMES
from voice_app.extensions import db
from voice_app.facilitator import bp
from voice_app.facilitator.access import own_session_or_403, signed_in_staff
from voice_app.journey import JourneyStep
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE, Language
from voice_app.models import AnswerFormat, Audience, GroupSession, Role
from voice_app.participant.content import ANSWER_ERRORS, QuestionPage, load_question
from voice_app.sanitise import plain_text_problem

PAPER_ERRORS = {
    "audience_needed": _l("Choose who filled in the questionnaire."),
    "language_needed": _l("Choose the language the questionnaire was in."),
    "control_characters": _l("This has hidden control characters. Type it again without them."),
}
CHOICE_FORMATS = frozenset({AnswerFormat.FACES, AnswerFormat.YES_MAYBE_NO, AnswerFormat.CHOOSE_ONE})


@dataclass(frozen=True)
class PaperChoice:
    value: str
    label: str  # as the person read it, in the questionnaire's language
    lang: str  # BCP 47 tag of ``label``
    staff_label: str = ""  # the same in the staff's language, when it reads differently


@dataclass
class PaperQuestion:
    """One question of the form: how it was worded, and what was typed in for it."""

    step: JourneyStep
    page: QuestionPage
    choices: list[PaperChoice]
    staff_wording: str = ""  # the wording in the staff's language, when it differs
    staff_wording_language: Language = LANGUAGES[SOURCE_LANGUAGE]
    selected: list[str] = field(default_factory=list)
    error: str = ""  # the message, when what was typed in cannot be stored

    @property
    def version_id(self) -> int:
        return self.step.version_id

    @property
    def format(self) -> str:
        return self.step.format.value


# --- what the pages show ---------------------------------------------------------------


def _offered_languages(group_session: GroupSession) -> list[Language]:
    shipped = current_app.extensions["voice_languages"]
    codes = service.session_languages(group_session)
    offered = [code for code in codes if code in shipped] or codes
    return [LANGUAGES.get(code, LANGUAGES[SOURCE_LANGUAGE]) for code in offered]


def _offered_audiences(group_session: GroupSession) -> list[Audience]:
    offered = []
    for audience in service.session_audiences(group_session):
        try:
            service.paper_steps(db.session, group_session, audience)
        except service.PaperError:
            continue
        offered.append(audience)
    return offered


def _staff_language() -> str:
    code = str(get_locale())
    return code if code in LANGUAGES else SOURCE_LANGUAGE


def _questions(
    group_session: GroupSession, audience: Audience, language: Language
) -> list[PaperQuestion]:
    """Each question in the questionnaire's language, exactly as the tablet shows it."""
    framework_id = group_session.flow.framework_id
    staff_language = _staff_language()
    questions = []
    for step in service.paper_steps(db.session, group_session, audience):
        page = load_question(db.session, step, audience, language.code, framework_id)
        staff_page = (
            page
            if staff_language == language.code
            else load_question(db.session, step, audience, staff_language, framework_id)
        )
        # Faces and yes/maybe/no words come from the interface catalogue: in the
        # questionnaire's language, as on a tablet set to it.
        with force_locale(language.code):
            labels = [str(choice.label) for choice in page.choices]
        staff_labels = [str(choice.label) for choice in staff_page.choices]
        choices = [
            PaperChoice(
                choice.value,
                label,
                choice.lang or language.html_lang,
                staff_label if staff_label != label else "",
            )
            for choice, label, staff_label in zip(page.choices, labels, staff_labels, strict=True)
        ]
        staff_wording = staff_page.wording if staff_page.wording != page.wording else ""
        questions.append(
            PaperQuestion(
                step,
                page,
                choices,
                staff_wording,
                LANGUAGES.get(staff_page.text_lang.replace("-", "_"), LANGUAGES[SOURCE_LANGUAGE]),
            )
        )
    return questions


# --- reading what was typed in -----------------------------------------------------------


def _posted(question: PaperQuestion, form: MultiDict[str, str]) -> dict[str, list[str]]:
    """The question's fields, named as the tablet names them (answer, rank_1..3)."""
    name = f"q{question.version_id}"
    if question.step.format is AnswerFormat.TOP_THREE:
        return {f"rank_{rank}": form.getlist(f"{name}_rank_{rank}") for rank in (1, 2, 3)}
    return {"answer": form.getlist(name)}


def _shown_back(values: Sequence[str]) -> list[str]:
    """Posted values to put back in the form, without the control characters pages refuse."""
    return ["".join(ch for ch in value if not plain_text_problem(ch)) for value in values]


def _read(question: PaperQuestion, posted: Mapping[str, list[str]], audience: Audience) -> Any:
    """The parsed value (None when left blank); sets ``question.error`` when it is wrong."""
    values = [value for values in posted.values() for value in values]
    if question.step.format is AnswerFormat.TOP_THREE:
        question.selected = _shown_back([(posted[key] or [""])[0] for key in sorted(posted)])
    else:
        question.selected = _shown_back(values)
    if all(value == "" for value in values):
        return None  # "Not answered", nothing ticked, no cards, an empty box
    if question.step.format is AnswerFormat.FREE_TEXT and any(
        plain_text_problem(value) for value in values
    ):
        question.error = str(PAPER_ERRORS["control_characters"])
        return None
    page = question.page
    try:
        return parse_answer(
            question.step.format,
            posted,
            QuestionContext(audience, page.option_keys, page.domain_keys),
        )
    except AnswerError as failure:
        if failure.code == "missing_text":
            return None  # only spaces: nothing written, as on a tablet
        question.error = str(ANSWER_ERRORS.get(failure.code, ANSWER_ERRORS["invalid"]))
        return None


# --- the pages -----------------------------------------------------------------------------


def _draft_page(group_session: GroupSession) -> ResponseReturnValue:
    return render_template(
        "facilitator/paper_start.html", group_session=group_session, draft=True
    ), 409


@bp.get("/sessions/<int:session_id>/paper")
@staff_required(Role.FACILITATOR)
def paper_start(session_id: int) -> ResponseReturnValue:
    """Who filled it in and in which language; a GET form that leads to the questionnaire."""
    group_session = own_session_or_403(session_id)
    if not service.takes_paper(group_session):
        return _draft_page(group_session)
    audiences = _offered_audiences(group_session)
    languages = _offered_languages(group_session)
    chosen_audience = request.args.get("audience", "")
    chosen_language = request.args.get("language", group_session.default_language)
    errors: dict[str, str] = {}
    if "audience" in request.args or "language" in request.args:
        if chosen_audience not in {a.value for a in audiences}:
            errors["audience"] = str(PAPER_ERRORS["audience_needed"])
        if chosen_language not in {language.code for language in languages}:
            errors["language"] = str(PAPER_ERRORS["language_needed"])
        if not errors:
            return redirect(
                url_for(
                    "facilitator.paper_form",
                    session_id=session_id,
                    audience=chosen_audience,
                    language=chosen_language,
                )
            )
    return render_template(
        "facilitator/paper_start.html",
        group_session=group_session,
        draft=False,
        audiences=[(a.value, AUDIENCE_NAMES[a]) for a in audiences],
        languages=languages,
        chosen_audience=chosen_audience,
        chosen_language=chosen_language,
        errors=errors,
    ), 400 if errors else 200


@bp.route("/sessions/<int:session_id>/paper/<audience>", methods=["GET", "POST"])
@staff_required(Role.FACILITATOR)
def paper_form(session_id: int, audience: str) -> ResponseReturnValue:
    """The whole questionnaire on one page; stored only when every answer is right."""
    group_session = own_session_or_403(session_id)
    if not service.takes_paper(group_session):
        return _draft_page(group_session)
    offered = {a.value: a for a in _offered_audiences(group_session)}
    if audience not in offered:
        abort(404)
    who = offered[audience]
    language = next(
        (
            language
            for language in _offered_languages(group_session)
            if language.code == request.args.get("language", "")
        ),
        None,
    )
    if language is None:
        start = url_for("facilitator.paper_start", session_id=session_id, audience=audience)
        return redirect(start)
    questions = _questions(group_session, who, language)
    entry_id = service.new_entry_id()
    if request.method == "POST":
        entry_id = request.form.get("entry_id", "")
        if not service.is_entry_id(entry_id):
            abort(400)  # not a form this page gave out
        answers = {
            question.version_id: _read(question, _posted(question, request.form), who)
            for question in questions
        }
        if not any(question.error for question in questions):
            try:
                entry = service.record_paper_questionnaire(
                    db.session,
                    session_id=group_session.id,
                    audience=who,
                    language=language.code,
                    answers=answers,
                    entry_id=entry_id,
                    entered_by=signed_in_staff(),
                )
            except service.PaperError as failure:
                db.session.rollback()
                if failure.code == "session_draft":
                    return _draft_page(group_session)
                abort(400)
            if entry.repeat:
                message = _("This paper questionnaire was already saved. Nothing was added.")
            else:
                message = _("Paper questionnaire saved.")
            flash(message, "success")
            return redirect(url_for("facilitator.session", session_id=session_id))
    errors = [question for question in questions if question.error]
    return render_template(
        "facilitator/paper_form.html",
        group_session=group_session,
        audience=who,
        audience_name=AUDIENCE_NAMES[who],
        language=language,
        questions=questions,
        errors=errors,
        entry_id=entry_id,
        choice_formats={f.value for f in CHOICE_FORMATS},
    ), 400 if errors else 200

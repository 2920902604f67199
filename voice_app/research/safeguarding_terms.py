"""Researchers maintain the safeguarding word lists that free text is screened against."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voice_app import screening
from voice_app.audit import record_event
from voice_app.auth.access import current_staff_user, staff_required
from voice_app.extensions import db
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE
from voice_app.models import Role, StaffUser
from voice_app.research import bp
from voice_app.sanitise import plain_text_problem

TERM_ERRORS = {
    "unknown_language": _l("Choose a language from the list."),
    "phrase_missing": _l("Write the word or phrase to look for."),
    "control_characters": _l("This has hidden control characters. Type it again without them."),
    "no_words": _l("Write at least one letter or number. Punctuation alone cannot be matched."),
    "duplicate": _l(
        "That word or phrase is already on this language's list. Capitals, accents and "
        "punctuation are ignored when comparing."
    ),
    "term_gone": _l("That word or phrase had already been taken off the list."),
}


def _error_message(error: screening.TermError) -> str:
    if error.code == "too_long":
        return _(
            "Keep the word or phrase to %(max)s characters or fewer.", max=screening.MAX_PHRASE
        )
    message = TERM_ERRORS.get(error.code)
    return str(message) if message else _("Check what you typed and try again.")


def _researcher() -> StaffUser:
    user = current_staff_user()
    if user is None:  # staff_required runs first, so this means a view lost its decorator
        abort(403)
    return user


def _shown_back(value: str) -> str:
    """What was typed, to show again after an error, without invisible control characters."""
    return "".join(ch for ch in value[: screening.MAX_PHRASE * 2] if not plain_text_problem(ch))


def _render(
    language: str,
    error: screening.TermError | None = None,
    phrase: str = "",
) -> ResponseReturnValue:
    lists = screening.lists_by_language(db.session)
    record_event(db.session, "safeguarding_terms.viewed", actor_id=_researcher().id)
    db.session.commit()
    return render_template(
        "research/safeguarding_terms.html",
        lists=lists,
        selected=next(item for item in lists if item.language == language),
        languages=LANGUAGES,
        error=error,
        error_message=_error_message(error) if error else "",
        phrase=phrase,
        max_phrase=screening.MAX_PHRASE,
    ), 400 if error else 200


@bp.route("/safeguarding-terms", methods=["GET", "POST"])
@staff_required(Role.RESEARCHER)
def safeguarding_terms() -> ResponseReturnValue:
    if request.method == "GET":
        language = request.args.get("language", SOURCE_LANGUAGE)
        return _render(language if language in LANGUAGES else SOURCE_LANGUAGE)
    language = request.form.get("language", "")
    phrase = request.form.get("phrase", "")
    try:
        screening.add_term(db.session, language, phrase, _researcher().id)
    except screening.TermError as error:
        db.session.rollback()
        shown = language if language in LANGUAGES else SOURCE_LANGUAGE
        return _render(shown, error, _shown_back(phrase))
    db.session.commit()
    flash(
        _("Added to the list: %(phrase)s", phrase=screening.tidy_phrase(phrase)),
        "success",
    )
    return redirect(url_for("research.safeguarding_terms", language=language, _anchor="terms"))


@bp.post("/safeguarding-terms/<int:term_id>/remove")
@staff_required(Role.RESEARCHER)
def remove_safeguarding_term(term_id: int) -> ResponseReturnValue:
    language = request.form.get("language", "")
    try:
        term = screening.remove_term(db.session, term_id, _researcher().id)
    except screening.TermError as error:
        db.session.rollback()
        flash(_error_message(error), "error")
    else:
        language, phrase = term.language, term.phrase
        db.session.commit()
        flash(_("Taken off the list: %(phrase)s", phrase=phrase), "success")
    if language not in LANGUAGES:
        language = SOURCE_LANGUAGE
    return redirect(url_for("research.safeguarding_terms", language=language, _anchor="terms"))

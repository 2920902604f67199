"""Question bank pages: write, translate, hear, preview, discuss and review questions."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from voice_app import question_bank as bank
from voice_app.answer_formats import AnswerError, QuestionContext, parse_answer
from voice_app.audio import CODECS, MAX_UPLOAD_BYTES, AudioError, store_recording
from voice_app.audit import record_event
from voice_app.auth.access import current_staff_user, staff_required
from voice_app.codesign import bp
from voice_app.codesign.messages import (
    ACTION_NAMES,
    AUDIENCE_NAMES,
    AUDIO_ERRORS,
    FORMAT_NAMES,
    STATUS_NAMES,
    STUDIO_ERRORS,
    readability_messages,
    readability_report,
)
from voice_app.extensions import db
from voice_app.flows import current_framework
from voice_app.journey import JourneyStep
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE
from voice_app.models import (
    AnswerFormat,
    Audience,
    AudioClip,
    OutcomeDomain,
    QuestionComment,
    QuestionText,
    QuestionVersion,
    Role,
    StaffUser,
    VersionStatus,
)
from voice_app.participant.content import ANSWER_ERRORS, load_question
from voice_app.participant.forms import PlainForm
from voice_app.readability import browser_rules
from voice_app.routing import LARGEST_ID
from voice_app.sanitise import plain_text_problem

STUDIO_ROLES = (Role.ADVISOR, Role.RESEARCHER)
EDITOR_ROLES = (Role.ADVISOR, Role.RESEARCHER)
PREVIEW_SIZES = {"tablet": 810, "phone": 390}


def _actor() -> StaffUser:
    user = current_staff_user()
    if user is None:  # staff_required runs first, so this means a view lost its decorator
        abort(403)
    return user


# Ids typed into forms: a number no row can have (too big for the column, or digits like
# "²" that int() refuses) is a form error, never a database error. Ids in URLs are
# bounded by the app's <int:...> converter (voice_app.routing).
_ID = re.compile(r"[1-9][0-9]{0,9}")


def stored_id(value: str | int) -> int | None:
    """``value`` as a row id, or None when no row can have it."""
    text = str(value)
    if not _ID.fullmatch(text) or int(text) > LARGEST_ID:
        return None
    return int(text)


def _version_or_404(version_id: int) -> QuestionVersion:
    version = bank.load_version(db.session, version_id)
    if version is None:
        abort(404)
    return version


def _text_or_404(text_id: int) -> QuestionText:
    text = db.session.get(QuestionText, text_id)
    if text is None:
        abort(404)
    return text


def _checked_form() -> None:
    """Every POST here carries the CSRF token (CSRFProtect refuses it otherwise)."""
    PlainForm()


def shown_back(value: str) -> str:
    """A posted value to put back in the form after an error, without control characters.

    They are what the error is often about, they cannot be seen, and an HTML page may not
    contain them; the person sees the rest of what they typed and can send it again.
    """
    return "".join(ch for ch in value if not plain_text_problem(ch))


@bp.app_template_global()
def studio_names() -> dict[str, Any]:
    return {
        "status": STATUS_NAMES,
        "action": ACTION_NAMES,
        "format": FORMAT_NAMES,
        "audience": AUDIENCE_NAMES,
    }


# --- the bank -------------------------------------------------------------------------


@bp.get("/")
@staff_required(*STUDIO_ROLES)
def bank_list() -> ResponseReturnValue:
    wanted = request.args.get("status", "")
    latest = (
        select(QuestionVersion.question_id, func.max(QuestionVersion.number).label("number"))
        .group_by(QuestionVersion.question_id)
        .subquery()
    )
    query = (
        select(QuestionVersion)
        .join(
            latest,
            (latest.c.question_id == QuestionVersion.question_id)
            & (latest.c.number == QuestionVersion.number),
        )
        .options(selectinload(QuestionVersion.texts), selectinload(QuestionVersion.question))
        .order_by(QuestionVersion.question_id)
    )
    if wanted in {s.value for s in VersionStatus}:
        query = query.where(QuestionVersion.status == VersionStatus(wanted))
    else:
        wanted = ""
    versions = db.session.scalars(query).all()
    ids = [v.id for v in versions]
    votes = dict(
        db.session.execute(
            select(bank.QuestionVote.version_id, func.count())
            .where(bank.QuestionVote.version_id.in_(ids))
            .group_by(bank.QuestionVote.version_id)
        ).all()
    )
    comment_counts = dict(
        db.session.execute(
            select(QuestionComment.version_id, func.count())
            .where(QuestionComment.version_id.in_(ids))
            .group_by(QuestionComment.version_id)
        ).all()
    )
    rows = [
        {
            "version": v,
            "wording": bank.summary_wording(v),
            "audiences": bank.source_audiences(v),
            "votes": votes.get(v.id, 0),
            "comments": comment_counts.get(v.id, 0),
        }
        for v in versions
    ]
    return render_template(
        "codesign/bank.html",
        rows=rows,
        wanted=wanted,
        statuses=list(VersionStatus),
        can_edit=_actor().has_role(*EDITOR_ROLES),
    )


# --- writing --------------------------------------------------------------------------


def _domains() -> list[OutcomeDomain]:
    framework = current_framework(db.session)
    if framework is None:
        return []
    return list(
        db.session.scalars(
            select(OutcomeDomain)
            .options(selectinload(OutcomeDomain.texts))
            .where(OutcomeDomain.framework_id == framework.id)
            .order_by(OutcomeDomain.position)
        )
    )


def _domain_name(domain: OutcomeDomain) -> str:
    names = {t.language: t.name for t in domain.texts}
    return names.get(SOURCE_LANGUAGE, domain.key)


def _draft_from_form(form: Any) -> bank.QuestionDraft:
    try:
        answer_format = AnswerFormat(form.get("format", ""))
    except ValueError:
        raise bank.StudioError("unknown_format", "format") from None
    texts = [
        bank.TextDraft(
            audience,
            form.get(f"{audience.value}-wording", ""),
            form.get(f"{audience.value}-help_text", ""),
        )
        for audience in Audience
    ]
    options = []
    for number in range(1, bank.MAX_OPTIONS + 1):
        labels = {
            audience: form.get(f"option-{number}-{audience.value}", "") for audience in Audience
        }
        options.append(bank.OptionDraft(labels=labels, key=form.get(f"option-{number}-key", "")))
    domain_ids = []
    for raw in form.getlist("domains"):
        domain_id = stored_id(raw)
        if domain_id is None:
            raise bank.StudioError("unknown_domain", "domains")
        domain_ids.append(domain_id)
    return bank.QuestionDraft(answer_format, texts, domain_ids, options)


def _form_values(version: QuestionVersion | None) -> dict[str, Any]:
    """What the form shows: the posted values after an error, else what is stored."""
    if request.method == "POST":
        values: dict[str, Any] = {key: shown_back(request.form[key]) for key in request.form}
        values["domains"] = request.form.getlist("domains")
        return values
    values = {"format": AnswerFormat.FACES.value, "domains": []}
    if version is None:
        return values
    values["format"] = version.format.value
    values["domains"] = [str(d.id) for d in version.domains]
    for text in version.texts:
        if text.language == SOURCE_LANGUAGE:
            values[f"{text.audience.value}-wording"] = text.wording
            values[f"{text.audience.value}-help_text"] = text.help_text
    for number, option in enumerate(version.options, start=1):
        values[f"option-{number}-key"] = option.key
        for audience in Audience:
            values[f"option-{number}-{audience.value}"] = bank.label_for(
                option, audience, SOURCE_LANGUAGE
            )
    return values


def _error_message(error: bank.StudioError) -> str:
    message = STUDIO_ERRORS.get(error.code)
    return str(message) if message else _("Check what you typed and try again.")


def _reports(values: dict[str, Any]) -> dict[str, Any]:
    reports = {}
    for audience in Audience:
        for part in ("wording", "help_text"):
            key = f"{audience.value}-{part}"
            text = values.get(key, "")
            if part == "help_text":
                text = bank.help_text_as_plain(text)
            reports[key] = readability_report(text, audience)
    return reports


def _render_question_form(
    version: QuestionVersion | None, error: bank.StudioError | None = None
) -> ResponseReturnValue:
    values = _form_values(version)
    return render_template(
        "codesign/question_form.html",
        version=version,
        values=values,
        domains=[(d, _domain_name(d)) for d in _domains()],
        formats=list(AnswerFormat),
        audiences=list(Audience),
        max_options=bank.MAX_OPTIONS,
        error=error,
        error_message=_error_message(error) if error else "",
        reports=_reports(values),
        rules=browser_rules(),
        messages=readability_messages(),
    ), 400 if error else 200


@bp.route("/questions/new", methods=["GET", "POST"])
@staff_required(*EDITOR_ROLES)
def new_question() -> ResponseReturnValue:
    if request.method == "POST":
        _checked_form()
        framework = current_framework(db.session)
        try:
            if framework is None:
                raise bank.StudioError("no_framework")
            version = bank.create_question(
                db.session, _draft_from_form(request.form), _actor(), framework.id
            )
        except bank.StudioError as error:
            db.session.rollback()
            return _render_question_form(None, error)
        db.session.commit()
        flash(_("Your draft question is saved."), "success")
        return redirect(url_for("codesign.version", version_id=version.id))
    return _render_question_form(None)


@bp.route("/versions/<int:version_id>/edit", methods=["GET", "POST"])
@staff_required(*EDITOR_ROLES)
def edit(version_id: int) -> ResponseReturnValue:
    version = _version_or_404(version_id)
    if version.status is not VersionStatus.DRAFT:
        flash(str(STUDIO_ERRORS["not_editable"]), "error")
        return redirect(url_for("codesign.version", version_id=version.id))
    if request.method == "POST":
        _checked_form()
        try:
            bank.save_source(
                db.session,
                version,
                _draft_from_form(request.form),
                _actor(),
                version.domains[0].framework_id if version.domains else _framework_id(),
            )
        except bank.StudioError as error:
            db.session.rollback()
            return _render_question_form(_version_or_404(version_id), error)
        db.session.commit()
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("codesign.edit", version_id=version.id))
    return _render_question_form(version)


def _framework_id() -> int:
    framework = current_framework(db.session)
    if framework is None:
        raise bank.StudioError("no_framework")
    return framework.id


@bp.route("/versions/<int:version_id>/translate/<language>", methods=["GET", "POST"])
@staff_required(*EDITOR_ROLES)
def translate(version_id: int, language: str) -> ResponseReturnValue:
    version = _version_or_404(version_id)
    if language not in LANGUAGES or language == SOURCE_LANGUAGE:
        abort(404)
    audiences = bank.source_audiences(version)
    error = None
    if request.method == "POST" and version.status is VersionStatus.DRAFT:
        _checked_form()
        draft = bank.TranslationDraft(
            language,
            [
                bank.TextDraft(
                    a,
                    request.form.get(f"{a.value}-wording", ""),
                    request.form.get(f"{a.value}-help_text", ""),
                )
                for a in audiences
            ],
            {
                (option.key, a): request.form.get(f"option-{n}-{a.value}", "")
                for n, option in enumerate(version.options, start=1)
                for a in audiences
            },
        )
        try:
            bank.save_translation(db.session, version, draft, _actor())
        except bank.StudioError as failure:
            db.session.rollback()
            error = failure
        else:
            db.session.commit()
            flash(_("The translation is saved as a draft."), "success")
            return redirect(url_for("codesign.translate", version_id=version.id, language=language))
        version = _version_or_404(version_id)
    if request.method == "POST" and error is None:
        flash(str(STUDIO_ERRORS["not_editable"]), "error")
        return redirect(url_for("codesign.version", version_id=version.id))
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {key: shown_back(request.form[key]) for key in request.form}
    else:
        for a in audiences:
            text = bank.text_for(version, a, language)
            values[f"{a.value}-wording"] = text.wording if text else ""
            values[f"{a.value}-help_text"] = text.help_text if text else ""
        for n, option in enumerate(version.options, start=1):
            for a in audiences:
                values[f"option-{n}-{a.value}"] = bank.label_for(option, a, language)
    return render_template(
        "codesign/translate.html",
        version=version,
        language=LANGUAGES[language],
        audiences=audiences,
        values=values,
        error=error,
        error_message=_error_message(error) if error else "",
        editable=version.status is VersionStatus.DRAFT,
    ), 400 if error else 200


# --- one version ----------------------------------------------------------------------


@bp.get("/versions/<int:version_id>")
@staff_required(*STUDIO_ROLES)
def version(version_id: int) -> ResponseReturnValue:
    found = _version_or_404(version_id)
    actor = _actor()
    based_on = bank.load_version(db.session, found.based_on_id) if found.based_on_id else None
    others = db.session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == found.question_id)
        .order_by(QuestionVersion.number)
    ).all()
    clips = {
        row.question_text_id: row
        for row in db.session.execute(
            select(AudioClip.question_text_id, AudioClip.is_placeholder).where(
                AudioClip.question_text_id.in_([t.id for t in found.texts])
            )
        )
    }
    return render_template(
        "codesign/version.html",
        version=found,
        wording=bank.summary_wording(found),
        audiences=bank.source_audiences(found),
        languages=[lang for code, lang in LANGUAGES.items() if code != SOURCE_LANGUAGE],
        text_for=bank.text_for,
        label_for=bank.label_for,
        clips=clips,
        reports={
            a: readability_report(t.wording, a)
            for a in Audience
            if (t := bank.text_for(found, a, SOURCE_LANGUAGE)) is not None
        },
        votes=bank.vote_count(db.session, found.id),
        voted=bank.has_voted(db.session, found.id, actor.id),
        can_vote=actor.has_role(Role.ADVISOR)
        and found.created_by_id != actor.id
        and found.status in (VersionStatus.DRAFT, VersionStatus.PROPOSED),
        can_edit=actor.has_role(*EDITOR_ROLES),
        can_review=actor.has_role(Role.RESEARCHER),
        comments=bank.comments(db.session, found.id),
        history=bank.history(db.session, found.id),
        sent_back_reason=bank.sent_back_reason(db.session, found),
        based_on=based_on,
        changes=[
            dataclasses.replace(line, field=describe_field(line.field))
            for line in (bank.diff_versions(based_on, found) if based_on else [])
        ],
        other_versions=others,
        preview_sizes=PREVIEW_SIZES,
    )


def describe_field(key: str) -> str:
    """A snapshot key ("child_8_12 pl wording") in words for the history's diff."""
    parts = key.split(" ")
    if key == "format":
        return _("How people answer")
    if key == "domains":
        return _("Outcome areas")
    if parts[0] == "option" and len(parts) == 4:
        option_key, audience, language = parts[1:]
        part = _("Answer: %(key)s", key=option_key.replace("_", " "))
    elif len(parts) == 3:
        audience, language, kind = parts
        part = _("Question") if kind == "wording" else _("Help text")
    else:
        return key
    names = [str(AUDIENCE_NAMES.get(Audience(audience), audience))]
    if language in LANGUAGES:
        names.append(LANGUAGES[language].english_name)
    return " · ".join([*names, part])


def _status_change(version_id: int, change: str) -> ResponseReturnValue:
    _checked_form()
    found = _version_or_404(version_id)
    actor = _actor()
    try:
        if change == "propose":
            bank.propose(db.session, found, actor)
            message = _("Proposed. A researcher will review it.")
        elif change == "approve":
            bank.approve(db.session, found, actor)
            message = _("Approved. It can now be used in flows.")
        elif change == "send_back":
            bank.send_back(db.session, found, actor, request.form.get("reason", ""))
            message = _("Sent back to the advisors with your reason.")
        else:
            bank.retire(db.session, found, actor)
            message = _("Retired. It stays in published flows but cannot be added to new ones.")
    except bank.StudioError as error:
        db.session.rollback()
        flash(_error_message(error), "error")
        return redirect(url_for("codesign.version", version_id=version_id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("codesign.version", version_id=version_id))


@bp.post("/versions/<int:version_id>/propose")
@staff_required(*EDITOR_ROLES)
def propose(version_id: int) -> ResponseReturnValue:
    return _status_change(version_id, "propose")


@bp.post("/versions/<int:version_id>/approve")
@staff_required(Role.RESEARCHER)
def approve(version_id: int) -> ResponseReturnValue:
    return _status_change(version_id, "approve")


@bp.post("/versions/<int:version_id>/send-back")
@staff_required(Role.RESEARCHER)
def send_back(version_id: int) -> ResponseReturnValue:
    return _status_change(version_id, "send_back")


@bp.post("/versions/<int:version_id>/retire")
@staff_required(Role.RESEARCHER)
def retire(version_id: int) -> ResponseReturnValue:
    return _status_change(version_id, "retire")


@bp.post("/versions/<int:version_id>/new-version")
@staff_required(*EDITOR_ROLES)
def new_version(version_id: int) -> ResponseReturnValue:
    _checked_form()
    found = _version_or_404(version_id)
    try:
        draft = bank.new_version(db.session, found, _actor())
    except bank.StudioError as error:
        db.session.rollback()
        flash(_error_message(error), "error")
        return redirect(url_for("codesign.version", version_id=version_id))
    db.session.commit()
    flash(_("This is a new draft version. The approved version stays as it was."), "success")
    return redirect(url_for("codesign.edit", version_id=draft.id))


@bp.post("/versions/<int:version_id>/comments")
@staff_required(*STUDIO_ROLES)
def comment(version_id: int) -> ResponseReturnValue:
    _checked_form()
    found = _version_or_404(version_id)
    try:
        bank.add_comment(db.session, found, _actor(), request.form.get("body", ""))
    except bank.StudioError as error:
        db.session.rollback()
        flash(_error_message(error), "error")
        return redirect(url_for("codesign.version", version_id=version_id, _anchor="comments"))
    db.session.commit()
    flash(_("Your comment is added."), "success")
    return redirect(url_for("codesign.version", version_id=version_id, _anchor="comments"))


@bp.post("/versions/<int:version_id>/vote")
@staff_required(Role.ADVISOR)
def vote(version_id: int) -> ResponseReturnValue:
    _checked_form()
    found = _version_or_404(version_id)
    try:
        up = bank.toggle_vote(db.session, found, _actor())
    except bank.StudioError as error:
        db.session.rollback()
        flash(_error_message(error), "error")
        return redirect(url_for("codesign.version", version_id=version_id))
    db.session.commit()
    flash(_("Thumbs-up given.") if up else _("Thumbs-up taken back."), "success")
    return redirect(url_for("codesign.version", version_id=version_id))


# --- audio ----------------------------------------------------------------------------


def _audio_page(text: QuestionText, error: str = "") -> ResponseReturnValue:
    clips = db.session.execute(
        select(AudioClip.id, AudioClip.codec, AudioClip.is_placeholder, AudioClip.duration_ms)
        .where(AudioClip.question_text_id == text.id)
        .order_by(AudioClip.codec.desc())
    ).all()
    version = _version_or_404(text.version_id)
    response = Response(
        render_template(
            "codesign/audio.html",
            text=text,
            version=version,
            language=LANGUAGES.get(text.language, LANGUAGES[SOURCE_LANGUAGE]),
            clips=clips,
            mime_types={codec: CODECS[codec][2] for codec in CODECS},
            error=error,
            error_message=str(AUDIO_ERRORS.get(error, AUDIO_ERRORS["not_audio"])) if error else "",
            max_megabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
        ),
        status=400 if error else 200,
    )
    # voice_app.security lets this page use the microphone and play back what it recorded.
    return response


# Room for the form around the file (CSRF token, multipart boundaries), so a file just over
# MAX_UPLOAD_BYTES reaches the view and gets the page's own message, not a bare 413.
AUDIO_REQUEST_LIMIT = MAX_UPLOAD_BYTES + 1024 * 1024


@bp.url_value_preprocessor
def _allow_recordings(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Let the audio page take a recording up to its own limit.

    The app's MAX_CONTENT_LENGTH (2 MiB) stays for every other request. URL value
    preprocessors run before any before_request function, so this is set before
    CSRFProtect reads (and size-checks) the form.
    """
    if endpoint == "codesign.audio":
        request.max_content_length = AUDIO_REQUEST_LIMIT


@bp.route("/texts/<int:text_id>/audio", methods=["GET", "POST"])
@staff_required(*EDITOR_ROLES)
def audio(text_id: int) -> ResponseReturnValue:
    text = _text_or_404(text_id)
    if request.method == "POST":
        _checked_form()
        upload = request.files.get("audio")
        if upload is None or (not upload.filename and not upload.content_length):
            return _audio_page(text, "missing")
        # Read one byte past the limit: enough to know it is too big, never more.
        data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
        if not data:
            return _audio_page(text, "missing")
        try:
            store_recording(db.session, text, data, recorded_by_id=_actor().id)
        except AudioError as error:
            db.session.rollback()
            return _audio_page(text, error.code)
        record_event(
            db.session,
            "audio.recorded",
            actor_id=_actor().id,
            target_type="question_text",
            target_id=text.id,
        )
        db.session.commit()
        flash(_("The recording is saved."), "success")
        return redirect(url_for("codesign.audio", text_id=text.id))
    return _audio_page(text)


@bp.get("/audio/<int:clip_id>")
@staff_required(*STUDIO_ROLES)
def play_audio(clip_id: int) -> ResponseReturnValue:
    clip = db.session.get(AudioClip, clip_id)
    if clip is None:
        abort(404)
    response = Response(clip.data, mimetype=CODECS[clip.codec][2])
    response.headers["Content-Disposition"] = "inline"
    return response


# --- preview --------------------------------------------------------------------------


def preview_page(
    version_id: int,
    audience: Audience,
    language: str,
    size: str,
    framework_id: int,
    *,
    position: int = 1,
    total: int = 1,
    bar: dict[str, Any],
) -> ResponseReturnValue:
    """A question exactly as a participant sees it, on the journey's own template."""
    version = db.session.get(QuestionVersion, version_id)
    if version is None:
        abort(404)
    step = JourneyStep(position, version.id, version.format)
    page = load_question(db.session, step, audience, language, framework_id)
    error = ""
    selected: list[str] = []
    if request.method == "POST":
        _checked_form()
        action = request.form.get("action", "answer")
        if action == "answer":
            try:
                parse_answer(
                    version.format,
                    request.form.to_dict(flat=False),
                    QuestionContext(audience, page.option_keys, page.domain_keys),
                )
            except AnswerError as failure:
                if failure.code != "missing_text":
                    error = failure.code
                    selected = request.form.getlist("answer") or [
                        request.form.get(f"rank_{rank}", "") for rank in (1, 2, 3)
                    ]
        if not error:
            return None  # type: ignore[return-value] - the caller moves on
    with force_locale(language):
        html = render_template(
            "codesign/preview.html",
            page=page,
            position=position,
            total=total,
            audience=audience,
            token="preview",  # noqa: S106 - not a secret: the preview stores nothing
            form=PlainForm(),
            error=error,
            error_message=ANSWER_ERRORS.get(error, ""),
            selected=selected,
            large_cards=audience is Audience.CHILD_4_7,
            audio_endpoint="codesign.play_audio",
            preview_size=size,
            bar=bar,
        )
    return html, 400 if error else 200


def preview_choice(value: str, allowed: list[str], default: str) -> str:
    return value if value in allowed else default


@bp.route("/versions/<int:version_id>/preview", methods=["GET", "POST"])
@staff_required(*STUDIO_ROLES)
def preview(version_id: int) -> ResponseReturnValue:
    found = _version_or_404(version_id)
    audiences = bank.source_audiences(found) or list(Audience)
    audience = Audience(
        preview_choice(request.args.get("audience", ""), [a.value for a in audiences], audiences[0])
    )
    language = preview_choice(request.args.get("language", ""), list(LANGUAGES), SOURCE_LANGUAGE)
    size = preview_choice(request.args.get("size", ""), list(PREVIEW_SIZES), "tablet")

    def here(**changes: str) -> str:
        args = {"audience": audience.value, "language": language, "size": size, **changes}
        return url_for("codesign.preview", version_id=found.id, **args)

    bar = {
        "title": _("Preview"),
        "explain": _(
            "This is what %(audience)s see. Nothing you choose here is saved.",
            audience=str(AUDIENCE_NAMES[audience]).lower(),
        ),
        "back_url": url_for("codesign.version", version_id=found.id),
        "back": _("Back to the question"),
        "links": [
            (str(AUDIENCE_NAMES[a]), here(audience=a.value), a == audience) for a in audiences
        ],
        "languages": [
            (lang.native_name, lang.html_lang, here(language=code), code == language)
            for code, lang in LANGUAGES.items()
        ],
        "sizes": [
            (_("Tablet"), here(size="tablet"), size == "tablet"),
            (_("Phone"), here(size="phone"), size == "phone"),
        ],
        "lang": current_locale_tag(),
    }
    framework = current_framework(db.session)
    result = preview_page(
        found.id, audience, language, size, framework.id if framework else 0, bar=bar
    )
    if result is None:
        flash(_("Preview only: that answer would be accepted. Nothing was saved."), "success")
        return redirect(request.full_path.rstrip("?"))
    return result


def current_locale_tag() -> str:
    from voice_app.i18n import current_language

    return current_language().html_lang

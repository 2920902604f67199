from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from voice_app import journey as service
from voice_app.answer_formats import AnswerError, QuestionContext, parse_answer
from voice_app.audio import CODECS
from voice_app.content_generation import GenerationCache
from voice_app.extensions import db, limiter
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE
from voice_app.models import (
    Audience,
    AudioClip,
    FlowItem,
    GroupSession,
    ParticipationMode,
    QuestionText,
    new_public_id,
)
from voice_app.participant import bp
from voice_app.participant.content import (
    ANSWER_ERRORS,
    AUDIENCE_CARDS,
    JOURNEY_ERRORS,
    QuestionPage,
    load_question,
)
from voice_app.participant.forms import ChoiceForm, JoinForm, LanguageForm, PlainForm
from voice_app.participant.state import (
    DEFAULT_LANGUAGE_KEY,
    KIOSK_KEY,
    LANGUAGE_KEY,
    LISTEN_LANGUAGE_KEY,
    Journey,
    current_journey,
    end_participant_state,
    issue_token,
    issued_to,
    kiosk_binding,
    save_journey,
)
from voice_app.session_codes import looks_like_code, normalise_code

P = ParamSpec("P")
R = TypeVar("R")
WITHDRAWAL_CODE_KEY = "withdrawal_code_once"
DECLINED_KEY = "declined"
NEXT_PARTICIPANT_KEY = "next_participant_id"


def participant_page(
    *, needs_audience: bool = False, needs_participant: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Pages of the journey: without the state they need, go back to the start.

    A finished participant's pages are never shown again: their state is gone.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            journey = current_journey()
            if (
                journey is None
                or (needs_audience and not journey.audience)
                or (needs_participant and not journey.participant_id)
            ):
                return redirect(url_for("participant.welcome"))  # type: ignore[return-value]
            try:
                group_session = service.open_session_for_page(db.session, journey.session_id)
            except service.JourneyError:
                return closed_page()  # type: ignore[return-value]
            return view(journey, group_session, *args, **kwargs)  # type: ignore[arg-type]

        wrapped.participant_access = True  # type: ignore[attr-defined] - read by the route guard
        return wrapped

    return decorator


def closed_page() -> ResponseReturnValue:
    end_participant_state()
    return render_template("participant/closed.html"), 409


def bound_kiosk_session() -> GroupSession | None:
    """The session this tablet is bound to, while its link is still valid."""
    binding = kiosk_binding()
    if not binding:
        return None
    link = service.usable_kiosk_link(db.session, int(binding.get("link_id", 0)))
    if link is None:
        session.pop(KIOSK_KEY, None)
        return None
    return db.session.get(GroupSession, link.session_id)


def offered_languages(group_session: GroupSession | service.OpenSession) -> list[str]:
    shipped = current_app.extensions["voice_languages"]
    offered = [code for code in (group_session.languages or []) if code in shipped]
    return offered or [SOURCE_LANGUAGE]


def begin_journey(group_session: GroupSession) -> ResponseReturnValue:
    end_participant_state()  # nothing of anyone before survives into this journey
    session[DEFAULT_LANGUAGE_KEY] = group_session.default_language
    save_journey(Journey(session_id=group_session.id))
    return redirect(url_for("participant.language"))


@bp.get("/")
def welcome() -> ResponseReturnValue:
    kiosk_session = bound_kiosk_session()
    # A session's QR code opens this page with its code filled in; the person taps Join.
    code = normalise_code(request.args.get("code", "")[:32])
    form = JoinForm(code=code if looks_like_code(code) else "")
    return render_template("participant/welcome.html", form=form, kiosk_session=kiosk_session)


@bp.post("/start")
def start() -> ResponseReturnValue:
    form = PlainForm()
    kiosk_session = bound_kiosk_session()
    if not form.validate_on_submit() or kiosk_session is None:
        return redirect(url_for("participant.welcome"))
    try:
        service.open_session(db.session, kiosk_session.id)
    except service.JourneyError:
        return closed_page()
    return begin_journey(kiosk_session)


def _failed_join(response: Response) -> bool:
    return response.status_code != 302


@bp.post("/join")
@limiter.limit(lambda: current_app.config["JOIN_CODE_FAILURES_LIMIT"], deduct_when=_failed_join)
def join() -> ResponseReturnValue:
    form = JoinForm()
    error = None
    if form.validate_on_submit():
        try:
            group_session = service.find_open_session(db.session, form.code.data or "")
        except service.JourneyError as failure:
            error = str(JOURNEY_ERRORS[failure.code])
        else:
            return begin_journey(group_session)
    if error:
        form.code.errors = [error]
    return render_template("participant/welcome.html", form=form, kiosk_session=None), 400


@bp.get("/kiosk/<token>")
def bind_kiosk(token: str) -> ResponseReturnValue:
    from voice_app.kiosk import find_link_by_token

    link = find_link_by_token(db.session, token)
    if link is None:
        return render_template("participant/kiosk_invalid.html"), 404
    try:
        service.open_session(db.session, link.session_id)
    except service.JourneyError:
        return closed_page()
    end_participant_state()
    session[KIOSK_KEY] = {"link_id": link.id, "session_id": link.session_id, "label": link.label}
    flash(_("This tablet is ready for the session."), "success")
    return redirect(url_for("participant.welcome"))


@bp.route("/language", methods=["GET", "POST"])
@participant_page()
def language(journey: Journey, group_session: service.OpenSession) -> ResponseReturnValue:
    offered = offered_languages(group_session)
    if len(offered) == 1:
        session[LANGUAGE_KEY] = offered[0]
        session.pop(LISTEN_LANGUAGE_KEY, None)
        return redirect(url_for("participant.who"))
    form = LanguageForm()
    form.answer.choices = [(code, LANGUAGES[code].native_name) for code in offered]
    form.listen.choices = [("", ""), *form.answer.choices]
    if form.validate_on_submit():
        session[LANGUAGE_KEY] = form.answer.data
        # "Listen in" may differ: a child may read English but listen in Polish.
        if form.listen.data and form.listen.data != form.answer.data:
            session[LISTEN_LANGUAGE_KEY] = form.listen.data
        else:
            session.pop(LISTEN_LANGUAGE_KEY, None)
        return redirect(url_for("participant.who"))
    return render_template(
        "participant/language.html",
        form=form,
        languages=[LANGUAGES[c] for c in offered],
        chosen=session.get(LANGUAGE_KEY),
    ), 400 if form.errors else 200


@bp.route("/who", methods=["GET", "POST"])
@participant_page()
def who(journey: Journey, group_session: service.OpenSession) -> ResponseReturnValue:
    offered = [a for a in Audience if a.value in (group_session.audiences or list(Audience))]
    form = ChoiceForm()
    form.answer.choices = [(a.value, a.value) for a in offered]
    if form.validate_on_submit():
        journey.audience = form.answer.data
        journey.participant_id = None
        save_journey(journey)
        return redirect(url_for("participant.about"))
    cards = [AUDIENCE_CARDS[a] for a in offered]
    return render_template(
        "participant/who.html", form=form, cards=cards, back_url=url_for("participant.welcome")
    ), 400 if form.errors else 200


@bp.route("/about", methods=["GET", "POST"])
@participant_page(needs_audience=True)
def about(journey: Journey, group_session: service.OpenSession) -> ResponseReturnValue:
    form = PlainForm()
    audience = Audience(journey.audience)
    if form.validate_on_submit():
        new = service.NewParticipant(
            session_id=group_session.id,
            audience=audience,
            language=session.get(LANGUAGE_KEY, SOURCE_LANGUAGE),
            mode=ParticipationMode.TABLET if kiosk_binding() else ParticipationMode.OWN_DEVICE,
            device_label=(kiosk_binding() or {}).get("label", ""),
        )
        # Chosen when this page was shown: a press sent again after a lost reply
        # finds the participant it made instead of counting a second one.
        chosen_id = session.pop(NEXT_PARTICIPANT_KEY, None)
        if request.form.get("assent") == "no":
            service.record_decline(db.session, new, chosen_id)
            db.session.commit()
            end_participant_state(keep_language=True)
            session[DECLINED_KEY] = True
            return redirect(url_for("participant.thanks"))
        if journey.participant_id is None:
            journey.participant_id = service.start_participant(db.session, new, chosen_id).id
            db.session.commit()
            save_journey(journey)
        return redirect(url_for("participant.question", position=1))
    if NEXT_PARTICIPANT_KEY not in session:
        session[NEXT_PARTICIPANT_KEY] = new_public_id()
    return render_template("participant/about.html", form=form, audience=audience)


def cached_question(
    db_session: Any,
    generation: int | None,
    step: service.JourneyStep,
    audience: Audience,
    language: str,
    framework_id: int,
    listen_language: str | None,
) -> QuestionPage:
    """The question page's content, read once per worker while it stays unchanged."""
    pages = current_app.extensions.setdefault("voice_question_pages", GenerationCache())
    key = (step, audience, language, framework_id, listen_language)
    return pages.get(
        generation,
        key,
        lambda: load_question(
            db_session, step, audience, language, framework_id, listen_language=listen_language
        ),
    )


def _steps(journey: Journey, group_session: service.OpenSession) -> list[service.JourneyStep]:
    # A published flow never changes (only drafts are edited), and participant_page has
    # checked this one is published: each worker reads its steps once, not every page.
    key = (group_session.flow_id, journey.audience, group_session.free_text_enabled)
    known = current_app.extensions.setdefault("voice_flow_steps", {})
    if key not in known:
        known[key] = tuple(
            service.flow_steps(db.session, group_session, Audience(journey.audience))
        )
    return list(known[key])


@bp.route("/q/<int:position>", methods=["GET", "POST"])
@participant_page(needs_audience=True, needs_participant=True)
def question(
    journey: Journey, group_session: service.OpenSession, position: int
) -> ResponseReturnValue:
    steps = _steps(journey, group_session)
    if not 1 <= position <= len(steps):
        return render_template("participant/not_found.html"), 404
    step = steps[position - 1]
    audience = Audience(journey.audience)
    page = cached_question(
        db.session,
        group_session.content_generation,
        step,
        audience,
        str(session.get(LANGUAGE_KEY, SOURCE_LANGUAGE)),
        group_session.framework_id,
        listen_language=session.get(LISTEN_LANGUAGE_KEY),
    )
    error = None
    value: Any = None
    if request.method == "POST":
        form = PlainForm()
        if not form.validate_on_submit():
            return render_template(
                "errors/error.html",
                title=_("This page is out of date"),
                body=_("Go back and try again."),
                status=400,
            ), 400
        action = request.form.get("action", "answer")
        submission_id = request.form.get("submission_id", "")
        next_url = (
            url_for("participant.question", position=position + 1)
            if position < len(steps)
            else url_for("participant.talk")
        )
        if action == "back":
            return redirect(
                url_for("participant.question", position=position - 1)
                if position > 1
                else url_for("participant.about")
            )
        if action == "stop":
            return redirect(url_for("participant.stop"))
        if not issued_to(journey, submission_id):
            # Not this person's page (forged, or an earlier person's on this tablet): one
            # already stored goes on as its first send did, any other is shown afresh.
            # A resend of this person's own page stores nothing either (record_answer).
            if service.is_stored_submission(db.session, submission_id):
                return redirect(next_url)
            return redirect(url_for("participant.question", position=position))
        skipped = action == "skip"
        if not skipped:
            try:
                value = parse_answer(
                    step.format,
                    request.form.to_dict(flat=False),
                    QuestionContext(audience, page.option_keys, page.domain_keys),
                )
            except AnswerError as failure:
                if failure.code == "missing_text":
                    skipped = True  # an empty "anything else?" box is simply nothing to add
                else:
                    error = failure.code
        if error is None:
            try:
                service.record_answer(
                    db.session,
                    participant_id=journey.participant_id or "",
                    step=step,
                    submission_id=submission_id,
                    value=None if skipped else value,
                    skipped=skipped,
                )
            except service.JourneyError:
                return closed_page()
            return redirect(next_url)
    else:
        value = page.previous_value(db.session, journey.participant_id or "")
    token = issue_token(journey)
    if error:
        selected = request.form.getlist("answer") or [
            request.form.get(f"rank_{rank}", "") for rank in (1, 2, 3)
        ]
    else:
        selected = (
            [str(v) for v in value]
            if isinstance(value, list)
            else ([] if value is None else [str(value)])
        )
    return render_template(
        "participant/question.html",
        page=page,
        position=position,
        total=len(steps),
        audience=audience,
        token=token,
        form=PlainForm(),
        error=error,
        error_message=ANSWER_ERRORS.get(error or "", ""),
        selected=selected,
        large_cards=audience is Audience.CHILD_4_7,
    ), 400 if error else 200


@bp.route("/stop", methods=["GET", "POST"])
@participant_page(needs_audience=True, needs_participant=True)
def stop(journey: Journey, group_session: service.OpenSession) -> ResponseReturnValue:
    form = PlainForm()
    if form.validate_on_submit():
        if request.form.get("confirm") == "yes":
            journey.stopping = True
            save_journey(journey)
            return redirect(url_for("participant.talk"))
        return redirect(url_for("participant.resume"))
    return render_template("participant/stop.html", form=form)


@bp.route("/talk", methods=["GET", "POST"])
@participant_page(needs_audience=True, needs_participant=True)
def talk(journey: Journey, group_session: service.OpenSession) -> ResponseReturnValue:
    form = PlainForm()
    if form.validate_on_submit():
        try:
            code = service.finish(
                db.session,
                participant_id=journey.participant_id or "",
                stopped=journey.stopping,
                wants_to_talk=request.form.get("talk") == "yes",
                pseudonym_key=current_app.config["PSEUDONYM_KEYS"],
            )
        except service.JourneyError:
            return closed_page()
        db.session.commit()
        end_participant_state(keep_language=True)
        if code:
            session[WITHDRAWAL_CODE_KEY] = code
        return redirect(url_for("participant.thanks"))
    return render_template("participant/talk.html", form=form)


@bp.get("/thanks")
def thanks() -> ResponseReturnValue:
    # The code is shown once: a reload or a Back-then-Forward does not show it again.
    code = session.pop(WITHDRAWAL_CODE_KEY, None)
    declined = session.pop(DECLINED_KEY, False)
    response = Response(
        render_template(
            "participant/thanks.html", withdrawal_code=code, declined=declined, form=PlainForm()
        )
    )
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


thanks.participant_access = True  # type: ignore[attr-defined]


@bp.post("/next")
def next_person() -> ResponseReturnValue:
    # CSRFProtect has already checked the token: a forged post never reaches here.
    end_participant_state()
    return redirect(url_for("participant.welcome"))


@bp.get("/continue")
@participant_page(needs_audience=True, needs_participant=True)
def resume(journey: Journey, group_session: service.OpenSession) -> ResponseReturnValue:
    steps = _steps(journey, group_session)
    position = service.first_unanswered_position(db.session, journey.participant_id or "", steps)
    if position > len(steps):
        return redirect(url_for("participant.talk"))
    return redirect(url_for("participant.question", position=position))


@bp.get("/worried")
def worried() -> ResponseReturnValue:
    journey = current_journey()
    group_session = db.session.get(GroupSession, journey.session_id) if journey else None
    kiosk_session = group_session or bound_kiosk_session()
    return render_template(
        "participant/worried.html",
        group_session=kiosk_session,
        in_journey=bool(journey and journey.participant_id),
    )


worried.participant_access = True  # type: ignore[attr-defined]


@bp.get("/audio/<int:clip_id>")
@participant_page(needs_audience=True)
def audio(
    journey: Journey, group_session: service.OpenSession, clip_id: int
) -> ResponseReturnValue:
    # Only recordings of this session's own questions: never drafts or other flows.
    clip = db.session.scalar(
        select(AudioClip)
        .join(QuestionText, QuestionText.id == AudioClip.question_text_id)
        .join(FlowItem, FlowItem.version_id == QuestionText.version_id)
        .where(AudioClip.id == clip_id, FlowItem.flow_id == group_session.flow_id)
        .limit(1)
    )
    if clip is None:
        return render_template("participant/not_found.html"), 404
    response = Response(clip.data, mimetype=CODECS[clip.codec][2])
    response.headers["Content-Disposition"] = "inline"
    return response

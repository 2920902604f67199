"""Setting up and running a session: details, join code and QR, tablets, live view, flags."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import segno
from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select

from voice_app import group_sessions as service
from voice_app import kiosk
from voice_app.audit import record_event
from voice_app.auth.access import staff_required
from voice_app.codesign.messages import AUDIENCE_NAMES
from voice_app.extensions import db
from voice_app.facilitator import bp
from voice_app.facilitator.access import own_session_or_403, signed_in_staff
from voice_app.flows import published_flows
from voice_app.languages import LANGUAGES
from voice_app.models import (
    Audience,
    FlagKind,
    GroupSession,
    KioskLink,
    Participant,
    Role,
    SafeguardingFlag,
    SessionStatus,
    utcnow,
)
from voice_app.participant.forms import PlainForm
from voice_app.sanitise import plain_text_problem

SESSION_ERRORS = {
    "area_not_yours": _l("Choose one of your areas."),
    "flow_not_published": _l("Choose a published flow."),
    "languages_needed": _l("Choose at least one language."),
    "language_not_ready": _l("Choose languages from the list."),
    "audiences_needed": _l("Choose at least one group of people."),
    "date_needed": _l("Enter the date of the session, for example 27 3 2027."),
    "too_long": _l("This is too long. Make it shorter."),
    "control_characters": _l("This has hidden control characters. Type it again without them."),
    "already_opened": _l("This session has already been opened, so it cannot change."),
    "not_open": _l("This session is not open."),
    "flag_not_open": _l("Someone has already acknowledged this."),
    "flag_resolved": _l("This has already been resolved."),
    "note_needed": _l("Write what was done, for the safeguarding record."),
    "label_needed": _l("Give the tablet a name, for example Tablet 3."),
}
STATUS_NAMES = {
    SessionStatus.DRAFT: _l("Not open yet"),
    SessionStatus.OPEN: _l("Open"),
    SessionStatus.CLOSED: _l("Closed"),
}
FLAG_KIND_NAMES = {
    FlagKind.WANTS_TO_TALK: _l("Asked to talk to someone"),
    FlagKind.SCREENED_TEXT: _l("Wrote something the safeguarding check noticed"),
}
KIOSK_HOURS = (4, 8, 12, 24)
POLL_SECONDS = 4


@bp.app_template_global()
def session_names() -> dict[str, Any]:
    return {"status": STATUS_NAMES, "flag": FLAG_KIND_NAMES, "audience": AUDIENCE_NAMES}


def _message(error: service.SessionError) -> str:
    return str(SESSION_ERRORS.get(error.code, _l("Check what you typed and try again.")))


def _shipped() -> list[str]:
    return list(current_app.extensions["voice_languages"])


# --- the list and the set-up form -----------------------------------------------------


@bp.get("/")
@staff_required(Role.FACILITATOR)
def sessions() -> ResponseReturnValue:
    user = signed_in_staff()
    own = service.sessions_for(db.session, user)
    people = dict(
        db.session.execute(
            select(Participant.session_id, func.count())
            .where(Participant.session_id.in_([s.id for s in own]))
            .group_by(Participant.session_id)
        ).all()
    )
    record_event(db.session, "session.list_viewed", actor_id=user.id)
    db.session.commit()
    return render_template("facilitator/sessions.html", sessions=own, people=people)


def _parse_date(raw_day: str, raw_month: str, raw_year: str) -> date | None:
    try:
        return date(int(raw_year), int(raw_month), int(raw_day))
    except (TypeError, ValueError, OverflowError):
        return None


def _draft_from_form() -> service.SessionDraft:
    form = request.form
    area = form.get("area_id", "")
    flow = form.get("flow_id", "")
    return service.SessionDraft(
        area_id=int(area) if area.isdigit() else 0,
        flow_id=int(flow) if flow.isdigit() else 0,
        session_date=_parse_date(
            form.get("date-day", ""), form.get("date-month", ""), form.get("date-year", "")
        ),
        venue=form.get("venue", ""),
        languages=form.getlist("languages"),
        audiences=form.getlist("audiences"),
        local_contact=form.get("local_contact", ""),
        free_text_enabled=form.get("free_text_enabled") == "yes",
    )


def _form_values(group_session: GroupSession | None) -> dict[str, Any]:
    if request.method == "POST":
        values: dict[str, Any] = {key: request.form.get(key, "") for key in request.form}
        values["languages"] = request.form.getlist("languages")
        values["audiences"] = request.form.getlist("audiences")
        return values
    if group_session is None:
        today = date.today()
        return {
            "languages": ["en_GB"],
            "audiences": [a.value for a in Audience],
            "date-day": today.day,
            "date-month": today.month,
            "date-year": today.year,
        }
    when = group_session.session_date
    return {
        "area_id": str(group_session.area_id),
        "flow_id": str(group_session.flow_id),
        "date-day": when.day if when else "",
        "date-month": when.month if when else "",
        "date-year": when.year if when else "",
        "venue": group_session.venue,
        "languages": list(group_session.languages or []),
        "audiences": list(group_session.audiences or []),
        "local_contact": group_session.local_contact,
        "free_text_enabled": "yes" if group_session.free_text_enabled else "",
    }


def _render_form(
    group_session: GroupSession | None, error: service.SessionError | None = None
) -> ResponseReturnValue:
    user = signed_in_staff()
    return render_template(
        "facilitator/session_form.html",
        group_session=group_session,
        values=_form_values(group_session),
        areas=service.areas_for(db.session, user),
        flows=published_flows(db.session),
        languages=[LANGUAGES[code] for code in _shipped()],
        audiences=list(Audience),
        error=error,
        error_message=_message(error) if error else "",
    ), 400 if error else 200


@bp.route("/sessions/new", methods=["GET", "POST"])
@staff_required(Role.FACILITATOR)
def new_session() -> ResponseReturnValue:
    if request.method == "POST":
        PlainForm()
        try:
            created = service.create_session(
                db.session, _draft_from_form(), signed_in_staff(), _shipped()
            )
        except service.SessionError as error:
            db.session.rollback()
            return _render_form(None, error)
        db.session.commit()
        flash(_("The session is set up. Open it when people arrive."), "success")
        return redirect(url_for("facilitator.session", session_id=created.id))
    return _render_form(None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@staff_required(Role.FACILITATOR)
def edit_session(session_id: int) -> ResponseReturnValue:
    group_session = own_session_or_403(session_id)
    if group_session.status is not SessionStatus.DRAFT:
        flash(str(SESSION_ERRORS["already_opened"]), "error")
        return redirect(url_for("facilitator.session", session_id=session_id))
    if request.method == "POST":
        PlainForm()
        try:
            service.update_session(
                db.session, group_session, _draft_from_form(), signed_in_staff(), _shipped()
            )
        except service.SessionError as error:
            db.session.rollback()
            return _render_form(own_session_or_403(session_id), error)
        db.session.commit()
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("facilitator.session", session_id=session_id))
    return _render_form(group_session)


# --- one session ----------------------------------------------------------------------


def join_url(group_session: GroupSession) -> str:
    return url_for("participant.welcome", code=group_session.code, _external=True)


def qr_svg(url: str, title: str) -> Markup:
    """A QR code drawn on the server as SVG: no third party ever sees the link."""
    code = segno.make(url, error="m")
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        title=title,
        scale=6,
        border=2,
        svgclass="fv-qr",
        lineclass=None,
        omitsize=True,
    )
    svg = buffer.getvalue().decode()
    # segno escapes the title (the accessible name); the rest is its own drawing.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704  # nosec B704


@bp.get("/sessions/<int:session_id>")
@staff_required(Role.FACILITATOR)
def session(session_id: int) -> ResponseReturnValue:
    group_session = own_session_or_403(session_id)
    links = db.session.scalars(
        select(KioskLink)
        .where(KioskLink.session_id == session_id)
        .order_by(KioskLink.created_at.desc())
    ).all()
    url = join_url(group_session)
    counts = service.participation_counts(db.session, session_id)
    open_flags = len(service.flags_for(db.session, session_id, only_open=True))
    record_event(
        db.session,
        "session.viewed",
        actor_id=signed_in_staff().id,
        target_type="group_session",
        target_id=session_id,
    )
    db.session.commit()
    return render_template(
        "facilitator/session.html",
        group_session=group_session,
        join_url=url,
        qr=qr_svg(url, _("QR code to join session %(code)s", code=group_session.code)),
        links=links,
        now=utcnow(),
        kiosk_hours=KIOSK_HOURS,
        languages=[LANGUAGES[c] for c in group_session.languages or [] if c in LANGUAGES],
        counts=counts,
        open_flags=open_flags,
    )


def _change(session_id: int, change: str) -> ResponseReturnValue:
    PlainForm()
    group_session = own_session_or_403(session_id)
    try:
        if change == "open":
            service.open_now(db.session, group_session, signed_in_staff())
            message = _("The session is open. People can join now.")
        else:
            service.close_now(db.session, group_session, signed_in_staff())
            message = _("The session is closed. It takes no more answers.")
    except service.SessionError as error:
        db.session.rollback()
        flash(_message(error), "error")
        return redirect(url_for("facilitator.session", session_id=session_id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("facilitator.session", session_id=session_id))


@bp.post("/sessions/<int:session_id>/open")
@staff_required(Role.FACILITATOR)
def open_session(session_id: int) -> ResponseReturnValue:
    return _change(session_id, "open")


@bp.post("/sessions/<int:session_id>/close")
@staff_required(Role.FACILITATOR)
def close_session(session_id: int) -> ResponseReturnValue:
    return _change(session_id, "close")


@bp.post("/sessions/<int:session_id>/tablets")
@staff_required(Role.FACILITATOR)
def add_tablet(session_id: int) -> ResponseReturnValue:
    """Make a kiosk link: shown once, here, because only its hash is kept."""
    PlainForm()
    group_session = own_session_or_403(session_id)
    label = request.form.get("label", "").strip()
    hours_raw = request.form.get("hours", "12")
    hours = int(hours_raw) if hours_raw.isdigit() and int(hours_raw) in KIOSK_HOURS else 12
    if not label or len(label) > 64 or plain_text_problem(label):
        flash(str(SESSION_ERRORS["label_needed"]), "error")
        return redirect(url_for("facilitator.session", session_id=session_id, _anchor="tablets"))
    link, token = kiosk.create_link(
        db.session, session_id, label=label, lifetime=timedelta(hours=hours)
    )
    record_event(
        db.session,
        "kiosk_link.created",
        actor_id=signed_in_staff().id,
        target_type="group_session",
        target_id=session_id,
        link=link.id,
    )
    db.session.commit()
    url = url_for("participant.bind_kiosk", token=token, _external=True)
    return render_template(
        "facilitator/tablet_link.html",
        group_session=group_session,
        link=link,
        url=url,
        qr=qr_svg(url, _("QR code that sets up %(label)s", label=label)),
    ), 201


@bp.post("/sessions/<int:session_id>/tablets/<int:link_id>/revoke")
@staff_required(Role.FACILITATOR)
def revoke_tablet(session_id: int, link_id: int) -> ResponseReturnValue:
    PlainForm()
    own_session_or_403(session_id)
    link = db.session.get(KioskLink, link_id)
    if link is None or link.session_id != session_id:
        abort(404)
    if link.revoked_at is None:
        kiosk.revoke_link(db.session, link)
        record_event(
            db.session,
            "kiosk_link.revoked",
            actor_id=signed_in_staff().id,
            target_type="group_session",
            target_id=session_id,
            link=link.id,
        )
        db.session.commit()
    flash(_("That tablet link no longer works."), "success")
    return redirect(url_for("facilitator.session", session_id=session_id, _anchor="tablets"))


# --- live -----------------------------------------------------------------------------


def _live_state(session_id: int) -> dict[str, Any]:
    counts = service.participation_counts(db.session, session_id)
    flags = service.flags_for(db.session, session_id)
    return {
        "checked": _("Last checked at %(time)s.", time=format_datetime(utcnow(), "HH:mm:ss")),
        "counts": [
            {
                "audience": c.audience,
                "started": c.started,
                "finished": c.finished,
                "stopped": c.stopped,
                "in_progress": c.in_progress,
            }
            for c in counts
            if c.audience
        ],
        # Which tablet and when, never what was written.
        "flags": [
            {
                "id": f.id,
                "kind": f.kind.value,
                "status": f.status.value,
                "device_label": f.device_label,
                "raised_at": f.raised_at.isoformat(),
            }
            for f in flags
        ],
    }


@bp.get("/sessions/<int:session_id>/live")
@staff_required(Role.FACILITATOR)
def live(session_id: int) -> ResponseReturnValue:
    group_session = own_session_or_403(session_id)
    # live.js re-reads the page with ?poll=1 to redraw the flags: not a new view to audit,
    # and not the moment to hand over a message waiting for the next page.
    polling = request.args.get("poll") == "1"
    if not polling:
        record_event(
            db.session,
            "session.live_viewed",
            actor_id=signed_in_staff().id,
            target_type="group_session",
            target_id=session_id,
        )
        db.session.commit()
    return render_template(
        "facilitator/live.html",
        keep_messages=polling,
        group_session=group_session,
        counts=[c for c in service.participation_counts(db.session, session_id) if c.audience],
        flags=service.flags_for(db.session, session_id),
        checked_at=utcnow(),
        poll_seconds=POLL_SECONDS,
    )


@bp.get("/sessions/<int:session_id>/live.json")
@staff_required(Role.FACILITATOR)
def live_json(session_id: int) -> ResponseReturnValue:
    own_session_or_403(session_id)
    return jsonify(_live_state(session_id))


def _flag_or_404(session_id: int, flag_id: int) -> SafeguardingFlag:
    own_session_or_403(session_id)
    flag = db.session.get(SafeguardingFlag, flag_id)
    if flag is None or flag.session_id != session_id:
        abort(404)
    return flag


@bp.post("/sessions/<int:session_id>/flags/<int:flag_id>/<any(acknowledge, resolve):action>")
@staff_required(Role.FACILITATOR)
def flag_action(session_id: int, flag_id: int, action: str) -> ResponseReturnValue:
    PlainForm()
    flag = _flag_or_404(session_id, flag_id)
    note = request.form.get("note", "")
    try:
        if action == "acknowledge":
            service.acknowledge_flag(db.session, flag, signed_in_staff(), note)
            message = _("Acknowledged. Remember to talk to them discreetly.")
        else:
            service.resolve_flag(db.session, flag, signed_in_staff(), note)
            message = _("Resolved, with your note kept for the safeguarding record.")
    except service.SessionError as error:
        db.session.rollback()
        flash(_message(error), "error")
        return redirect(url_for("facilitator.live", session_id=session_id, _anchor="flags"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("facilitator.live", session_id=session_id, _anchor="flags"))


# --- printing and counts --------------------------------------------------------------


@bp.get("/sessions/<int:session_id>/sheet")
@staff_required(Role.FACILITATOR)
def sheet(session_id: int) -> ResponseReturnValue:
    group_session = own_session_or_403(session_id)
    url = join_url(group_session)
    return render_template(
        "facilitator/sheet.html",
        group_session=group_session,
        join_url=url,
        qr=qr_svg(url, _("QR code to join session %(code)s", code=group_session.code)),
    )


@bp.get("/sessions/<int:session_id>/counts.csv")
@staff_required(Role.FACILITATOR)
def counts_csv(session_id: int) -> ResponseReturnValue:
    """How many people took part and how far they got: counts only, never answers."""
    group_session = own_session_or_403(session_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["session", "date", "audience", "started", "finished", "stopped", "in_progress", "paper"]
    )
    for c in service.participation_counts(db.session, session_id):
        writer.writerow(
            [
                group_session.code,
                group_session.session_date.isoformat() if group_session.session_date else "",
                c.audience or "declined_before_choosing",
                c.started,
                c.finished,
                c.stopped,
                c.in_progress,
                c.paper,
            ]
        )
    record_event(
        db.session,
        "session.counts_exported",
        actor_id=signed_in_staff().id,
        target_type="group_session",
        target_id=session_id,
    )
    db.session.commit()
    stamp = datetime.now().strftime("%Y%m%d")
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f'attachment; filename="session-{group_session.code}-counts-{stamp}.csv"'
            )
        },
    )

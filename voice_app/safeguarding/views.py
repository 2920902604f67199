"""The safeguarding lead's pages: flags in their areas, flagged text, the action taken.

Only a safeguarding lead sees these, and only for sessions in their own areas. The list
never shows what anyone wrote; the flag's own page does, and every time it is shown an
audit row records who saw it and when.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from voice_app import group_sessions, screening
from voice_app.audit import record_event
from voice_app.auth.access import current_staff_user, staff_required
from voice_app.codesign.messages import AUDIENCE_NAMES
from voice_app.extensions import db
from voice_app.languages import LANGUAGES
from voice_app.models import (
    Answer,
    Area,
    FlagKind,
    FlagStatus,
    GroupSession,
    Participant,
    Role,
    SafeguardingFlag,
    StaffUser,
)
from voice_app.safeguarding import bp
from voice_app.sanitise import plain_text_problem

KIND_NAMES = {
    FlagKind.SCREENED_TEXT: _l("Free text matched the word list"),
    FlagKind.WANTS_TO_TALK: _l("Asked to talk to someone"),
}
STATUS_NAMES = {
    FlagStatus.OPEN: _l("Open"),
    FlagStatus.ACKNOWLEDGED: _l("Seen by the facilitator"),
    FlagStatus.RESOLVED: _l("Action recorded"),
}
RESOLVE_ERRORS = {
    "note_needed": _l("Write what was done. It is the safeguarding record."),
    "control_characters": _l("This has hidden control characters. Type it again without them."),
    "flag_resolved": _l("The action for this flag has already been recorded."),
}


def _lead() -> StaffUser:
    user = current_staff_user()
    if user is None:  # staff_required runs first, so this means a view lost its decorator
        abort(403)
    return user


def _area_ids(user: StaffUser) -> set[int]:
    return {area.id for area in user.areas}


def _flag_in_my_areas_or_403(flag_id: int) -> tuple[SafeguardingFlag, GroupSession]:
    """The flag if it is in one of the lead's areas: 404 if none, 403 (not audited) if not."""
    flag = db.session.get(SafeguardingFlag, flag_id)
    if flag is None:
        abort(404)
    group_session = db.session.get(GroupSession, flag.session_id)
    if group_session is None or group_session.area_id not in _area_ids(_lead()):
        abort(403)
    return flag, group_session


def _staff_name(user_id: int | None) -> str:
    user = db.session.get(StaffUser, user_id) if user_id else None
    return (user.display_name or user.username) if user else ""


@bp.get("/")
@staff_required(Role.SAFEGUARDING_LEAD)
def flags() -> ResponseReturnValue:
    lead = _lead()
    area_ids = _area_ids(lead)
    rows = db.session.execute(
        select(SafeguardingFlag, GroupSession, Area)
        .join(GroupSession, GroupSession.id == SafeguardingFlag.session_id)
        .join(Area, Area.id == GroupSession.area_id)
        .where(GroupSession.area_id.in_(area_ids))
        .order_by(SafeguardingFlag.raised_at.desc(), SafeguardingFlag.id.desc())
    ).all()
    record_event(db.session, "flag.list_viewed", actor_id=lead.id)
    db.session.commit()
    return render_template(
        "safeguarding/flags.html",
        rows=rows,
        has_areas=bool(area_ids),
        kind_names=KIND_NAMES,
        status_names=STATUS_NAMES,
    )


def _render_flag(
    flag: SafeguardingFlag, group_session: GroupSession, error: str = "", note: str = ""
) -> ResponseReturnValue:
    """The flag's page. Showing it is a view of the flagged text: audited every time."""
    lead = _lead()
    participant = db.session.get(Participant, flag.participant_id) if flag.participant_id else None
    # The words as written when the flag was raised: kept with the flag for the record.
    answer = db.session.get(Answer, flag.answer_id) if flag.answer_id else None
    text = flag.flagged_text or (answer.free_text if answer is not None else None)
    language = LANGUAGES.get(participant.language) if participant else None
    matched: list[str] = []
    if flag.kind is FlagKind.SCREENED_TEXT and text and participant:
        matched = screening.screen_text(db.session, text, participant.language)
    record_event(
        db.session,
        "flag.text_viewed" if flag.kind is FlagKind.SCREENED_TEXT else "flag.viewed",
        actor_id=lead.id,
        target_type="safeguarding_flag",
        target_id=flag.id,
    )
    db.session.commit()
    details: dict[str, Any] = {
        "audience": AUDIENCE_NAMES.get(participant.audience)
        if participant and participant.audience
        else None,
        "language": language,
        "acknowledged_by": _staff_name(flag.acknowledged_by_id),
        "resolved_by": _staff_name(flag.resolved_by_id),
    }
    return render_template(
        "safeguarding/flag.html",
        flag=flag,
        group_session=group_session,
        area=db.session.get(Area, group_session.area_id),
        text_lines=text.split("\n") if text else None,
        matched=matched,
        details=details,
        kind_names=KIND_NAMES,
        status_names=STATUS_NAMES,
        is_resolved=flag.status is FlagStatus.RESOLVED,
        error=error,
        note=note,
        max_note=group_sessions.MAX_NOTE,
    ), 400 if error else 200


@bp.get("/flags/<int:flag_id>")
@staff_required(Role.SAFEGUARDING_LEAD)
def flag(flag_id: int) -> ResponseReturnValue:
    found, group_session = _flag_in_my_areas_or_403(flag_id)
    return _render_flag(found, group_session)


@bp.post("/flags/<int:flag_id>/resolve")
@staff_required(Role.SAFEGUARDING_LEAD)
def resolve(flag_id: int) -> ResponseReturnValue:
    found, group_session = _flag_in_my_areas_or_403(flag_id)
    note = request.form.get("note", "")
    try:
        group_sessions.resolve_flag(db.session, found, _lead(), note)
    except group_sessions.SessionError as failure:
        db.session.rollback()
        if failure.code == "too_long":
            message = _(
                "Keep the note to %(max)s characters or fewer.", max=group_sessions.MAX_NOTE
            )
        else:
            known = RESOLVE_ERRORS.get(failure.code)
            message = str(known) if known else _("Check what you typed and try again.")
        shown = "".join(ch for ch in note if not plain_text_problem(ch))
        return _render_flag(found, group_session, message, shown)
    db.session.commit()
    flash(_("The action taken is recorded."), "success")
    return redirect(url_for("safeguarding.flags"))

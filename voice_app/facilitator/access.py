"""Which sessions a member of staff may see: a facilitator only their own."""

from __future__ import annotations

from flask import abort

from voice_app.auth.access import current_staff_user
from voice_app.extensions import db
from voice_app.group_sessions import is_owner
from voice_app.models import GroupSession, StaffUser


def signed_in_staff() -> StaffUser:
    user = current_staff_user()
    if user is None:  # staff_required runs first: this means a view lost its decorator
        abort(403)
    return user


def own_session_or_403(session_id: int) -> GroupSession:
    """The session, if it is the signed-in facilitator's; 404 if none, 403 if another's."""
    group_session = db.session.get(GroupSession, session_id)
    if group_session is None:
        abort(404)
    if not is_owner(signed_in_staff(), group_session):
        abort(403)
    return group_session

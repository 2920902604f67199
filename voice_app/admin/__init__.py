"""Administration: staff accounts and their roles."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from voice_app.audit import record_event
from voice_app.auth.access import current_staff_user, staff_required
from voice_app.extensions import db
from voice_app.models import Role, StaffUser

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@staff_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    staff = db.session.scalars(
        select(StaffUser).options(selectinload(StaffUser.roles)).order_by(StaffUser.username)
    ).all()
    actor = current_staff_user()
    record_event(db.session, "staff_user.list", actor_id=actor.id if actor else None)
    db.session.commit()
    return render_template("admin/users.html", staff=staff)


from voice_app.admin import api_clients, audit  # noqa: E402,F401 - routes register on import

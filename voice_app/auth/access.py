"""Who is signed in, and the one decorator every staff view uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from voice_app.extensions import db
from voice_app.models import Role, StaffUser

P = ParamSpec("P")
R = TypeVar("R")
SESSION_USER_KEY = "staff_user_id"


def current_staff_user() -> StaffUser | None:
    """The signed-in member of staff for this request, loaded once."""
    if "staff_user" not in g:
        user_id = session.get(SESSION_USER_KEY)
        user = None
        if isinstance(user_id, int):
            user = db.session.scalar(
                select(StaffUser)
                .options(selectinload(StaffUser.roles))
                .where(StaffUser.id == user_id, StaffUser.is_active.is_(True))
            )
        g.staff_user = user
    return g.staff_user


def staff_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Anonymous visitors go to sign in; signed-in staff without any of ``roles`` get 403.

    With no roles named, any signed-in member of staff may use the view.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            user = current_staff_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]
            if roles and not user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # type: ignore[attr-defined] - read by the route guard test
        return wrapped

    return decorator

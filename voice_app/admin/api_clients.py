"""Admins create and revoke the tokens of the read-only API's clients.

A token is shown once, on the page that answers the form, and never again: only its
hash is kept (voice_app.api_clients).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from voice_app import api_clients
from voice_app.admin import bp
from voice_app.audit import record_event
from voice_app.auth.access import current_staff_user, staff_required
from voice_app.extensions import db
from voice_app.models import Area, Role, StaffUser
from voice_app.sanitise import plain_text_problem

CLIENT_ERRORS = {
    "name_missing": _l("Enter a name for the client."),
    "control_characters": _l("The name has hidden control characters. Type it again."),
    "name_taken": _l("A client with that name already has a working token. Choose another name."),
    "areas_missing": _l("Choose at least one area the client may see."),
    "unknown_area": _l("Choose areas from the list."),
    "client_gone": _l("That client does not exist."),
    "already_revoked": _l("That client's token had already been revoked."),
}


def _error_message(error: api_clients.ApiClientError) -> str:
    if error.code == "name_too_long":
        return _("Keep the name to %(max)s characters or fewer.", max=api_clients.MAX_NAME)
    message = CLIENT_ERRORS.get(error.code)
    return str(message) if message else _("Check what you entered and try again.")


def _admin() -> StaffUser:
    user = current_staff_user()
    if user is None:  # staff_required runs first, so this means a view lost its decorator
        abort(403)
    return user


def _shown_back(value: str) -> str:
    """What was typed, to show again after an error, without invisible characters."""
    return "".join(ch for ch in value[: api_clients.MAX_NAME * 2] if not plain_text_problem(ch))


def _render_list(
    error: api_clients.ApiClientError | None = None,
    name: str = "",
    chosen: frozenset[str] = frozenset(),
) -> ResponseReturnValue:
    clients = api_clients.list_clients(db.session)
    areas = db.session.scalars(select(Area).order_by(Area.name, Area.code)).all()
    record_event(db.session, "api_client.list", actor_id=_admin().id)
    db.session.commit()
    field = {"name": "name", "areas": "areas-1"}.get(error.field if error else "", "")
    return render_template(
        "admin/api_clients.html",
        clients=clients,
        areas=areas,
        area_names={a.code: a.name for a in areas},
        error=error,
        error_field=error.field if error else "",
        error_link=field,
        error_message=_error_message(error) if error else "",
        name=name,
        chosen=chosen,
        max_name=api_clients.MAX_NAME,
    ), 400 if error else 200


@bp.route("/api-clients", methods=["GET", "POST"], endpoint="api_clients")
@staff_required(Role.ADMIN)
def api_clients_page() -> ResponseReturnValue:
    if request.method == "GET":
        return _render_list()
    name = request.form.get("name", "")
    codes = request.form.getlist("areas")
    try:
        client, token = api_clients.create_client(db.session, name, codes, _admin().id)
    except api_clients.ApiClientError as error:
        db.session.rollback()
        known = set(db.session.scalars(select(Area.code)))
        return _render_list(error, _shown_back(name), frozenset(c for c in codes if c in known))
    db.session.commit()
    response = render_template("admin/api_client_token.html", client=client, token=token)
    # The token is on this page only: no copy anywhere, not even in the browser's history.
    return response, 201, {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.post("/api-clients/<int:client_id>/revoke")
@staff_required(Role.ADMIN)
def revoke_api_client(client_id: int) -> ResponseReturnValue:
    try:
        client = api_clients.revoke_client(db.session, client_id, _admin().id)
    except api_clients.ApiClientError as error:
        db.session.rollback()
        return _render_list(error)
    name = client.name
    db.session.commit()
    flash(_("Revoked the token of %(name)s. It no longer works.", name=name), "success")
    return redirect(url_for("admin.api_clients"))

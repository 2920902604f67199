"""Researchers download the published figures: CSV, JSON or a Frictionless data package.

The query arguments are the dashboard's (one parser, voice_app.filter_args), so a
download always holds the numbers the researcher was looking at, after disclosure
control.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from voice_app import exports
from voice_app.audit import record_event
from voice_app.auth.access import current_staff_user, staff_required
from voice_app.disclosure import Rules, published_for_args
from voice_app.errors import render_error
from voice_app.extensions import db
from voice_app.models import Role
from voice_app.priorities import FilterError
from voice_app.research import bp
from voice_app.research.priorities_views import page_error

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "zip": ("application/zip", "zip"),
}


def filter_error_message(code: str, args: Mapping[str, Sequence[str]]) -> str:
    """The dashboard's words for what was wrong with the filters."""
    return page_error(code, args, areas=()).message


@bp.get("/export/<fmt>")
@staff_required(Role.RESEARCHER)
def export_file(fmt: str) -> ResponseReturnValue:
    if fmt not in FORMATS:
        return _bad_request(_("Choose CSV, JSON or a data package to download."))
    args = {name: request.args.getlist(name) for name in request.args}
    try:
        published = published_for_args(
            db.session, args, Rules.from_config(current_app.config), datetime.now(UTC)
        )
    except FilterError as error:
        db.session.rollback()
        return _bad_request(filter_error_message(error.code, args))

    if fmt == "csv":
        body: str | bytes = exports.to_csv(published)
    elif fmt == "json":
        body = json.dumps(exports.to_json(published), ensure_ascii=False, indent=2)
    else:
        body = exports.datapackage(published)

    actor = current_staff_user()
    record_event(
        db.session,
        "priorities.export",
        actor_id=actor.id if actor else None,
        format=fmt,
        breakdowns=list(published.breakdowns),
        **published.filters,
    )
    db.session.commit()
    mimetype, extension = FORMATS[fmt]
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.file_stem(published)}.{extension}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _bad_request(message: str) -> ResponseReturnValue:
    return render_error(400, _("Those filters cannot be used"), message)

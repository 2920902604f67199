"""The read-only JSON API for the shared outcome framework, at /api/v1.

Clients send ``Authorization: Bearer <token>``; each token is limited to the areas an
admin chose (voice_app.api_clients). The figures are the exports' (same parser, same
disclosure control, same JSON). Every answer is JSON, errors included, never an HTML
page; nothing here reads or writes the session, so no cookie is ever set.

The error messages are English: they are read by the developers of client systems,
who need a stable code (``error``) more than a translation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from voice_app import api_clients, exports
from voice_app.api.openapi import spec
from voice_app.audit import record_event
from voice_app.disclosure import Rules, published_for_args
from voice_app.extensions import db
from voice_app.filter_args import BREAKDOWN_ARGUMENT
from voice_app.models import ApiClient, OutcomeFramework
from voice_app.priorities import FilterError, framework_domains

bp = Blueprint("api", __name__, url_prefix="/api/v1")

FILTER_ARGUMENTS = frozenset(
    {"framework", "audience", "area", "session", "from", "to", BREAKDOWN_ARGUMENT}
)
REALM = 'Bearer realm="Family Voice API"'
MESSAGES = {
    "missing_token": "Send your token in the header: Authorization: Bearer <token>.",
    "invalid_token": "This token is not known or has been revoked.",
    "area_outside_scope": "Your token does not cover one of the areas asked for.",
    "unknown_argument": "Use only these arguments: " + ", ".join(sorted(FILTER_ARGUMENTS)) + ".",
    "framework": "framework must be the version number of an outcome framework that exists.",
    "audience": "audience must be child_4_7, child_8_12, young_13_17 or parent_carer.",
    "area": "area must be the code of an area that exists.",
    "session": "session must be the id of a session.",
    "from": "from must be a quarter such as 2026-Q1.",
    "to": "to must be a quarter such as 2026-Q4, no earlier than from.",
    "by": "by must be audience, area, session or quarter.",
    "not_found": "There is nothing at this address. See /api/v1/openapi.json.",
    "method_not_allowed": "This API only answers GET requests.",
    "server_error": "Something went wrong on our side. Try again later.",
}


def json_response(data: Any, status: int = 200) -> Response:
    # json.dumps keeps the keys' order (breakdowns in the order asked for).
    response = Response(
        json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def error_response(code: str, status: int, message: str | None = None) -> Response:
    return json_response({"error": code, "message": message or MESSAGES[code]}, status)


def _unauthorised(code: str) -> Response:
    response = error_response(code, 401)
    response.headers["WWW-Authenticate"] = (
        REALM if code == "missing_token" else f'{REALM}, error="invalid_token"'
    )
    return response


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Refuse requests without a live client's token; the client is ``g.api_client``."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        token = _bearer_token()
        if token is None:
            return _unauthorised("missing_token")
        client = api_clients.authenticate(db.session, token)
        if client is None:
            return _unauthorised("invalid_token")
        g.api_client = client
        return view(*args, **kwargs)

    wrapped.api_access = "token"  # type: ignore[attr-defined] - read by the route guard test
    return wrapped


@bp.get("/priorities")
@token_required
def priorities() -> ResponseReturnValue:
    client: ApiClient = g.api_client
    unknown = set(request.args) - FILTER_ARGUMENTS
    if unknown:
        return error_response("unknown_argument", 400)
    args = {name: request.args.getlist(name) for name in request.args}
    try:
        published = published_for_args(
            db.session,
            args,
            Rules.from_config(current_app.config),
            datetime.now(UTC),
            allowed_areas=list(client.area_codes or []),
        )
    except FilterError as error:
        db.session.rollback()
        if error.code == "area_scope":
            record_event(
                db.session,
                "api.refused",
                actor_id=None,
                target_type="api_client",
                target_id=client.id,
                reason="area_outside_scope",
            )
            db.session.commit()
            return error_response("area_outside_scope", 403)
        if error.code in MESSAGES:
            return error_response(error.code, 400)
        return error_response("bad_request", 400, "Check the arguments against the description.")
    record_event(
        db.session,
        "api.priorities",
        actor_id=None,
        target_type="api_client",
        target_id=client.id,
        breakdowns=list(published.breakdowns),
        **published.filters,
    )
    db.session.commit()
    return json_response(exports.to_json(published))


@bp.get("/frameworks")
@token_required
def frameworks() -> ResponseReturnValue:
    client: ApiClient = g.api_client
    listed = []
    for framework in db.session.scalars(
        select(OutcomeFramework).order_by(OutcomeFramework.version)
    ):
        listed.append(
            {
                "version": framework.version,
                "title": framework.title,
                "published_at": (
                    exports.timestamp(framework.published_at) if framework.published_at else None
                ),
                "domains": [
                    {"key": d.key, "position": d.position, "names": dict(sorted(d.names.items()))}
                    for d in framework_domains(db.session, framework.version)
                ],
            }
        )
    record_event(
        db.session, "api.frameworks", actor_id=None, target_type="api_client", target_id=client.id
    )
    db.session.commit()
    return json_response({"frameworks": listed})


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """Public: the description says how to ask, never what the answers are."""
    return json_response(spec())


openapi.api_access = "public"  # type: ignore[attr-defined] - read by the route guard test


# --- errors: always JSON under /api ------------------------------------------------------


@bp.before_app_request
def api_routing_errors() -> ResponseReturnValue | None:
    """An unknown address or method under /api gets JSON, not the site's HTML page.

    Routing failures belong to no blueprint, so blueprint error handlers never see them;
    this runs before Flask raises them.
    """
    path = request.path
    failure = request.routing_exception
    if failure is None or isinstance(failure, RequestRedirect):
        return None
    if path != "/api" and not path.startswith("/api/"):
        return None
    if getattr(failure, "code", None) == 405:
        response = error_response("method_not_allowed", 405)
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return response
    return error_response("not_found", 404)


@bp.errorhandler(HTTPException)
def api_http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    if status == 404:
        return error_response("not_found", 404)
    if status == 405:
        return error_response("method_not_allowed", 405)
    return error_response("server_error" if status >= 500 else "bad_request", status, error.name)


@bp.errorhandler(Exception)
def api_unexpected_error(error: Exception) -> ResponseReturnValue:
    current_app.logger.exception("Unhandled API error on %s %s", request.method, request.path)
    db.session.rollback()
    return error_response("server_error", 500)

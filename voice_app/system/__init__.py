"""Operational endpoints: health for load balancers and monitoring."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from voice_app import __version__
from voice_app.extensions import db

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    database_ok = db.ping()
    body = {
        "status": "ok" if database_ok else "degraded",
        "version": __version__,
        "database": "ok" if database_ok else "unreachable",
    }
    return jsonify(body), 200 if database_ok else 503

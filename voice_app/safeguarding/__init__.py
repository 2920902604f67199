"""Safeguarding leads' pages: read flagged free text for their areas, record the action."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("safeguarding", __name__, url_prefix="/safeguarding")

from voice_app.safeguarding import views  # noqa: E402,F401 - routes register on import

"""The co-design studio: young advisors write, hear, preview and propose questions;
researchers review them and compose and publish flows."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("codesign", __name__, url_prefix="/studio")

from voice_app.codesign import flow_views, views  # noqa: E402,F401 - routes register on import

"""Facilitators' pages: set up and run group sessions, tablets, flags, paper answers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("facilitator", __name__, url_prefix="/facilitate")

# Routes register on import; each module owns one part of running a session.
from voice_app.facilitator import (  # noqa: E402,F401
    paper,
    projector,
    views,
    withdrawal,
)

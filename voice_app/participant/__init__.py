"""The participant journey: children, young people and parents answering questions.

Start -> language -> who are you -> about this (assent) -> one question a page ->
talk to someone? -> thank you -> next person. Every step is a plain form that works
without JavaScript; POST, then redirect, then GET.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("participant", __name__)

from voice_app.participant import views  # noqa: E402, F401 - registers the routes

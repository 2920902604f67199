"""Which language a page is in, and what the templates need to know about it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request, session
from flask_babel import get_locale

from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE, Language, best_match


def shipped_languages(app: Flask) -> list[str]:
    """The source language plus every language with a catalogue in translations/."""
    folder = Path(app.root_path, app.config["BABEL_TRANSLATION_DIRECTORIES"])
    found = [
        code
        for code in LANGUAGES
        if code != SOURCE_LANGUAGE and (folder / code / "LC_MESSAGES" / "messages.po").exists()
    ]
    return [SOURCE_LANGUAGE, *found]


def select_locale() -> str:
    """The participant's choice, then the session's default, then the browser, then English."""
    available = current_app.extensions["voice_languages"]
    for key in ("language", "session_default_language"):
        chosen = session.get(key)
        if chosen in available:
            return chosen
    matched = best_match(list(request.accept_languages), available)
    return matched or SOURCE_LANGUAGE


def current_language() -> Language:
    return LANGUAGES.get(str(get_locale()), LANGUAGES[SOURCE_LANGUAGE])


def init_app(app: Flask) -> None:
    app.extensions["voice_languages"] = shipped_languages(app)

    @app.context_processor
    def language_context() -> dict[str, object]:
        return {"page_language": current_language()}

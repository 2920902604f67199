"""Which language a page is in, and what the templates need to know about it."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session
from flask_babel import format_decimal, format_percent, get_locale
from sqlalchemy.orm import Session

from voice_app.coverage import LanguageCoverage, catalogue_coverage, content_coverage
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE, Language, best_match


def shipped_languages(app: Flask) -> list[str]:
    """English plus every language whose catalogue is complete: 100% translated, 0 fuzzy.

    A half-done catalogue would put English inside a Polish page, so it does not ship.
    """
    folder = Path(app.root_path, app.config["BABEL_TRANSLATION_DIRECTORIES"])
    found = []
    for code in LANGUAGES:
        po_path = folder / code / "LC_MESSAGES" / "messages.po"
        shippable = (
            code != SOURCE_LANGUAGE
            and po_path.exists()
            and catalogue_coverage(po_path, code).complete
        )
        if shippable:
            ensure_compiled(po_path, code)
            found.append(code)
    return [SOURCE_LANGUAGE, *found]


def ensure_compiled(po_path: Path, code: str) -> None:
    """Write the .mo beside the .po when it is missing or older (it is never committed)."""
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return
    with po_path.open("rb") as source:
        catalogue = read_po(source, locale=code)
    # A name of its own: workers starting together must not replace each other's file.
    with tempfile.NamedTemporaryFile(dir=mo_path.parent, suffix=".mo.tmp", delete=False) as target:
        write_mo(target, catalogue)
    Path(target.name).replace(mo_path)


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


def format_share(percent: float) -> str:
    """A percentage written the way the page's language writes it (12,5 % in Polish)."""
    return format_percent(percent / 100, format="#,##0.0%")


def init_app(app: Flask) -> None:
    app.extensions["voice_languages"] = shipped_languages(app)
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["percent"] = format_share

    @app.context_processor
    def language_context() -> dict[str, object]:
        return {"page_language": current_language()}


@dataclass(frozen=True)
class CoverageRow:
    language: str
    catalogue_percent: float
    fuzzy: int
    catalogue_review: str
    catalogue_reviewed_by: str
    content: LanguageCoverage

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.language,
            "interface_translated_percent": self.catalogue_percent,
            "interface_fuzzy": self.fuzzy,
            "interface_review_state": self.catalogue_review,
            "interface_reviewed_by": self.catalogue_reviewed_by,
            "content_texts": self.content.texts,
            "content_translated_percent": self.content.translated_percent,
            "content_reviewed_percent": self.content.reviewed_percent,
            "human_audio_percent": self.content.human_audio_percent,
            "stale_audio": self.content.stale_audio,
        }


def coverage_report(db_session: Session, app: Flask) -> list[CoverageRow]:
    """Every known language: interface catalogue, content, review and audio coverage."""
    folder = Path(app.root_path, app.config["BABEL_TRANSLATION_DIRECTORIES"])
    rows = []
    for code in LANGUAGES:
        po_path = folder / code / "LC_MESSAGES" / "messages.po"
        if code == SOURCE_LANGUAGE:
            catalogue = (100.0, 0, "source", "")
        elif po_path.exists():
            found = catalogue_coverage(po_path, code)
            catalogue = (
                found.translated_percent,
                found.fuzzy,
                found.review_state,
                found.reviewed_by,
            )
        else:
            catalogue = (0.0, 0, "missing", "")
        rows.append(CoverageRow(code, *catalogue, content_coverage(db_session, code)))
    return rows

"""``flask translate ...``: wraps pybabel's own commands (no shell, no os.system)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask

from voice_app.coverage import po_headers

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "messages.pot"
TRANSLATIONS = ROOT / "translations"


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    # Run from the project folder so source references are relative, not /home/...
    with contextlib.chdir(ROOT):
        pybabel(
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-c",
            "TRANSLATORS:",
            "--sort-by-file",
            "--no-wrap",
            "--project",
            "Family Voice",
            "--copyright-holder",
            "Family Voice project",
            "-o",
            str(POT),
            ".",
        )


def init_app(app: Flask) -> None:
    @app.cli.group()
    def translate() -> None:
        """Interface translations: extract, update, compile, check."""

    @translate.command("extract")
    def extract_command() -> None:
        """Write messages.pot from the code and templates."""
        extract()

    @translate.command("init")
    @click.argument("language")
    def init_command(language: str) -> None:
        """Start a catalogue for LANGUAGE (e.g. pl, ar, fa_AF)."""
        extract()
        pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", language)

    @translate.command("update")
    def update_command() -> None:
        """Bring every catalogue in step with the code (review headers are kept)."""
        extract()
        kept = {po: review_headers(po) for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
        pybabel(
            "update",
            "-i",
            str(POT),
            "-d",
            str(TRANSLATIONS),
            "-N",
            "--ignore-obsolete",
            "--no-wrap",
        )
        for po, headers in kept.items():
            restore_review_headers(po, headers)

    @translate.command("compile")
    def compile_command() -> None:
        """Compile catalogues to .mo files (never committed)."""
        pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


def review_headers(po_path: Path) -> dict[str, str]:
    """Our X- headers (who reviewed the catalogue); pybabel update drops them."""
    return {key: value for key, value in po_headers(po_path).items() if key.startswith("X-")}


def restore_review_headers(po_path: Path, headers: dict[str, str]) -> None:
    if not headers:
        return
    lines = po_path.read_text(encoding="utf-8").splitlines(keepends=True)
    present = po_headers(po_path)
    extra = [f'"{key}: {value}\\n"\n' for key, value in headers.items() if key not in present]
    for index, line in enumerate(lines):
        if line.startswith('"Generated-By:'):
            lines[index + 1 : index + 1] = extra
            break
    po_path.write_text("".join(lines), encoding="utf-8")

"""``flask translate ...``: wraps pybabel's own commands (no shell, no os.system)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask

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
        """Bring every catalogue in step with the code."""
        extract()
        pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-N", "--ignore-obsolete")

    @translate.command("compile")
    def compile_command() -> None:
        """Compile catalogues to .mo files (never committed)."""
        pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")

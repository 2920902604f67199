"""``flask --app voice_app ...`` commands. They call the same services as the web pages."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from voice_app import demo, migrate
from voice_app.accounts import AccountError, NewStaffUser, create_staff_user
from voice_app.audio import AudioError, add_placeholder_audio
from voice_app.content_translations import (
    available_content_files,
    load_content_translation,
    read_content_file,
)
from voice_app.coverage import flow_fully_translated
from voice_app.export_cli import export_command
from voice_app.extensions import db
from voice_app.i18n import coverage_report
from voice_app.keys_cli import keys_command
from voice_app.models import OutcomeFramework, Role, SafeguardingTerm, StaffUser
from voice_app.retention_cli import purge_command
from voice_app.screening import load_starter_terms
from voice_app.staff_cli import reset_two_factor_command, set_password_command

DEMO_LOGINS_FILE = "demo_logins.json"


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(reset_two_factor_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(content_command)
    app.cli.add_command(audio_command)
    app.cli.add_command(coverage_command)
    app.cli.add_command(safeguarding_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(export_command)
    app.cli.add_command(keys_command)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database, or upgrade it to the latest schema."""
    migrate.upgrade(db.engine)
    # Screening needs words from day one; once researchers keep the lists, leave them be.
    if db.session.scalar(select(SafeguardingTerm.id).limit(1)) is None:
        added = load_starter_terms(db.session)
        db.session.commit()
        click.echo(f"Loaded {added} starter safeguarding words (drafts: review them).")
    click.echo("Database is up to date.")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Give this role (repeatable).",
)
@click.option("--name", "display_name", default="", help="Name shown on staff pages.")
@click.option(
    "--area",
    "areas",
    multiple=True,
    help="Area code this person works in (repeatable): facilitators and leads need one.",
)
def create_user_command(
    username: str, roles: tuple[str, ...], display_name: str, areas: tuple[str, ...]
) -> None:
    """Create a staff account. The password is asked for, never taken as an argument."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        create_staff_user(
            db.session,
            NewStaffUser(
                username=username,
                password=password,
                roles=tuple(Role(r) for r in roles),
                display_name=display_name,
                area_codes=areas,
            ),
            actor_id=None,
        )
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {username} with roles: {', '.join(roles)}.")


@click.command("demo")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print the logins and code as JSON.")
@click.option(
    "--if-empty", is_flag=True, help="Skip unless the database is empty or already holds the demo."
)
def demo_command(as_json: bool, if_empty: bool) -> None:
    """Load the outcome framework, starter questions, a demo area, users and session."""
    migrate.upgrade(db.engine)
    logins_path = Path(current_app.instance_path) / DEMO_LOGINS_FILE
    known = _read_logins(logins_path)
    if if_empty and not known and db.session.scalar(select(StaffUser.id).limit(1)):
        click.echo("The database already has staff accounts: demo content not loaded.")
        return
    framework = demo.load_framework(db.session)
    flow = demo.load_starter_questions(db.session, framework)
    for path in available_content_files():
        load_content_translation(db.session, read_content_file(path), framework)
    area = demo.ensure_area(db.session)
    logins = demo.ensure_demo_users(db.session, known, area)
    facilitator = db.session.scalar(
        select(StaffUser).where(StaffUser.username == logins[Role.FACILITATOR.value].username)
    )
    languages = [
        code
        for code in current_app.extensions["voice_languages"]
        if flow_fully_translated(db.session, flow.id, code)
    ]
    session = demo.ensure_demo_session(
        db.session, flow, area, facilitator.id if facilitator else None, languages
    )
    load_starter_terms(db.session)
    db.session.commit()
    _write_logins(logins_path, {login.username: login.password for login in logins.values()})

    result = {
        "session_code": session.code,
        "users": {
            role: {"username": login.username, "password": login.password}
            for role, login in logins.items()
        },
    }
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo("Demo content is ready.")
    click.echo(f"Session code for participants: {session.code}")
    click.echo("Staff sign-in at /staff/login (demo passwords, never use them for real data).")
    click.echo(
        "Staff also need an authenticator app on a phone (such as FreeOTP, Google or "
        "Microsoft Authenticator): the first sign-in shows a QR code to set it up."
    )
    for role, login in logins.items():
        click.echo(f"  {role:<18} {login.username:<24} {login.password}")


def _read_logins(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def _write_logins(path: Path, logins: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(logins, handle, indent=2)


@click.group("content")
def content_command() -> None:
    """Question content in other languages."""


@content_command.command("load-translations")
@with_appcontext
def load_translations_command() -> None:
    """Load translations/content/*.json where the database has no text yet."""
    framework = db.session.scalar(
        select(OutcomeFramework).order_by(OutcomeFramework.version.desc())
    )
    if framework is None:
        raise click.ClickException("No outcome framework yet: run `flask demo` first.")
    for path in available_content_files():
        added = load_content_translation(db.session, read_content_file(path), framework)
        click.echo(f"{path.stem}: {added} texts added")
    db.session.commit()


@click.group("audio")
def audio_command() -> None:
    """Read-aloud audio."""


@audio_command.command("placeholders")
@click.option("--language", "languages", multiple=True, help="Only these (repeatable).")
@with_appcontext
def placeholders_command(languages: tuple[str, ...]) -> None:
    """Make labelled espeak-ng placeholder audio (development and tests only)."""
    chosen = list(languages) or list(current_app.extensions["voice_languages"])
    try:
        made = add_placeholder_audio(db.session, chosen)
    except AudioError as error:
        raise click.ClickException(f"Could not make audio: {error.code}") from error
    db.session.commit()
    click.echo(f"Made placeholder audio for {made} texts. They are labelled as a computer voice.")


@click.command("coverage")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def coverage_command(as_json: bool) -> None:
    """Translation and audio coverage for each language."""
    rows = coverage_report(db.session, current_app)
    if as_json:
        click.echo(json.dumps([row.as_dict() for row in rows], indent=2))
        return
    click.echo(
        f"{'language':<10}{'interface':>10}{'fuzzy':>7}{'content':>9}{'reviewed':>10}"
        f"{'audio':>7}{'stale':>7}  review"
    )
    for row in rows:
        click.echo(
            f"{row.language:<10}{row.catalogue_percent:>9.1f}%{row.fuzzy:>7}"
            f"{row.content.translated_percent:>8.1f}%{row.content.reviewed_percent:>9.1f}%"
            f"{row.content.human_audio_percent:>6.1f}%{row.content.stale_audio:>7}"
            f"  {row.catalogue_review}"
        )


@click.group("safeguarding")
def safeguarding_command() -> None:
    """Safeguarding word lists used to screen written answers."""


@safeguarding_command.command("load-terms")
@with_appcontext
def load_terms_command() -> None:
    """Add the shipped starter words each language's list lacks (never removes any)."""
    added = load_starter_terms(db.session)
    db.session.commit()
    click.echo(f"{added} safeguarding words added.")

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
from voice_app.extensions import db
from voice_app.models import Role, StaffUser

DEMO_LOGINS_FILE = "demo_logins.json"


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database, or upgrade it to the latest schema."""
    migrate.upgrade(db.engine)
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
def create_user_command(username: str, roles: tuple[str, ...], display_name: str) -> None:
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
    area = demo.ensure_area(db.session)
    logins = demo.ensure_demo_users(db.session, known, area)
    facilitator = db.session.scalar(
        select(StaffUser).where(StaffUser.username == logins[Role.FACILITATOR.value].username)
    )
    session = demo.ensure_demo_session(
        db.session, flow, area, facilitator.id if facilitator else None
    )
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
    click.echo("Staff sign-in at /staff/login (demo passwords, never use them for real data):")
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

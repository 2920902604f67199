"""``flask --app voice_app set-password|reset-two-factor USERNAME``: staff sign-in by hand.

For an administrator at the server: a new password (asked for at a prompt, never taken as
an argument, checked as any new one is) and, for a lost phone, a fresh start for the
second factor. Both are audited.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from voice_app import two_factor
from voice_app.accounts import AccountError, find_user, set_password
from voice_app.extensions import db
from voice_app.models import StaffUser


def _user(username: str) -> StaffUser:
    user = find_user(db.session, username)
    if user is None:
        raise click.ClickException(f"There is no staff account called {username!r}.")
    return user


@click.command("set-password")
@with_appcontext
@click.argument("username")
def set_password_command(username: str) -> None:
    """Give a staff account a new password (asked for at a prompt)."""
    user = _user(username)
    password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(db.session, user, password, actor_id=None)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Password changed for {user.username}.")


@click.command("reset-two-factor")
@with_appcontext
@click.argument("username")
def reset_two_factor_command(username: str) -> None:
    """For a lost phone: forget the authenticator app and recovery codes of an account."""
    user = _user(username)
    two_factor.reset_second_factor(db.session, user, actor_id=None)
    db.session.commit()
    click.echo(
        f"Two-step sign-in reset for {user.username}: they set up an authenticator app "
        "again when they next sign in."
    )

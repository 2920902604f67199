"""Staff accounts for tests, and signing in through the real login form."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.forms import submit
from voice_app.accounts import NewStaffUser, create_staff_user
from voice_app.extensions import db
from voice_app.models import Role

TEST_PASSWORD = "correct horse battery staple"


def make_staff(app: Flask, username: str, *roles: Role, password: str = TEST_PASSWORD) -> int:
    with app.app_context():
        user = create_staff_user(
            db.session,
            NewStaffUser(username=username, password=password, roles=roles),
            actor_id=None,
        )
        db.session.commit()
        return user.id


def log_in(client: FlaskClient, username: str, password: str = TEST_PASSWORD) -> TestResponse:
    return submit(client, "/staff/login", {"username": username, "password": password})

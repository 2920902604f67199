"""Staff accounts for tests, and signing in through the real pages, second factor included."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.support.forms import csrf_token, submit
from voice_app import two_factor
from voice_app.accounts import NewStaffUser, create_staff_user
from voice_app.extensions import db
from voice_app.models import Role, StaffUser, utcnow

TEST_PASSWORD = "correct horse battery staple"
ENROL_URL = "/staff/login/set-up"
ENROL_DONE_URL = "/staff/login/set-up/done"
CODE_URL = "/staff/login/code"
NEW_PASSWORD_URL = "/staff/login/new-password"
_KEY = re.compile(r'id="two-factor-key">([A-Z2-7 ]+)<')


def make_staff(app: Flask, username: str, *roles: Role, password: str = TEST_PASSWORD) -> int:
    with app.app_context():
        user = create_staff_user(
            db.session,
            NewStaffUser(username=username, password=password, roles=roles),
            actor_id=None,
        )
        db.session.commit()
        return user.id


def secret_from_enrolment_page(page: str) -> str:
    """The key the enrolment page shows for typing in by hand."""
    match = _KEY.search(page)
    assert match, "no two-factor key on the page"
    return html.unescape(match.group(1)).replace(" ", "")


def fresh_code(app: Flask, username: str) -> str:
    """A code the app will accept now, as the user's authenticator app would show.

    Tests sign the same person in many times within one 30-second step, where a real
    person would wait for the next code; a used step is forgotten so the code is fresh.
    """
    with app.app_context():
        user = db.session.scalar(
            select(StaffUser).where(StaffUser.username == username.strip().casefold())
        )
        assert user is not None and user.totp_secret, f"{username} has no second factor"
        step = two_factor.time_step(utcnow())
        if user.totp_last_step is not None and user.totp_last_step >= step:
            user.totp_last_step = step - 1
            db.session.commit()
        return pyotp.TOTP(user.totp_secret).generate_otp(step)


def log_in(client: FlaskClient, username: str, password: str = TEST_PASSWORD) -> TestResponse:
    """Sign in through every step: password, then enrolment or the code.

    A 302 means signed in (to where the sign-in was going); anything else is the page
    that stopped it, such as the password form with its error, or "Choose a new password".
    """
    response = submit(client, "/staff/login", {"username": username, "password": password})
    return pass_second_factor(client, response, username)


def pass_second_factor(client: FlaskClient, response: TestResponse, username: str) -> TestResponse:
    """Carry on from the password form's ``response`` as the user's authenticator app would."""
    if response.status_code != 302:
        return response
    step = urlsplit(response.headers["Location"]).path
    if step == ENROL_URL:
        page = client.get(ENROL_URL).get_data(as_text=True)
        code = pyotp.TOTP(secret_from_enrolment_page(page)).now()
        shown = submit(client, ENROL_URL, {"code": code})
        codes_page = shown.get_data(as_text=True)
        if shown.status_code != 200 or "data-recovery-code" not in codes_page:
            return shown
        response = client.post(ENROL_DONE_URL, data={"csrf_token": csrf_token(codes_page)})
    elif step == CODE_URL:
        response = submit(client, CODE_URL, {"code": fresh_code(client.application, username)})
    else:
        return response
    if response.status_code == 302 and response.headers["Location"] == NEW_PASSWORD_URL:
        return client.get(NEW_PASSWORD_URL)
    return response

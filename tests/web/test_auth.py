"""Staff sign-in, sign-out, roles and CSRF, through the real pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support.forms import csrf_token, submit
from tests.support.staff import TEST_PASSWORD, log_in, make_staff, pass_second_factor
from voice_app.extensions import db
from voice_app.models import AuditEvent, Role, StaffUser, WebSession, utcnow
from voice_app.server_session import hash_session_id

FAILED_MESSAGE = "The username or password is not right."


def cookie(client: FlaskClient, app: Flask) -> str | None:
    found = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return found.value if found else None


@pytest.mark.parametrize("role", list(Role))
def test_each_role_can_sign_in_and_reach_the_staff_home(client, staff, role):
    response = log_in(client, staff[role])
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    home = client.get("/staff/")
    assert home.status_code == 200
    assert f"Signed in as {staff[role]}" in home.get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_answer(app, client, staff):
    wrong = log_in(client, staff[Role.ADMIN], password="not the password at all")
    unknown = log_in(client, "nobody-here", password="not the password at all")
    assert wrong.status_code == unknown.status_code == 400
    wrong_page = wrong.get_data(as_text=True)
    unknown_page = unknown.get_data(as_text=True)
    assert FAILED_MESSAGE in wrong_page
    # Apart from the one-time CSRF token and the echoed username, the pages are identical.
    assert wrong_page.replace(csrf_token(wrong_page), "").replace(
        f'value="{staff[Role.ADMIN]}"', ""
    ) == unknown_page.replace(csrf_token(unknown_page), "").replace('value="nobody-here"', "")
    assert client.get("/staff/").status_code == 302  # still not signed in


def test_empty_login_form_says_what_is_missing(client):
    response = submit(client, "/staff/login", {"username": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your username" in page and "Enter your password" in page
    assert "<title>Error: Sign in" in page


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_login_without_a_valid_csrf_token_is_refused_and_changes_nothing(app, client, staff, token):
    with app.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    data = {"username": staff[Role.ADMIN], "password": TEST_PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post("/staff/login", data=data)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == "admin"))
        assert user.last_login_at is None


def test_anonymous_visitor_is_sent_to_sign_in_and_comes_back(client, staff):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=/admin/users")
    page = client.get(response.headers["Location"])
    token = csrf_token(page.get_data(as_text=True))
    password_checked = client.post(
        response.headers["Location"],
        data={"csrf_token": token, "username": staff[Role.ADMIN], "password": TEST_PASSWORD},
    )
    signed_in = pass_second_factor(client, password_checked, staff[Role.ADMIN])
    assert signed_in.headers["Location"] == "/admin/users"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(client, staff, target):
    page = client.get("/staff/login")
    response = client.post(
        f"/staff/login?next={target}",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "username": staff[Role.ADMIN],
            "password": TEST_PASSWORD,
        },
    )
    assert pass_second_factor(client, response, staff[Role.ADMIN]).headers["Location"] == "/staff/"


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_staff_page_refuses_a_user_without_the_role(login_as, role):
    client = login_as(role)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You cannot see this page" in response.get_data(as_text=True)


def test_admin_sees_staff_accounts(login_as):
    page = login_as(Role.ADMIN).get("/admin/users").get_data(as_text=True)
    assert "safeguarding-lead" in page and "5 accounts" in page


def test_session_id_changes_at_sign_in(app, client, staff):
    client.get("/staff/login")  # the form's CSRF token starts a session
    before = cookie(client, app)
    assert before
    log_in(client, staff[Role.RESEARCHER])
    after = cookie(client, app)
    assert after and after != before
    with app.app_context():
        assert db.session.get(WebSession, hash_session_id(before)) is None


def test_sign_out_ends_the_session_on_the_server(app, client, staff):
    log_in(client, staff[Role.RESEARCHER])
    old_cookie = cookie(client, app)
    home = client.get("/staff/")
    response = client.post(
        "/staff/logout", data={"csrf_token": csrf_token(home.get_data(as_text=True))}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(WebSession, hash_session_id(old_cookie)) is None
    # Replaying the old cookie gets nothing: the server forgot it.
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], old_cookie)
    assert replay.get("/staff/").status_code == 302
    assert "You have signed out." in client.get("/staff/login").get_data(as_text=True)


def test_session_cookie_holds_only_a_random_id_and_is_protected(app, client, staff):
    response = log_in(client, staff[Role.ADMIN])
    header = next(
        h
        for h in response.headers.getlist("Set-Cookie")
        if h.startswith(app.config["SESSION_COOKIE_NAME"] + "=")
    )
    value = header.split(";")[0].split("=", 1)[1]
    assert len(value) >= 40 and "." not in value  # not a signed payload, just an id
    assert "HttpOnly" in header and "SameSite=Lax" in header
    with app.app_context():
        stored = db.session.get(WebSession, hash_session_id(value))
        assert stored is not None and value not in str(stored.data)


def test_password_hash_is_upgraded_at_sign_in_when_parameters_change(app, client):
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)
    user_id = make_staff(app, "old-hash", Role.ADVISOR)
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        user.password_hash = old.hash(TEST_PASSWORD)
        db.session.commit()
    assert log_in(client, "old-hash").status_code == 302
    with app.app_context():
        new_hash = db.session.get(StaffUser, user_id).password_hash
    assert new_hash.startswith("$argon2id$") and "m=1024,t=1" in new_hash


def test_inactive_account_cannot_sign_in(app, client):
    user_id = make_staff(app, "gone", Role.ADMIN)
    with app.app_context():
        db.session.get(StaffUser, user_id).is_active = False
        db.session.commit()
    response = log_in(client, "gone")
    assert response.status_code == 400
    assert FAILED_MESSAGE in response.get_data(as_text=True)


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(app, client, staff):
    username = staff[Role.ADMIN]
    for _attempt in range(5):
        refused = log_in(client, username, "not-the-password-at-all")
        assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "an account is locked for 15 minutes" in page
    # Locked: the right password is refused too, with the same words as any failure.
    locked = log_in(client, username)
    assert locked.status_code == 400
    assert "The username or password is not right" in locked.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == str(user.id))
        ).all()
        assert actions.count("auth.login_failed") == 5
        assert "auth.account_locked" in actions and "auth.login_locked" in actions
        # Fifteen minutes later the right password works again, and the count restarts.
        user.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert log_in(client, username).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        assert user.failed_logins == 0 and user.locked_until is None


def test_a_right_password_before_the_fifth_try_resets_the_count(app, client, staff):
    username = staff[Role.RESEARCHER]
    for _attempt in range(4):
        log_in(client, username, "not-the-password-at-all")
    assert log_in(client, username).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        assert user.failed_logins == 0 and user.locked_until is None


def test_one_client_gets_ten_failed_sign_ins_in_five_minutes(app, client):
    # Different (unknown) usernames: the per-account lock never applies, the limit does.
    for attempt in range(10):
        assert log_in(client, f"nobody-{attempt}", "wrong-password-x").status_code == 400
    assert log_in(client, "nobody-else", "wrong-password-x").status_code == 429

"""Staff sign-in's second factor and breached-password rule, through the real pages."""

from __future__ import annotations

import hashlib
import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support.forms import csrf_token, submit
from tests.support.staff import (
    CODE_URL,
    ENROL_DONE_URL,
    ENROL_URL,
    TEST_PASSWORD,
    fresh_code,
    log_in,
    make_staff,
    secret_from_enrolment_page,
)
from tests.web.test_route_list import access_rule
from voice_app import two_factor
from voice_app.auth import second_step
from voice_app.extensions import db
from voice_app.models import AuditEvent, Role, StaffRecoveryCode, StaffUser, WebSession, utcnow
from voice_app.passwords import hash_password

RECOVERY_URL = "/staff/login/recovery-code"
NEW_PASSWORD_URL = "/staff/login/new-password"
BREACHED_PASSWORD = "qwerty123456"
_RECOVERY_CODE = re.compile(r"<code data-recovery-code>([0-9a-z-]+)</code>")


def password_step(client: FlaskClient, username: str, password: str = TEST_PASSWORD):
    return submit(client, "/staff/login", {"username": username, "password": password})


def enrol(client: FlaskClient, username: str) -> tuple[str, list[str]]:
    """Sign in for the first time, keeping the key and the recovery codes shown."""
    assert password_step(client, username).headers["Location"] == ENROL_URL
    secret = secret_from_enrolment_page(client.get(ENROL_URL).get_data(as_text=True))
    shown = submit(client, ENROL_URL, {"code": pyotp.TOTP(secret).now()})
    page = shown.get_data(as_text=True)
    codes = _RECOVERY_CODE.findall(page)
    done = client.post(ENROL_DONE_URL, data={"csrf_token": csrf_token(page)})
    assert done.status_code == 302 and done.headers["Location"] == "/staff/"
    return secret, codes


def sign_out(client: FlaskClient) -> None:
    home = client.get("/staff/").get_data(as_text=True)
    client.post("/staff/logout", data={"csrf_token": csrf_token(home)})


def wrong_code(secret: str) -> str:
    now = two_factor.time_step(utcnow())
    right = {pyotp.TOTP(secret).generate_otp(step) for step in range(now - 2, now + 3)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def signed_in(client: FlaskClient) -> bool:
    return client.get("/staff/").status_code == 200


def audit_actions(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.target_id == str(user_id))
                .order_by(AuditEvent.id)
            )
        )


def staff_get_pages(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.arguments
        and access_rule(app, rule.endpoint).startswith("staff:")
    )


def test_a_right_password_alone_signs_nobody_in(app, client):
    make_staff(app, "admin-only-password", *Role)
    response = password_step(client, "admin-only-password")
    assert response.status_code == 302 and response.headers["Location"] == ENROL_URL
    pages = staff_get_pages(app)
    assert "/staff/" in pages and "/admin/users" in pages
    for url in pages:
        page = client.get(url)
        assert page.status_code == 302, url
        assert page.headers["Location"].startswith("/staff/login?next="), url


def test_first_sign_in_enrols_with_a_qr_code_and_shows_ten_recovery_codes_once(app, client):
    user_id = make_staff(app, "amira", Role.ADVISOR)
    password_step(client, "amira")
    page = client.get(ENROL_URL)
    html = page.get_data(as_text=True)
    assert "Set up your authenticator app" in html
    assert '<svg role="img"' in html and "<title>QR code" in html  # drawn on the server
    assert not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=", html)  # nothing inline (CSP)
    secret = secret_from_enrolment_page(html)
    assert len(secret) == 32
    # The same key until it is confirmed: reloading does not invalidate a scanned code.
    assert secret_from_enrolment_page(client.get(ENROL_URL).get_data(as_text=True)) == secret
    assert not signed_in(client)

    shown = submit(client, ENROL_URL, {"code": pyotp.TOTP(secret).now()})
    codes_page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    codes = _RECOVERY_CODE.findall(codes_page)
    assert len(codes) == len(set(codes)) == 10
    assert "They are shown only now" in codes_page
    assert not signed_in(client)  # not until "I have saved them, continue"

    done = client.post(ENROL_DONE_URL, data={"csrf_token": csrf_token(codes_page)})
    assert done.status_code == 302 and signed_in(client)
    with app.app_context():
        stored = db.session.scalars(
            select(StaffRecoveryCode.code_sha256).where(StaffRecoveryCode.user_id == user_id)
        ).all()
        assert sorted(stored) == sorted(
            hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes
        )
        sessions = " ".join(str(row.data) for row in db.session.scalars(select(WebSession)))
        details = " ".join(str(e.detail) for e in db.session.scalars(select(AuditEvent)))
        for code in codes:
            assert code not in sessions and code not in details
        assert secret not in sessions and secret not in details
    actions = audit_actions(app, user_id)
    assert actions.index("auth.two_factor_enrolled") < actions.index("auth.login")


def test_enrolment_refuses_a_wrong_code_and_stays_unenrolled(app, client):
    make_staff(app, "bilal", Role.RESEARCHER)
    password_step(client, "bilal")
    secret = secret_from_enrolment_page(client.get(ENROL_URL).get_data(as_text=True))
    refused = submit(client, ENROL_URL, {"code": wrong_code(secret)})
    assert refused.status_code == 400
    assert "The code is not right" in refused.get_data(as_text=True)
    assert not signed_in(client)
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == "bilal"))
        assert user.totp_enrolled_at is None and user.recovery_codes == []


def test_enrolled_staff_are_asked_for_the_code_and_a_wrong_one_is_refused(app, client):
    user_id = make_staff(app, "carys", Role.FACILITATOR)
    secret, _codes = enrol(client, "carys")
    sign_out(client)
    assert password_step(client, "carys").headers["Location"] == CODE_URL
    page = client.get(CODE_URL).get_data(as_text=True)
    assert "Enter the 6-digit code from your authenticator app" in page
    assert "Use a recovery code instead" in page
    refused = submit(client, CODE_URL, {"code": wrong_code(secret)})
    assert refused.status_code == 400
    assert "The code is not right" in refused.get_data(as_text=True)
    assert not signed_in(client)
    for nonsense in ["", "12345", "abcdef", "1" * 5000, "١٢٣٤٥٦"]:
        assert submit(client, CODE_URL, {"code": nonsense}).status_code == 400
    assert not signed_in(client)
    assert "auth.two_factor_failed" in audit_actions(app, user_id)
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.two_factor_failed")
        ).all()
        assert all(wrong_code(secret) not in str(event.detail) for event in failed)


def test_a_code_that_was_used_once_is_refused_the_second_time(app, client):
    make_staff(app, "dewi", Role.RESEARCHER)
    secret, _codes = enrol(client, "dewi")  # uses the code for the current step
    sign_out(client)
    password_step(client, "dewi")
    replayed = submit(client, CODE_URL, {"code": pyotp.TOTP(secret).now()})
    assert replayed.status_code == 400
    assert "used already" in replayed.get_data(as_text=True)
    assert not signed_in(client)


def test_a_recovery_code_works_once_and_says_how_many_are_left(app, client):
    user_id = make_staff(app, "efa", Role.ADVISOR)
    _secret, codes = enrol(client, "efa")
    sign_out(client)
    password_step(client, "efa")
    used = submit(client, RECOVERY_URL, {"code": codes[0].upper().replace("-", " ")})
    assert used.status_code == 302
    home = client.get("/staff/")
    assert home.status_code == 200  # signed in
    assert "You have 9 recovery codes left." in home.get_data(as_text=True)
    assert "auth.recovery_code_used" in audit_actions(app, user_id)
    sign_out(client)
    password_step(client, "efa")
    again = submit(client, RECOVERY_URL, {"code": codes[0]})
    assert again.status_code == 400
    assert "used already" in again.get_data(as_text=True)
    assert not signed_in(client)
    assert submit(client, RECOVERY_URL, {"code": codes[1]}).status_code == 302
    with app.app_context():
        assert two_factor.recovery_codes_left(db.session, db.session.get(StaffUser, user_id)) == 8


def test_wrong_codes_lock_the_account_like_wrong_passwords(app, client):
    user_id = make_staff(app, "ffion", Role.SAFEGUARDING_LEAD)
    secret, _codes = enrol(client, "ffion")
    sign_out(client)
    # Typing the right password again does not reset the count of wrong codes.
    for attempt in range(5):
        if attempt in (0, 3):
            password_step(client, "ffion")
        assert submit(client, CODE_URL, {"code": wrong_code(secret)}).status_code == 400
    actions = audit_actions(app, user_id)
    assert actions.count("auth.two_factor_failed") == 5 and "auth.account_locked" in actions
    # Locked: the right password is refused, and the half-done sign-in is over.
    assert client.get(CODE_URL).headers["Location"] == "/staff/login"
    locked = log_in(client, "ffion")
    assert locked.status_code == 400
    assert "The username or password is not right" in locked.get_data(as_text=True)
    assert not signed_in(client)


def test_second_step_shares_the_per_client_limit_with_the_password_step(app, client):
    make_staff(app, "gethin", Role.RESEARCHER)
    secret, _codes = enrol(client, "gethin")
    sign_out(client)
    password_step(client, "gethin")
    for _attempt in range(4):
        assert submit(client, CODE_URL, {"code": wrong_code(secret)}).status_code == 400
    for attempt in range(6):
        assert password_step(client, f"nobody-{attempt}", "wrong-password-x").status_code == 400
    assert password_step(client, "gethin").status_code == 429


def test_the_second_step_needs_a_recent_right_password(app, client, monkeypatch):
    make_staff(app, "hana", Role.ADVISOR)
    for url in (ENROL_URL, CODE_URL, RECOVERY_URL, NEW_PASSWORD_URL):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    password_step(client, "hana")
    monkeypatch.setattr(second_step, "PENDING_SECONDS", -1)  # five minutes have gone by
    stale = client.get(ENROL_URL)
    assert stale.headers["Location"] == "/staff/login"
    assert "Sign in again" in client.get("/staff/login").get_data(as_text=True)


def test_a_right_password_on_the_breached_list_must_be_changed_before_sign_in(app, client):
    user_id = make_staff(app, "iolo", Role.RESEARCHER)
    with app.app_context():  # set before the list was checked, as an old account might be
        db.session.get(StaffUser, user_id).password_hash = hash_password(BREACHED_PASSWORD)
        db.session.commit()
    page = log_in(client, "iolo", BREACHED_PASSWORD)  # password and second factor both right
    assert page.status_code == 200 and page.request.path == NEW_PASSWORD_URL
    text = page.get_data(as_text=True)
    assert "on a list of known breached or common passwords" in text
    assert "Choose a new password" in text
    assert not signed_in(client)
    for new, confirm, message in [
        ("Password2024!", "Password2024!", "on a list of known breached"),
        ("short one", "short one", "at least 12 characters"),
        ("a brand new long passphrase", "a different one", "not the same"),
    ]:
        refused = submit(client, NEW_PASSWORD_URL, {"password": new, "confirm": confirm})
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
        assert not signed_in(client)
    changed = submit(
        client,
        NEW_PASSWORD_URL,
        {"password": "a brand new long passphrase", "confirm": "a brand new long passphrase"},
    )
    assert changed.status_code == 302 and signed_in(client)
    assert "staff_user.password_changed" in audit_actions(app, user_id)
    sign_out(client)
    assert log_in(client, "iolo", BREACHED_PASSWORD).status_code == 400
    assert log_in(client, "iolo", "a brand new long passphrase").status_code == 302


def test_create_user_refuses_a_breached_password_and_stores_nothing(app, runner):
    result = runner.invoke(
        args=["create-user", "jac", "--role", "advisor"],
        input=f"{BREACHED_PASSWORD}\n{BREACHED_PASSWORD}\n",
    )
    assert result.exit_code != 0
    assert "list of known breached or common passwords" in result.output
    with app.app_context():
        assert db.session.scalar(select(StaffUser).where(StaffUser.username == "jac")) is None


def test_set_password_command_prompts_and_checks_the_new_password(app, runner, client):
    user_id = make_staff(app, "kai", Role.ADVISOR)
    refused = runner.invoke(
        args=["set-password", "kai"], input=f"{BREACHED_PASSWORD}\n{BREACHED_PASSWORD}\n"
    )
    assert refused.exit_code != 0 and "breached" in refused.output
    result = runner.invoke(
        args=["set-password", "kai"], input="another long passphrase\nanother long passphrase\n"
    )
    assert result.exit_code == 0, result.output
    assert "another long passphrase" not in result.output
    assert log_in(client, "kai", "another long passphrase").status_code == 302
    assert "staff_user.password_changed" in audit_actions(app, user_id)
    assert runner.invoke(args=["set-password", "nobody"], input="x\nx\n").exit_code != 0


def test_reset_two_factor_makes_the_next_sign_in_enrol_again(app, runner, client):
    user_id = make_staff(app, "lowri", Role.FACILITATOR)
    old_secret, codes = enrol(client, "lowri")
    sign_out(client)
    result = runner.invoke(args=["reset-two-factor", "lowri"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        assert user.totp_secret is None and user.recovery_codes == []
    assert "auth.two_factor_reset" in audit_actions(app, user_id)
    assert password_step(client, "lowri").headers["Location"] == ENROL_URL
    new_secret = secret_from_enrolment_page(client.get(ENROL_URL).get_data(as_text=True))
    assert new_secret != old_secret
    # The old recovery codes went with the old key: the recovery page sends to enrolment.
    assert client.get(RECOVERY_URL).headers["Location"] == ENROL_URL
    assert not signed_in(client)
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        assert two_factor.use_recovery_code(db.session, user, codes[0], utcnow()) is None


@pytest.mark.parametrize("username", ["advisor", "admin"])
def test_the_test_helper_signs_in_again_and_again_within_one_code_step(client, staff, username):
    # Other tests sign the same person in many times a second; the helper must keep up.
    for _attempt in range(3):
        assert log_in(client, staff[Role(username)]).status_code == 302
        sign_out(client)
    assert len(fresh_code(client.application, staff[Role(username)])) == 6


def test_demo_says_staff_need_an_authenticator_app(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "need an authenticator app" in result.output

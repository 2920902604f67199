"""The flask commands: init, create-user and demo."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tests.support.staff import log_in
from voice_app.extensions import db
from voice_app.models import (
    Area,
    Flow,
    GroupSession,
    OutcomeDomain,
    SessionStatus,
    StaffUser,
)


def test_init_reports_an_up_to_date_database(runner):
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0
    assert "up to date" in result.output


def test_create_user_prompts_for_the_password_and_the_user_can_sign_in(app, runner, client):
    password = "a long enough passphrase"
    result = runner.invoke(
        args=["create-user", "Ada", "--role", "researcher"], input=f"{password}\n{password}\n"
    )
    assert result.exit_code == 0, result.output
    assert password not in result.output
    assert log_in(client, "ada", password).status_code == 302


def test_a_facilitator_created_with_an_area_can_set_up_sessions_there(app, runner):
    load = runner.invoke(args=["demo", "--json"])
    assert load.exit_code == 0, load.output
    with app.app_context():
        code = db.session.scalars(select(Area.code)).first()
    password = "a long enough passphrase"
    result = runner.invoke(
        args=["create-user", "fay", "--role", "facilitator", "--area", code],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == "fay"))
        assert [area.code for area in user.areas] == [code]


def test_create_user_refuses_an_unknown_area_and_stores_nothing(app, runner):
    password = "a long enough passphrase"
    result = runner.invoke(
        args=["create-user", "gil", "--role", "facilitator", "--area", "NOWHERE"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code != 0
    assert "Unknown area code" in result.output
    with app.app_context():
        assert db.session.scalar(select(StaffUser).where(StaffUser.username == "gil")) is None


def test_create_user_never_takes_the_password_as_an_argument(runner):
    result = runner.invoke(args=["create-user", "bob", "--role", "admin", "--password", "x" * 20])
    assert result.exit_code != 0
    assert "No such option" in result.output


def test_create_user_refuses_a_short_password_and_stores_nothing(app, runner):
    result = runner.invoke(args=["create-user", "cat", "--role", "admin"], input="short\nshort\n")
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    with app.app_context():
        assert db.session.scalar(select(StaffUser).where(StaffUser.username == "cat")) is None


def test_demo_is_idempotent_and_prints_working_logins(app, runner):
    first = runner.invoke(args=["demo", "--json"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "--json"])
    assert second.exit_code == 0, second.output
    one, two = json.loads(first.output), json.loads(second.output)
    assert one == two
    assert set(one["users"]) == {
        "advisor",
        "facilitator",
        "safeguarding_lead",
        "researcher",
        "admin",
    }
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(StaffUser) == 5
        assert count(OutcomeDomain) == 8
        assert count(Flow) == 1
        session = db.session.scalar(select(GroupSession))
        assert count(GroupSession) == 1 and session.status is SessionStatus.OPEN
        assert session.code == one["session_code"]
    for login in one["users"].values():
        fresh_browser = app.test_client()
        assert log_in(fresh_browser, login["username"], login["password"]).status_code == 302


def test_demo_if_empty_leaves_a_real_database_alone(app, runner):
    runner.invoke(
        args=["create-user", "real", "--role", "admin"], input="a long enough passphrase\n" * 2
    )
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutcomeDomain)) == 0

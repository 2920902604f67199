"""Every route x every method x everyone: the outcome the access table says, nothing more.

The table is tests/support/access_rules.py (one line per endpoint); the world it runs
against (two areas, sessions A and B with different facilitators, a flag, recordings,
a tablet link, studio content, an API client) is tests/support/access_world.py.
"""

from __future__ import annotations

import pytest
from flask import Flask, Response

from tests.support.access_matrix import (
    CSRF_EXPIRED,
    Kind,
    Outcome,
    calls_for,
    check_access,
    expected,
    missing_entries,
    staff,
)
from tests.support.access_rules import ACCESS
from tests.support.access_world import Who, World, build_world, snapshot
from voice_app.extensions import csrf, db
from voice_app.models import Area, Role

# Who sends a POST in the CSRF checks: the first of these the table lets in.
CSRF_SENDERS = (
    Who.FACILITATOR_OWNER,
    Who.RESEARCHER,
    Who.ADVISOR,
    Who.ADMIN,
    Who.LEAD_OF_AREA,
    Who.PARTICIPANT_A,
    Who.ANONYMOUS,
)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.mark.parametrize("who", list(Who), ids=lambda who: who.value)
def test_everyone_gets_exactly_what_the_access_table_says_from_every_route(
    app: Flask, world: World, who: Who
) -> None:
    problems = check_access(app, world, ACCESS, who)
    assert problems == [], "\n".join(problems)


def test_every_route_has_an_entry_and_every_entry_is_a_route(app: Flask) -> None:
    assert missing_entries(app, ACCESS) == []


def test_a_facilitator_reaches_only_their_own_sessions_and_a_lead_only_their_areas() -> None:
    # The two rules the product depends on most, stated once more without the table's words.
    methods = {"GET", "POST"}
    session_page = ACCESS["facilitator.session"]
    flag_page = ACCESS["safeguarding.flag"]
    assert expected(session_page, Who.FACILITATOR_OTHER, "GET", methods) is Outcome.FORBIDDEN
    assert expected(flag_page, Who.LEAD_ELSEWHERE, "GET", methods) is Outcome.FORBIDDEN
    audio = ACCESS["participant.audio"]
    assert expected(audio, Who.PARTICIPANT_B, "GET", methods) is Outcome.NOT_FOUND
    staff_only = [e for e, a in ACCESS.items() if a.kind is Kind.STAFF]
    assert all(
        expected(ACCESS[e], Who.PARTICIPANT_A, "GET", methods) is Outcome.SIGN_IN
        for e in staff_only
    )


# --- the checker itself: a route it does not know, and a route that forgot its check ---


def _leaky_page() -> Response:
    return Response("Everything about everyone", mimetype="text/plain")


def _leaky_write() -> Response:
    db.session.add(Area(code="leaked", name="Written by anyone"))
    db.session.commit()
    return Response("Saved", mimetype="text/plain")


@pytest.fixture
def world_with_extra_routes(app: Flask) -> World:
    """Routes a careless change might add: no access check at all."""
    app.add_url_rule("/staff/unlisted", "extra.unlisted", _leaky_page)
    app.add_url_rule("/admin/leaky", "extra.leaky", _leaky_page)
    app.add_url_rule("/admin/leaky-write", "extra.leaky_write", _leaky_write, methods=["POST"])
    return build_world(app)


def test_the_checker_reports_a_route_without_an_entry(
    app: Flask, world_with_extra_routes: World
) -> None:
    assert missing_entries(app, ACCESS) == [
        "extra.leaky: no entry in the access table",
        "extra.leaky_write: no entry in the access table",
        "extra.unlisted: no entry in the access table",
    ]
    problems = check_access(
        app, world_with_extra_routes, ACCESS, Who.ANONYMOUS, only={"extra.unlisted"}
    )
    assert problems == ["extra.unlisted: no entry in the access table"]


@pytest.mark.parametrize(
    "who", [Who.ANONYMOUS, Who.PARTICIPANT_A, Who.RESEARCHER], ids=lambda who: who.value
)
def test_the_checker_reports_an_unprotected_route_whose_entry_says_staff_only(
    app: Flask, world_with_extra_routes: World, who: Who
) -> None:
    rules = {**ACCESS, "extra.leaky": staff(Role.ADMIN), "extra.leaky_write": staff(Role.ADMIN)}
    problems = check_access(
        app, world_with_extra_routes, rules, who, only={"extra.leaky", "extra.leaky_write"}
    )
    refusal = "302 to staff sign-in" if who is not Who.RESEARCHER else "403"
    assert problems == [
        f"{who.value} GET /admin/leaky (extra.leaky): expected {refusal}, got 200 ",
        f"{who.value} POST /admin/leaky-write (extra.leaky_write): expected {refusal}, got 200 ",
        f"{who.value} POST /admin/leaky-write: refused, but data changed",
    ]


def test_the_checker_passes_the_same_routes_when_their_entries_say_anyone(
    app: Flask, world_with_extra_routes: World
) -> None:
    # The failing tests above fail because of the entries, not because of the routes.
    rules = {**ACCESS, "extra.leaky": ACCESS["system.healthz"]}
    assert (
        check_access(app, world_with_extra_routes, rules, Who.ANONYMOUS, only={"extra.leaky"}) == []
    )


# --- CSRF ------------------------------------------------------------------------------


def test_no_view_or_blueprint_is_exempt_from_csrf_and_the_api_takes_only_gets(app: Flask) -> None:
    assert csrf._exempt_views == set()
    assert csrf._exempt_blueprints == set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            assert (rule.methods or set()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_every_post_without_a_token_or_with_a_forged_one_is_refused_and_changes_nothing(
    app: Flask, world: World
) -> None:
    posts = [c for c in calls_for(app, world) if c.method == "POST" and "POST" in c.methods]
    assert posts, "no POST routes found"
    browsers = {}
    problems = []
    for call in posts:
        who = next(
            w
            for w in CSRF_SENDERS
            if expected(ACCESS[call.endpoint], w, "POST", call.methods) is Outcome.ALLOWED
        )
        browser = browsers.get(who) or browsers.setdefault(who, world.browser(who))
        for name, token in (("no token", None), ("a forged token", "forged." + browser.csrf[7:])):
            before = snapshot(app)
            data = {} if token is None else {"csrf_token": token}
            response = browser.client.post(call.url, data=data, headers=browser.headers)
            if response.status_code != 400 or CSRF_EXPIRED not in response.text:
                problems.append(f"{who.value} POST {call.url} with {name}: {response.status_code}")
            if snapshot(app) != before:
                problems.append(f"{who.value} POST {call.url} with {name}: data changed")
    assert problems == [], "\n".join(problems)

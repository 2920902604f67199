"""The access matrix: what each kind of visitor should get from each route, and a checker.

An ``Access`` says who may use an endpoint; ``expected`` turns it into the outcome for
one visitor and one method; ``check_access`` sends every request from the app's url_map
and reports each difference as a line of text. The rules themselves are in
tests/support/access_rules.py, written by hand, never read from the decorators they test.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass

from flask import Flask
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from tests.support.access_world import (
    STAFF,
    Who,
    World,
    forms_that_would_change_things,
    snapshot,
)
from voice_app.models import Role

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PARTICIPANTS = frozenset({Who.PARTICIPANT_A, Who.PARTICIPANT_B})
CSRF_EXPIRED = "This form has expired"


class Outcome(enum.Enum):
    ALLOWED = "allowed"  # GET: one of the access's statuses; POST: none of the refusals
    SIGN_IN = "302 to staff sign-in"
    TO_START = "302 to the participant start page"
    FORBIDDEN = "403"
    NOT_FOUND = "404"
    UNAUTHORISED = "401"
    NOT_ALLOWED = "405"


class Kind(enum.Enum):
    PUBLIC = "public"
    JOURNEY = "participant journey"
    STAFF = "staff"
    API_TOKEN = "API token"


@dataclass(frozen=True)
class Access:
    kind: Kind
    roles: frozenset[Role] = frozenset()  # staff: empty means any member of staff
    own_session_only: bool = False  # facilitators: only the session they set up
    own_area_only: bool = False  # safeguarding leads: only sessions in their areas
    own_session_audio: bool = False  # participants: only their session's flow
    get_statuses: frozenset[int] = frozenset({200})  # what an allowed GET answers
    # The request starts the visit afresh (signs out, finishes a journey, binds a tablet),
    # so it is sent from a browser of its own.
    ends_visit: bool = False


PUBLIC = Access(Kind.PUBLIC)
JOURNEY = Access(Kind.JOURNEY)
API_TOKEN = Access(Kind.API_TOKEN)


def public(*get_statuses: int, ends_visit: bool = False) -> Access:
    statuses = frozenset(get_statuses or {200})
    return Access(Kind.PUBLIC, get_statuses=statuses, ends_visit=ends_visit)


def journey(
    *get_statuses: int, own_session_audio: bool = False, ends_visit: bool = False
) -> Access:
    return Access(
        Kind.JOURNEY,
        own_session_audio=own_session_audio,
        get_statuses=frozenset(get_statuses or {200}),
        ends_visit=ends_visit,
    )


def staff(
    *roles: Role,
    own_session_only: bool = False,
    own_area_only: bool = False,
    get: int = 200,
    ends_visit: bool = False,
) -> Access:
    return Access(
        Kind.STAFF,
        frozenset(roles),
        own_session_only=own_session_only,
        own_area_only=own_area_only,
        get_statuses=frozenset({get}),
        ends_visit=ends_visit,
    )


def expected(access: Access, who: Who, method: str, methods: Collection[str]) -> Outcome:
    """What ``who`` should get from a route with this access, for one method."""
    if method not in methods:
        return Outcome.NOT_ALLOWED
    if access.kind is Kind.PUBLIC:
        return Outcome.ALLOWED
    if access.kind is Kind.API_TOKEN:
        return Outcome.ALLOWED if who is Who.API_CLIENT else Outcome.UNAUTHORISED
    if access.kind is Kind.JOURNEY:
        if who not in PARTICIPANTS:
            return Outcome.TO_START
        if access.own_session_audio and who is not Who.PARTICIPANT_A:
            return Outcome.NOT_FOUND
        return Outcome.ALLOWED
    if who not in STAFF:
        return Outcome.SIGN_IN
    role, _areas = STAFF[who]
    if access.roles and role not in access.roles:
        return Outcome.FORBIDDEN
    if access.own_session_only and who is Who.FACILITATOR_OTHER:
        return Outcome.FORBIDDEN
    if access.own_area_only and who is Who.LEAD_ELSEWHERE:
        return Outcome.FORBIDDEN
    return Outcome.ALLOWED


def observed_matches(outcome: Outcome, access: Access, method: str, response: TestResponse) -> bool:
    status = response.status_code
    location = response.headers.get("Location", "")
    if status >= 500:
        return False
    if outcome is Outcome.SIGN_IN:
        return status == 302 and location.startswith("/staff/login?next=")
    if outcome is Outcome.TO_START:
        return status == 302 and location == "/"
    if outcome is not Outcome.ALLOWED:
        return status == int(outcome.value)
    if method == "GET":
        return status in access.get_statuses
    refused = status in (401, 403, 404, 405) or location.startswith("/staff/login?next=")
    if access.kind is Kind.JOURNEY:
        refused = refused or location == "/"
    return not refused and CSRF_EXPIRED not in response.text


@dataclass(frozen=True)
class Call:
    endpoint: str
    method: str
    url: str
    methods: frozenset[str]


def calls_for(app: Flask, world: World, only: Collection[str] = ()) -> Iterator[Call]:
    """One request for every method we try on every route, aimed at session A's things."""
    adapter = app.url_map.bind("localhost")
    values = world.url_values()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if only and rule.endpoint not in only:
            continue
        args = {name: _value(rule, name, values) for name in rule.arguments}
        url = adapter.build(rule.endpoint, {**args, **world.query_for(rule.endpoint)})
        methods = frozenset((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for method in METHODS:
            yield Call(rule.endpoint, method, url, methods)


def _value(rule: Rule, name: str, values: Mapping[str, object]) -> object:
    converter = rule._converters.get(name)
    items = getattr(converter, "items", None)
    if items:  # an any(...) converter: its first choice
        return sorted(items)[0]
    if name not in values:
        raise LookupError(f"{rule.rule}: the world has no value for <{name}>")
    return values[name]


def missing_entries(app: Flask, rules: Mapping[str, Access]) -> list[str]:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    return [
        *(f"{e}: no entry in the access table" for e in sorted(endpoints - set(rules))),
        *(f"{e}: in the access table but no such route" for e in sorted(set(rules) - endpoints)),
    ]


def check_access(
    app: Flask,
    world: World,
    rules: Mapping[str, Access],
    who: Who,
    *,
    only: Collection[str] = (),
    on_response: Callable[[Call, TestResponse], None] | None = None,
) -> list[str]:
    """Every request as ``who``; a line for each outcome that is not the expected one.

    Refused POSTs must change nothing. Allowed POSTs run last; those that end the visit
    (``Access.ends_visit``) each from a fresh browser.
    """
    problems = [p for p in missing_entries(app, rules) if not only or p.split(":")[0] in only]
    calls = [c for c in calls_for(app, world, only) if c.endpoint in rules]
    forms = forms_that_would_change_things(world)
    plan = [(c, expected(rules[c.endpoint], who, c.method, c.methods)) for c in calls]
    gets = [(c, o) for c, o in plan if c.method == "GET"]
    # Refused POSTs first, one after another so each snapshot serves as the next "before";
    # then the other methods; allowed changes last.
    others = sorted(
        (p for p in plan if p[0].method != "GET"),
        key=lambda p: (p[1] is Outcome.ALLOWED, p[0].method != "POST"),
    )
    browser = world.browser(who)
    known: dict[str, list[tuple[object, ...]]] | None = None  # the data as last seen
    for index, (call, outcome) in enumerate([*gets, *others]):
        if index == len(gets):
            browser.read_csrf_token()  # a GET may have started a new server-side session
        access = rules[call.endpoint]
        refused_post = call.method == "POST" and outcome is not Outcome.ALLOWED
        ends_visit = access.ends_visit and outcome is Outcome.ALLOWED
        sender = world.browser(who) if ends_visit else browser
        before = (known or snapshot(app)) if refused_post else None
        body = forms.get(call.endpoint, dict)() if call.method == "POST" else {}
        response = sender.send(call.method, call.url, body)
        if on_response is not None:
            on_response(call, response)
        known = snapshot(app) if refused_post else None
        if not observed_matches(outcome, access, call.method, response):
            problems.append(
                f"{who.value} {call.method} {call.url} ({call.endpoint}): expected "
                f"{outcome.value}, got {response.status_code} {response.location or ''}"
            )
        if before is not None and known != before:
            problems.append(f"{who.value} {call.method} {call.url}: refused, but data changed")
    return problems

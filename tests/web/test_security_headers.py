"""Security headers on every response: each route's (from the access matrix walk), error
pages, static files and the API's JSON.

The headers are parsed and checked for what they must say, not compared with the
strings voice_app/security.py writes, so a weakened policy fails here.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.support.access_matrix import Call, Outcome, check_access, expected
from tests.support.access_rules import ACCESS
from tests.support.access_world import Who, World, build_world
from tests.support.forms import csrf_token
from voice_app import create_app

ONE_YEAR = 365 * 24 * 60 * 60
RECORDING_PAGE = "codesign.audio"  # the studio page that records in the browser
# Who is sent to each route: the first of these the access table lets in.
ALLOWED_SENDERS = (
    Who.ANONYMOUS,
    Who.PARTICIPANT_A,
    Who.API_CLIENT,
    Who.FACILITATOR_OWNER,
    Who.RESEARCHER,
    Who.ADVISOR,
    Who.ADMIN,
    Who.LEAD_OF_AREA,
)
KEYWORDS_ALLOWED = {"'self'", "'none'"}
# The only non-keyword sources: pictures drawn inline (data:), and on the recording page
# the take just recorded, played back before upload (blob:).
EXTRA_SOURCES = {"img-src": {"data:"}}
RECORDING_EXTRA_SOURCES = {"img-src": {"data:"}, "media-src": {"blob:"}}


def content_security_policy(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        name, *sources = part.split()
        directives[name.lower()] = sources
    return directives


def permissions_policy(value: str) -> dict[str, str]:
    features = {}
    for part in value.split(","):
        name, _, allow = part.strip().partition("=")
        features[name] = allow
    return features


def header_problems(
    response: TestResponse, endpoint: str | None, *, hsts: bool = True
) -> list[str]:
    headers = response.headers
    problems = []
    csp = content_security_policy(headers.get("Content-Security-Policy", "x"))
    for required in ("default-src", "script-src", "style-src"):
        if required not in csp:
            problems.append(f"CSP has no {required}")
    extra = RECORDING_EXTRA_SOURCES if endpoint == RECORDING_PAGE else EXTRA_SOURCES
    for name, sources in csp.items():
        for source in sources:
            if source not in KEYWORDS_ALLOWED and source not in extra.get(name, set()):
                # 'unsafe-inline', 'unsafe-eval', nonces, hashes, hosts and schemes alike
                problems.append(f"CSP {name} allows {source}")
    for name in ("object-src", "base-uri", "frame-ancestors"):
        if csp.get(name) != ["'none'"]:
            problems.append(f"CSP {name} is {csp.get(name)}, not 'none'")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if headers.get("Referrer-Policy") != "no-referrer":
        problems.append("Referrer-Policy is not no-referrer")
    features = permissions_policy(headers.get("Permissions-Policy", ""))
    microphone = "(self)" if endpoint == RECORDING_PAGE else "()"
    for feature, allow in (("camera", "()"), ("geolocation", "()"), ("microphone", microphone)):
        if features.get(feature) != allow:
            problems.append(f"Permissions-Policy {feature}={features.get(feature)}, not {allow}")
    transport = headers.get("Strict-Transport-Security")
    if hsts:
        directives = [d.strip().lower() for d in (transport or "").split(";")]
        ages = [int(d.split("=")[1]) for d in directives if d.startswith("max-age=")]
        if not ages or ages[0] < ONE_YEAR or "includesubdomains" not in directives:
            problems.append(f"Strict-Transport-Security is {transport!r}")
    elif transport is not None:
        problems.append("Strict-Transport-Security sent in development")
    return [f"{response.request.method} {response.request.path}: {p}" for p in problems]


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def test_every_routes_response_carries_the_security_headers(app: Flask, world: World) -> None:
    """Each route as someone it lets in (all methods), plus every refusal those make."""
    by_sender: dict[Who, set[str]] = defaultdict(set)
    for endpoint, access in ACCESS.items():
        sender = next(
            w
            for w in ALLOWED_SENDERS
            if expected(access, w, "GET", {"GET", "POST"}) is Outcome.ALLOWED
        )
        by_sender[sender].add(endpoint)
    seen: dict[str, int] = defaultdict(int)
    problems: list[str] = []

    def check(call: Call, response: TestResponse) -> None:
        seen[call.endpoint] += 1
        # A method the route does not take is answered before any view: no endpoint.
        endpoint = call.endpoint if call.method in call.methods else None
        problems.extend(header_problems(response, endpoint))

    # In ALLOWED_SENDERS' order, so the API client goes before the admin revokes it.
    for sender in sorted(by_sender, key=ALLOWED_SENDERS.index):
        endpoints = by_sender[sender]
        problems.extend(check_access(app, world, ACCESS, sender, only=endpoints, on_response=check))
    assert problems == [], "\n".join(problems)
    assert set(seen) == {rule.endpoint for rule in app.url_map.iter_rules()}


def test_only_the_recording_page_may_use_the_microphone(app: Flask, world: World) -> None:
    advisor = world.browser(Who.ADVISOR)
    recording = advisor.send("GET", f"/studio/texts/{world.text}/audio")
    assert recording.status_code == 200
    assert permissions_policy(recording.headers["Permissions-Policy"])["microphone"] == "(self)"
    # Its own error page (an empty upload) still records; the version page next to it does not.
    refused = advisor.send("POST", f"/studio/texts/{world.text}/audio", {})
    assert refused.status_code == 400
    assert permissions_policy(refused.headers["Permissions-Policy"])["microphone"] == "(self)"
    version = advisor.send("GET", f"/studio/versions/{world.version}")
    assert permissions_policy(version.headers["Permissions-Policy"])["microphone"] == "()"


def _boom() -> str:
    raise RuntimeError("an unexpected failure")


def test_error_pages_static_files_and_the_api_carry_the_security_headers(app: Flask) -> None:
    app.add_url_rule("/boom", "extra.boom", _boom)
    app.config["JOIN_CODE_FAILURES_LIMIT"] = "1 per minute"
    client = app.test_client()
    token = csrf_token(client.get("/").text)
    responses = {
        "not found": client.get("/no-such-page"),
        "method not allowed": client.put("/"),
        "forged form": client.post("/join", data={"csrf_token": "forged"}),
        "wrong code": client.post("/join", data={"csrf_token": token, "code": "ZZZZ-ZZZZ"}),
        "too many tries": client.post("/join", data={"csrf_token": token, "code": "ZZZZ-ZZZZ"}),
        "server error": client.get("/boom"),
        "static file": client.get("/static/css/voice.css"),
        "API without token": client.get("/api/v1/frameworks"),
        "API not found": client.get("/api/v1/nothing-here"),
        "API description": client.get("/api/v1/openapi.json"),
        "staff page for a visitor": client.get("/staff/"),
    }
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses == {
        "not found": 404,
        "method not allowed": 405,
        "forged form": 400,
        "wrong code": 400,
        "too many tries": 429,
        "server error": 500,
        "static file": 200,
        "API without token": 401,
        "API not found": 404,
        "API description": 200,
        "staff page for a visitor": 302,
    }
    problems = [p for r in responses.values() for p in header_problems(r, None)]
    assert problems == [], "\n".join(problems)


def _app_for(env: str, app: Flask, instance: Path) -> Flask:
    return create_app(
        {
            "ENV": env,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "header-test-secret-key-" + "s" * 40,
            "PSEUDONYM_KEY": "header-test-pseudonym-key-" + "p" * 40,
        },
        instance_path=str(instance),
    )


@pytest.mark.parametrize("env", ["development", "production"])
def test_strict_transport_security_is_sent_everywhere_but_development(
    app: Flask, tmp_path: Path, env: str
) -> None:
    other = _app_for(env, app, tmp_path)
    client = other.test_client()
    responses = [client.get("/no-such-page"), client.get("/static/css/voice.css")]
    problems = [p for r in responses for p in header_problems(r, None, hsts=env != "development")]
    assert problems == [], "\n".join(problems)
    other.extensions["voice_db"].dispose()

"""The committed list of routes and their access rules.

A route that appears, disappears or changes who may use it fails this test until
tests/web/routes.txt is updated, so access rules are always a reviewed decision.
Regenerate with: python -m tests.web.test_route_list > tests/web/routes.txt
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROUTES_FILE = Path(__file__).with_name("routes.txt")
# Routes anyone may use, by design. Anything else must be behind staff_required.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "system.healthz",
        "auth.login",
        # The later sign-in steps: each needs the session's "password checked" marker.
        "auth.two_factor_enrol",
        "auth.two_factor_continue",
        "auth.two_factor_code",
        "auth.two_factor_recovery",
        "auth.new_password",
        # The way in for participants: a code, a tablet link, the Start button, next person.
        "participant.welcome",
        "participant.join",
        "participant.bind_kiosk",
        "participant.start",
        "participant.next_person",
        # The API's own description; the figures need a token.
        "api.openapi",
    }
)


def access_rule(app: Flask, endpoint: str) -> str:
    view = app.view_functions[endpoint]
    if getattr(view, "participant_access", False):
        return "participant"
    if getattr(view, "api_access", None) == "token":
        return "api-token"
    roles = getattr(view, "required_roles", None)
    if roles is None:
        return "public"
    return "staff:" + (",".join(sorted(str(r) for r in roles)) or "any")


def route_lines(app: Flask) -> list[str]:
    lines = []
    for rule in app.url_map.iter_rules():
        methods = ",".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        lines.append(f"{rule.rule} {methods} {rule.endpoint} {access_rule(app, rule.endpoint)}")
    return sorted(lines)


def test_routes_match_the_committed_list(app):
    expected = ROUTES_FILE.read_text(encoding="utf-8").splitlines()
    assert route_lines(app) == expected, (
        "Routes changed. Check each new route's access rule, then regenerate routes.txt."
    )


def test_only_intended_routes_are_public(app):
    public = {
        r.endpoint for r in app.url_map.iter_rules() if access_rule(app, r.endpoint) == "public"
    }
    assert public <= PUBLIC_ENDPOINTS


if __name__ == "__main__":
    from voice_app import create_app

    print("\n".join(route_lines(create_app({"ENV": "testing"}))))

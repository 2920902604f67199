"""The read-only API for the shared outcome framework, and the admin pages for its tokens.

The data are the research exports' 28 people (tests/web/test_research_exports.py).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, datetime

import jsonschema
import pytest
from flask import Flask
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import select

from tests.support.forms import csrf_token
from tests.support.pages import check_page
from tests.support.studio import staff_client
from tests.web.test_research_exports import seed_answers
from voice_app import api_clients, demo, exports
from voice_app.disclosure import Rules, published_figures
from voice_app.extensions import db
from voice_app.models import ApiClient, Area, AuditEvent, Role
from voice_app.periods import Quarter
from voice_app.priorities import Filters

_TOKEN_INPUT = re.compile(r'id="token"[^>]*value="([^"]+)"')


def area_and_token(app: Flask) -> dict[str, object]:
    """A second area, E99, and a token for the first area only."""
    with app.app_context():
        first_area = db.session.scalars(select(Area.code).order_by(Area.id)).first()
        db.session.add(Area(code="E99", name="Another partnership"))
        client, token = api_clients.create_client(db.session, "Outcome hub", [first_area], None)
        db.session.commit()
        return {"area": first_area, "token": token, "client_id": client.id}


@pytest.fixture
def world(app: Flask) -> dict[str, object]:
    """No answers: the outcome framework, the demo's area and E99, and a token."""
    with app.app_context():
        demo.load_framework(db.session)
        demo.ensure_area(db.session)
        db.session.commit()
    return area_and_token(app)


@pytest.fixture
def answered(app: Flask, runner) -> dict[str, object]:
    """As ``world``, with the 28 people's answers."""
    seed_answers(app, runner)
    return area_and_token(app)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["error"] == code and body["message"]
    return body


def response_schema(spec: dict, name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


# --- the OpenAPI description --------------------------------------------------------------


def test_openapi_description_is_public_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers
    spec = response.get_json()
    validate_openapi(spec)
    assert set(spec["paths"]) == {
        "/api/v1/priorities",
        "/api/v1/frameworks",
        "/api/v1/openapi.json",
    }
    broken = copy.deepcopy(spec)
    broken["paths"]["/api/v1/priorities"]["get"]["responses"] = "none"
    with pytest.raises(Exception):  # noqa: B017 - any validation error will do
        validate_openapi(broken)


# --- who may ask ------------------------------------------------------------------------


def test_requests_without_a_working_token_are_refused(app, client, world):
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = client.get("/api/v1/priorities", headers=headers)
        assert_json_error(response, 401, "missing_token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for token in ("not-a-token", world["token"][:-1], "x" * 5000, "é€😀"):
        response = client.get("/api/v1/priorities", headers=bearer(token))
        assert_json_error(response, 401, "invalid_token")
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert_json_error(client.get("/api/v1/frameworks"), 401, "missing_token")
    assert audit(app, "api.priorities") == []


def test_a_revoked_token_stops_working(app, client, world):
    assert client.get("/api/v1/priorities", headers=bearer(world["token"])).status_code == 200
    with app.app_context():
        api_clients.revoke_client(db.session, world["client_id"], None)
        db.session.commit()
    response = client.get("/api/v1/priorities", headers=bearer(world["token"]))
    assert_json_error(response, 401, "invalid_token")


def test_areas_outside_the_tokens_scope_are_refused(app, client, world):
    for query in ("?area=E99", f"?area={world['area']}&area=E99"):
        response = client.get("/api/v1/priorities" + query, headers=bearer(world["token"]))
        assert_json_error(response, 403, "area_outside_scope")
    (refused, _again) = audit(app, "api.refused")
    assert refused.target_type == "api_client"
    assert refused.target_id == str(world["client_id"])
    # No area asked for: the token's areas, never everyone's.
    response = client.get("/api/v1/priorities", headers=bearer(world["token"]))
    assert response.get_json()["filters"]["areas"] == [world["area"]]


# --- what it answers ----------------------------------------------------------------------


def test_priorities_are_the_same_numbers_as_the_json_export(app, client, answered):
    response = client.get(
        "/api/v1/priorities?by=audience&by=quarter&from=2020-Q1", headers=bearer(answered["token"])
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    served = response.get_json()
    with app.app_context():
        filters = Filters(
            framework_version=1,
            area_codes=(answered["area"],),
            first_quarter=Quarter.parse("2020-Q1"),
        )
        expected = exports.to_json(
            published_figures(
                db.session, filters, ("audience", "quarter"), Rules(10, 5), datetime.now(UTC)
            )
        )
    assert served.pop("generated_at").endswith("Z")
    expected.pop("generated_at")
    assert served == expected
    assert list(served["breakdowns"]) == ["audience", "quarter"]
    total = {d["key"]: d for d in served["total"]["domains"]}
    assert total["feeling_safe"]["shown"] and total["feeling_safe"]["people_choosing"] == 15
    assert not total["being_listened_to"]["shown"]
    assert total["being_listened_to"]["share"] is None

    (event,) = audit(app, "api.priorities")
    assert event.actor_id is None
    assert event.target_type == "api_client"
    assert event.target_id == str(answered["client_id"])
    assert event.detail["areas"] == [answered["area"]]
    assert event.detail["breakdowns"] == ["audience", "quarter"]


def test_priorities_match_the_described_response_schema(client, answered):
    spec = client.get("/api/v1/openapi.json").get_json()
    validator = jsonschema.Draft202012Validator(response_schema(spec, "Priorities"))
    served = client.get("/api/v1/priorities?by=audience", headers=bearer(answered["token"]))
    data = served.get_json()
    validator.validate(data)
    # The check can fail: a hidden share given as 0 text, or a field the schema lacks.
    wrong = copy.deepcopy(data)
    wrong["total"]["domains"][0]["share"] = "0"
    assert not validator.is_valid(wrong)
    extra = copy.deepcopy(data)
    extra["total"]["secret"] = 3
    assert not validator.is_valid(extra)
    frameworks = client.get("/api/v1/frameworks", headers=bearer(answered["token"])).get_json()
    jsonschema.Draft202012Validator(response_schema(spec, "Frameworks")).validate(frameworks)
    (framework,) = frameworks["frameworks"]
    assert framework["version"] == 1
    assert len(framework["domains"]) == 8
    assert framework["domains"][0]["names"]["en_GB"]


def test_bad_requests_get_json_errors_never_html(client, world):
    auth = bearer(world["token"])
    for query, code in (
        ("?from=2026-Q9", "from"),
        ("?to=nope", "to"),
        ("?audience=grown_ups", "audience"),
        ("?by=colour", "by"),
        ("?framework=41", "framework"),
        ("?session=%00", "session"),
        ("?colour=blue", "unknown_argument"),
    ):
        response = client.get("/api/v1/priorities" + query, headers=auth)
        body = assert_json_error(response, 400, code)
        assert "<" not in body["message"]
    assert_json_error(client.get("/api/v1/nothing-here", headers=auth), 404, "not_found")
    assert_json_error(client.get("/api/elsewhere"), 404, "not_found")
    response = client.post("/api/v1/priorities", headers=auth, data={"area": "E99"})
    assert_json_error(response, 405, "method_not_allowed")
    assert_json_error(client.delete("/api/v1/openapi.json"), 405, "method_not_allowed")


# --- the admin pages for tokens --------------------------------------------------------------


def create_through_the_page(admin, data: dict[str, object]):
    page = admin.get("/admin/api-clients")
    assert page.status_code == 200
    return admin.post(
        "/admin/api-clients",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data},
    )


def test_admin_creates_a_client_and_sees_its_token_once(app, client, world):
    admin = staff_client(app, "admin-1", Role.ADMIN)
    response = create_through_the_page(admin, {"name": "Regional hub", "areas": ["E99"]})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    check_page(html)
    assert "It is shown only once" in html
    token = _TOKEN_INPUT.search(html).group(1)

    with app.app_context():
        stored = db.session.scalar(select(ApiClient).where(ApiClient.name == "Regional hub"))
        assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert stored.area_codes == ["E99"]
        rows = db.session.execute(select(ApiClient.__table__)).all()
        events = db.session.scalars(select(AuditEvent.detail)).all()
    assert token not in json.dumps([list(map(str, r)) for r in rows])
    assert token not in json.dumps(events)
    assert audit(app, "api_client.created")[-1].detail["areas"] == ["E99"]

    listing = admin.get("/admin/api-clients").get_data(as_text=True)
    assert "Regional hub" in listing and token not in listing
    # The new token works, within its own area only.
    assert client.get("/api/v1/priorities", headers=bearer(token)).status_code == 200
    refused = client.get(f"/api/v1/priorities?area={world['area']}", headers=bearer(token))
    assert refused.status_code == 403


def test_admin_revokes_a_client(app, client, world):
    admin = staff_client(app, "admin-1", Role.ADMIN)
    page = admin.get("/admin/api-clients").get_data(as_text=True)
    action = f"/admin/api-clients/{world['client_id']}/revoke"
    assert action in page
    assert admin.post(action).status_code == 400  # no CSRF token: refused
    assert client.get("/api/v1/frameworks", headers=bearer(world["token"])).status_code == 200
    response = admin.post(action, data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    listing = admin.get("/admin/api-clients").get_data(as_text=True)
    assert "Revoked the token of Outcome hub" in listing
    assert client.get("/api/v1/frameworks", headers=bearer(world["token"])).status_code == 401
    (event,) = audit(app, "api_client.revoked")
    assert event.target_id == str(world["client_id"])
    again = admin.post(action, data={"csrf_token": csrf_token(page)})
    assert again.status_code == 400
    assert "had already been revoked" in again.get_data(as_text=True)


def test_bad_client_forms_store_nothing(app, world):
    admin = staff_client(app, "admin-1", Role.ADMIN)
    for data, message in (
        ({"name": "", "areas": ["E99"]}, "Enter a name for the client."),
        ({"name": "   ", "areas": ["E99"]}, "Enter a name for the client."),
        ({"name": "Hub\x00", "areas": ["E99"]}, "hidden control characters"),
        ({"name": "Hub\u202e", "areas": ["E99"]}, "hidden control characters"),
        ({"name": "H" * 101, "areas": ["E99"]}, "100 characters or fewer"),
        ({"name": "New hub"}, "Choose at least one area"),
        ({"name": "New hub", "areas": ["NOWHERE"]}, "Choose areas from the list."),
        ({"name": "Outcome hub", "areas": ["E99"]}, "already has a working token"),
    ):
        response = create_through_the_page(admin, data)
        assert response.status_code == 400, data
        html = response.get_data(as_text=True)
        check_page(html)
        assert "There is a problem" in html and message in html, data
    with app.app_context():
        assert db.session.scalars(select(ApiClient.name)).all() == ["Outcome hub"]
    assert len(audit(app, "api_client.created")) == 1


def test_only_admins_see_the_token_pages(app, world):
    for role in (Role.ADVISOR, Role.FACILITATOR, Role.SAFEGUARDING_LEAD, Role.RESEARCHER):
        other = staff_client(app, f"user-{role.value}", role)
        assert other.get("/admin/api-clients").status_code == 403, role
        form = {"csrf_token": csrf_token(other.get("/staff/").get_data(as_text=True))}
        assert (
            other.post(
                "/admin/api-clients", data={**form, "name": "X", "areas": ["E99"]}
            ).status_code
            == 403
        )
        revoke = f"/admin/api-clients/{world['client_id']}/revoke"
        assert other.post(revoke, data=form).status_code == 403, role
    with app.app_context():
        assert db.session.scalars(select(ApiClient.name)).all() == ["Outcome hub"]
        assert db.session.get(ApiClient, world["client_id"]).revoked_at is None


def test_an_unexpected_failure_is_still_a_json_answer(client, world, monkeypatch):
    def broken(_published):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(exports, "to_json", broken)
    response = client.get("/api/v1/priorities", headers=bearer(world["token"]))
    body = assert_json_error(response, 500, "server_error")
    assert "database" not in body["message"]

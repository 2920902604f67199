"""The OpenAPI 3.1 description of the read-only API, built from the export schema so
the two cannot drift apart. No Flask imports.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from voice_app.exports import ALL, EXPORT_FORMAT_VERSION, PRIORITIES_FIELDS
from voice_app.models import Audience
from voice_app.priorities import DIMENSIONS

API_PREFIX = "/api/v1"
QUARTER_PATTERN = r"^[0-9]{4}-Q[1-4]$"
_DESCRIPTIONS = {f["name"]: f["description"].replace("`", "") for f in PRIORITIES_FIELDS}


def _nullable(type_: str, description: str, **more: Any) -> dict[str, Any]:
    return {"type": [type_, "null"], "description": description, **more}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


def _figure(name: str, type_: str, **limits: Any) -> dict[str, Any]:
    return _nullable(type_, _DESCRIPTIONS[name].replace("Empty when", "Null when"), **limits)


def _schemas() -> dict[str, Any]:
    share = {"minimum": 0, "maximum": 1}
    score = {"minimum": 0, "maximum": 3}
    return {
        "Error": _object(
            {
                "error": {
                    "type": "string",
                    "description": "What went wrong, as a stable code: missing_token, "
                    "invalid_token, area_outside_scope, unknown_argument, bad_request, not_found, "
                    "method_not_allowed, server_error, or the name of the bad filter "
                    "argument (framework, audience, area, session, from, to, by).",
                },
                "message": {"type": "string", "description": "The same in English words."},
            }
        ),
        "Filters": _object(
            {
                "framework_version": {"type": "integer", "minimum": 1},
                "audiences": {
                    "type": "array",
                    "items": {"type": "string", "enum": [a.value for a in Audience]},
                    "description": "Audiences counted; empty means all.",
                },
                "areas": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Area codes counted; for the API never empty: "
                    "the token's areas when none were asked for.",
                },
                "sessions": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "Session ids counted; empty means all.",
                },
                "first_quarter": _nullable(
                    "string", "First quarter counted; null: no limit.", pattern=QUARTER_PATTERN
                ),
                "last_quarter": _nullable(
                    "string", "Last quarter counted; null: no limit.", pattern=QUARTER_PATTERN
                ),
            },
            "The filters the figures were computed for.",
        ),
        "Disclosure": _object(
            {
                "min_people": {
                    "type": "integer",
                    "minimum": 1,
                    "description": _DESCRIPTIONS["min_people"],
                },
                "round_to": {
                    "type": "integer",
                    "minimum": 1,
                    "description": _DESCRIPTIONS["round_to"],
                },
            }
        ),
        "Names": {
            "type": "object",
            "description": "Name by language (locale identifier such as en_GB or cy).",
            "additionalProperties": {"type": "string"},
        },
        "Domain": _object(
            {
                "key": {"type": "string", "description": _DESCRIPTIONS["domain_key"]},
                "position": {
                    "type": "integer",
                    "minimum": 0,
                    "description": _DESCRIPTIONS["domain_position"],
                },
                "names": _ref("Names"),
            }
        ),
        "DomainFigures": _object(
            {
                "key": {"type": "string", "description": _DESCRIPTIONS["domain_key"]},
                "shown": {"type": "boolean", "description": _DESCRIPTIONS["shown"]},
                "rank": _figure("rank", "integer", minimum=1),
                "people_choosing": _figure("people_choosing", "integer", minimum=0),
                "share": _figure("share", "number", **share),
                "share_low": _figure("share_low", "number", **share),
                "share_high": _figure("share_high", "number", **share),
                "score": _figure("score", "number", **score),
                "score_low": _figure("score_low", "number", **score),
                "score_high": _figure("score_high", "number", **score),
                "scale_shown": {"type": "boolean", "description": _DESCRIPTIONS["scale_shown"]},
                "scale_mean": _figure("scale_mean", "number", **share),
                "scale_people": _figure("scale_people", "integer", minimum=0),
            },
            "One domain's figures in one group. Hidden figures are null, never 0.",
        ),
        "Group": _object(
            {
                "dimension": {"type": "string", "enum": [ALL, *DIMENSIONS]},
                "value": {"type": "string", "description": _DESCRIPTIONS["group"]},
                "shown": {"type": "boolean", "description": _DESCRIPTIONS["group_shown"]},
                "people": _nullable(
                    "integer", _DESCRIPTIONS["group_people"].replace("Empty when", "Null when")
                ),
                "domains": {
                    "type": "array",
                    "items": _ref("DomainFigures"),
                    "description": "Shown domains by rank, then hidden ones by position.",
                },
            }
        ),
        "Priorities": _object(
            {
                "format_version": {
                    "type": "string",
                    "description": "Version of this layout: the minor number rises when "
                    "fields are added, the major number when one changes or goes.",
                },
                "framework_version": {"type": "integer", "minimum": 1},
                "generated_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": _DESCRIPTIONS["generated_at"],
                },
                "filters": _ref("Filters"),
                "disclosure": _ref("Disclosure"),
                "domains": {"type": "array", "items": _ref("Domain")},
                "total": _ref("Group"),
                "breakdowns": {
                    "type": "object",
                    "description": "One list of groups per breakdown asked for with `by`.",
                    "propertyNames": {"enum": list(DIMENSIONS)},
                    "additionalProperties": {"type": "array", "items": _ref("Group")},
                },
            },
            "What matters to families, after disclosure control. The same numbers as the "
            "JSON export for the same filters.",
        ),
        "Framework": _object(
            {
                "version": {"type": "integer", "minimum": 1},
                "title": {"type": "string"},
                "published_at": _nullable("string", "When it was published.", format="date-time"),
                "domains": {"type": "array", "items": _ref("Domain")},
            }
        ),
        "Frameworks": _object({"frameworks": {"type": "array", "items": _ref("Framework")}}),
    }


def _list_parameter(name: str, description: str, items: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description + " Repeat the argument for more than one.",
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": items},
    }


def _parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": "framework",
            "in": "query",
            "required": False,
            "description": "Outcome framework version; the newest when left out.",
            "schema": {"type": "integer", "minimum": 1},
        },
        _list_parameter(
            "audience",
            "Only these audiences.",
            {"type": "string", "enum": [a.value for a in Audience]},
        ),
        _list_parameter(
            "area",
            "Only these area codes, all within the token's areas (else 403); all of the "
            "token's areas when left out.",
            {"type": "string", "maxLength": 32},
        ),
        _list_parameter("session", "Only these session ids.", {"type": "integer"}),
        {
            "name": "from",
            "in": "query",
            "required": False,
            "description": "First quarter counted, such as 2026-Q1.",
            "schema": {"type": "string", "pattern": QUARTER_PATTERN},
        },
        {
            "name": "to",
            "in": "query",
            "required": False,
            "description": "Last quarter counted (inclusive), such as 2026-Q4.",
            "schema": {"type": "string", "pattern": QUARTER_PATTERN},
        },
        _list_parameter(
            "by", "Break the figures down by these.", {"type": "string", "enum": list(DIMENSIONS)}
        ),
    ]


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }


_UNAUTHORISED = {
    **_error("No token, or a token that is unknown or revoked."),
    "headers": {
        "WWW-Authenticate": {
            "description": "Bearer, with error=invalid_token for a bad token.",
            "schema": {"type": "string"},
        }
    },
}


@cache
def spec() -> dict[str, Any]:
    """The OpenAPI document (built once; treat it as read-only)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Family Voice outcome framework API",
            "version": EXPORT_FORMAT_VERSION,
            "summary": "What matters to families, for the shared outcome framework.",
            "description": (
                "Read-only figures on how children, young people and parents rank the "
                "domains of the shared outcome framework, after disclosure control: no "
                "figure about fewer people than the minimum, counts rounded, hidden "
                "figures null and flagged. Each client has a token from a Family Voice "
                "admin, limited to some areas. See docs/outcome-framework-interface.md."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}],
        "paths": {
            f"{API_PREFIX}/priorities": {
                "get": {
                    "operationId": "getPriorities",
                    "summary": "Outcome domains ranked for the filters, with any breakdowns.",
                    "parameters": _parameters(),
                    "responses": {
                        "200": {
                            "description": "The published figures.",
                            "content": {"application/json": {"schema": _ref("Priorities")}},
                        },
                        "400": _error("A filter argument is not valid; error names it."),
                        "401": _UNAUTHORISED,
                        "403": _error("An area asked for is outside the token's areas."),
                    },
                }
            },
            f"{API_PREFIX}/frameworks": {
                "get": {
                    "operationId": "getFrameworks",
                    "summary": "Outcome framework versions and their domains' names.",
                    "responses": {
                        "200": {
                            "description": "Every framework version, oldest first.",
                            "content": {"application/json": {"schema": _ref("Frameworks")}},
                        },
                        "401": _UNAUTHORISED,
                    },
                }
            },
            f"{API_PREFIX}/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This description.",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Authorization: Bearer <token>. The token is shown once "
                    "to the admin who creates the client.",
                }
            },
            "schemas": _schemas(),
        },
    }

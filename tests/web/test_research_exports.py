"""Researchers download the published figures as CSV, JSON or a data package.

28 people answered in the demo session: 24 young people (12 put feeling safe and a
settled home first, 12 help at the right time and learning) and 4 parents, so some
figures are shown and some hidden.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

import frictionless
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update

from tests.support.participants import load_demo
from tests.support.sessions import add_top_three_answers
from tests.support.studio import staff_client
from voice_app.demo import DEMO_SESSION_VENUE
from voice_app.extensions import db
from voice_app.models import (
    AnswerFormat,
    Audience,
    AuditEvent,
    FlowItem,
    GroupSession,
    Participant,
    QuestionVersion,
    Role,
)

YOUNG = [["feeling_safe", "stable_home"]] * 12 + [["right_help", "learning_school"]] * 12
PARENTS = [["feeling_safe"]] * 4


def seed_answers(app: Flask, runner: FlaskCliRunner) -> int:
    """The demo, with the 28 people above; the demo session's id."""
    load_demo(runner)
    with app.app_context():
        session = db.session.scalar(
            select(GroupSession).where(GroupSession.venue == DEMO_SESSION_VENUE)
        )
        version_id = db.session.scalar(
            select(FlowItem.version_id)
            .join(QuestionVersion, QuestionVersion.id == FlowItem.version_id)
            .where(
                FlowItem.flow_id == session.flow_id,
                QuestionVersion.format == AnswerFormat.TOP_THREE,
            )
            .limit(1)
        )
        session_id = session.id
    add_top_three_answers(app, session_id, version_id, YOUNG)
    parents = add_top_three_answers(app, session_id, version_id, PARENTS)
    with app.app_context():
        db.session.execute(
            update(Participant)
            .where(Participant.id.in_(parents))
            .values(audience=Audience.PARENT_CARER)
        )
        db.session.commit()
    return session_id


@pytest.fixture
def researcher(app, runner):
    seed_answers(app, runner)
    return staff_client(app, "researcher-1", Role.RESEARCHER)


def export_events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == "priorities.export"))
        )


def test_researcher_downloads_csv_with_shown_and_hidden_figures(app, researcher):
    response = researcher.get("/research/export/csv?by=audience")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="family-voice-priorities-framework-1-{today}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    total = {r["domain_key"]: r for r in rows if r["dimension"] == "all"}
    assert len(total) == 8
    assert total["feeling_safe"]["group_people"] == "30"  # 28, rounded
    assert total["feeling_safe"]["shown"] == "true"
    assert total["feeling_safe"]["people_choosing"] == "15"  # 16, rounded
    assert total["being_listened_to"]["shown"] == "false"  # nobody chose it
    assert total["being_listened_to"]["share"] == ""
    parents = [r for r in rows if r["group"] == "parent_carer"]
    assert parents and all(r["group_people"] == "" and r["share"] == "" for r in parents)
    assert {r["min_people"] for r in rows} == {"10"}

    (event,) = export_events(app)
    assert event.detail["format"] == "csv"
    assert event.detail["breakdowns"] == ["audience"]
    assert event.detail["framework_version"] == 1
    assert event.actor_id is not None


def test_researcher_downloads_json_and_data_package_for_the_same_filters(app, researcher, tmp_path):
    query = "?audience=young_13_17&by=area&from=2020-Q1"
    response = researcher.get("/research/export/json" + query)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].endswith('.json"')
    data = json.loads(response.get_data(as_text=True))
    assert data["filters"]["audiences"] == ["young_13_17"]
    assert data["filters"]["first_quarter"] == "2020-Q1"
    assert data["disclosure"] == {"min_people": 10, "round_to": 5}
    assert data["total"]["people"] == 25  # the 24 young people only, rounded
    assert list(data["breakdowns"]) == ["area"]

    package = researcher.get("/research/export/zip" + query)
    assert package.status_code == 200
    assert package.mimetype == "application/zip"
    assert package.headers["Content-Disposition"].endswith('.zip"')
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        archive.extractall(tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = list(csv.DictReader(io.StringIO((tmp_path / "priorities.csv").read_text())))
    shown = {r["domain_key"]: r["share"] for r in rows if r["dimension"] == "all"}
    assert shown == {d["key"]: _cell(d["share"]) for d in data["total"]["domains"]}
    assert [e.detail["format"] for e in export_events(app)] == ["json", "zip"]


def _cell(value: float | None) -> str:
    return "" if value is None else str(value)


def test_other_roles_cannot_download(app):
    for role in (Role.ADVISOR, Role.FACILITATOR, Role.SAFEGUARDING_LEAD, Role.ADMIN):
        client = staff_client(app, f"not-a-researcher-{role.value}", role)
        for fmt in ("csv", "json", "zip"):
            assert client.get(f"/research/export/{fmt}").status_code == 403, (role, fmt)
    assert export_events(app) == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/research/export/csv")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")


BAD_QUERIES = [
    ("csv?from=2026-Q5", "like 2026-Q1."),
    ("csv?from=2026-Q3&to=2026-Q1", "must be the same as the first quarter or after it"),
    ("json?audience=aliens", "Choose who answered from the list."),
    ("json?area=NOWHERE", "Choose areas from the list."),
    ("zip?session=1%3B%20DROP%20TABLE%20answer", "Enter a session number"),
    ("csv?framework=99", "Choose a framework version from the list."),
    ("csv?framework=1&framework=2", "Choose a framework version from the list."),
    ("csv?by=colour", "Choose one of the views from the list."),
    ("csv?area=" + "A" * 5000, "Choose areas from the list."),
    ("csv?area=%00%1B", "Choose areas from the list."),
    ("csv?from=%EF%BF%BD%F0%9F%92%A9", "like 2026-Q1."),
    ("xml", "Choose CSV, JSON or a data package"),
]


def test_bad_filters_get_a_friendly_400_and_no_file(app, researcher):
    for query, message in BAD_QUERIES:
        response = researcher.get("/research/export/" + query)
        assert response.status_code == 400, query
        assert response.mimetype == "text/html", query
        assert "Content-Disposition" not in response.headers, query
        assert message in response.get_data(as_text=True), query
    assert export_events(app) == []

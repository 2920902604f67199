"""`flask --app voice_app export`: the research downloads from the command line.

Same parser and disclosure control as the web: the 28 people of
tests/web/test_research_exports.py give the same numbers either way.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import frictionless
from sqlalchemy import select

from tests.support.studio import staff_client
from tests.web.test_research_exports import seed_answers
from voice_app import demo
from voice_app.extensions import db
from voice_app.models import AuditEvent, Role


def export_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "priorities.export")
                .order_by(AuditEvent.id)
            )
        )


def test_csv_to_standard_output_is_published_figures_and_audited(app, runner):
    seed_answers(app, runner)
    result = runner.invoke(args=["export", "--format", "csv", "--output", "-", "--by", "audience"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    total = {r["domain_key"]: r for r in rows if r["dimension"] == "all"}
    assert total["feeling_safe"]["people_choosing"] == "15"
    assert total["being_listened_to"]["shown"] == "false"
    assert total["being_listened_to"]["people_choosing"] == ""
    assert {r["group"] for r in rows if r["group_shown"] == "false"} == {
        "young_13_17",
        "parent_carer",
    }
    (event,) = export_events(app)
    assert event.actor_id is None
    assert event.detail["cli"] is True
    assert event.detail["format"] == "csv"
    assert event.detail["breakdowns"] == ["audience"]
    assert event.detail["audiences"] == []


def test_files_match_the_researchers_download(app, runner, tmp_path):
    seed_answers(app, runner)
    filters = ["--audience", "young_13_17", "--by", "area", "--by", "quarter", "--from", "2020-Q1"]
    out = tmp_path / "figures.json"
    result = runner.invoke(args=["export", "--format", "json", "--output", str(out), *filters])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    from_cli = json.loads(out.read_text(encoding="utf-8"))

    researcher = staff_client(app, "researcher-3", Role.RESEARCHER)
    web = researcher.get(
        "/research/export/json?audience=young_13_17&by=area&by=quarter&from=2020-Q1"
    ).get_json()
    from_cli.pop("generated_at")
    web.pop("generated_at")
    assert from_cli == web

    package = tmp_path / "package.zip"
    result = runner.invoke(
        args=["export", "--format", "datapackage", "--output", str(package), *filters]
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "unpacked")
    report = frictionless.validate(str(tmp_path / "unpacked" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [e.detail["format"] for e in export_events(app)] == ["json", "json", "datapackage"]
    assert [e.detail.get("cli") for e in export_events(app)] == [True, None, True]


def test_bad_arguments_fail_clearly_and_export_nothing(app, runner, tmp_path):
    with app.app_context():
        demo.load_framework(db.session)
        demo.ensure_area(db.session)
        db.session.commit()
    out = tmp_path / "out.csv"
    for arguments, message in (
        (["--from", "2026-Q5"], "--from must be a quarter"),
        (["--from", "2026-Q3", "--to", "2026-Q1"], "no earlier than --from"),
        (["--audience", "grown_ups"], "--audience must be one of"),
        (["--area", "NOWHERE"], "--area must be the code of an area"),
        (["--session", "seven"], "--session must be the id"),
        (["--framework", "99"], "--framework must be the version number"),
        (["--by", "colour"], "--by must be one of"),
    ):
        result = runner.invoke(args=["export", "--format", "csv", "--output", str(out), *arguments])
        assert result.exit_code == 1, arguments
        assert message in result.output, (arguments, result.output)
        assert not out.exists()
    result = runner.invoke(args=["export", "--format", "xml", "--output", str(out)])
    assert result.exit_code == 2 and "--format" in result.output
    result = runner.invoke(args=["export", "--format", "datapackage", "--output", "-"])
    assert result.exit_code == 2 and "give a file name" in result.output
    missing_dir = tmp_path / "no" / "such" / "folder.csv"
    result = runner.invoke(args=["export", "--format", "csv", "--output", str(missing_dir)])
    assert result.exit_code == 1 and "Could not write" in result.output
    assert len(export_events(app)) == 0


def test_without_a_framework_it_says_what_to_do(runner):
    result = runner.invoke(args=["export", "--format", "json", "--output", "-"])
    assert result.exit_code == 1
    assert "There is no outcome framework yet" in result.output

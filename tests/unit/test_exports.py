"""Exports of the published figures: CSV, JSON and the Frictionless data package.

The figures come from hand-made counts through the real disclosure control, so some
cells are shown and some hidden: 24 young people and 4 parents.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import frictionless
import pytest

from voice_app import exports
from voice_app.disclosure import Published, Rules, publish
from voice_app.periods import Quarter
from voice_app.priorities import DomainInfo, Filters, FineKey, GroupCounts, figures_from_counts

GENERATED_AT = datetime(2026, 5, 4, 10, 30, 15, tzinfo=UTC)
DOMAINS = (
    DomainInfo(
        1, "feeling_safe", 1, "safe.svg", {"en_GB": "Feeling safe", "cy": "Teimlo'n ddiogel"}
    ),
    DomainInfo(2, "stable_home", 2, "home.svg", {"en_GB": "A settled home"}),
    DomainInfo(3, "right_help", 3, "help.svg", {"en_GB": "Help at the right time"}),
    DomainInfo(4, "learning_school", 4, "school.svg", {"en_GB": "Learning and school"}),
)
FIGURE_COLUMNS = (
    "rank",
    "people_choosing",
    "share",
    "share_low",
    "share_high",
    "score",
    "score_low",
    "score_high",
)


def group_counts(people: list[list[str]], scale: dict[str, list[float]] | None = None):
    group = GroupCounts(people=len(people))
    for picks in people:
        for rank, key in enumerate(picks):
            group.domains[key].ranked[rank] += 1
    for key, values in (scale or {}).items():
        group.domains[key].scale_people += len(values)
        group.domains[key].scale_answers += len(values)
        group.domains[key].scale_sum += sum(values)
    return group


def published(domains=DOMAINS, breakdowns=("audience", "area")) -> Published:
    quarter = Quarter(2026, 2)
    young = group_counts(
        [["feeling_safe", "stable_home"]] * 12 + [["right_help", "learning_school"]] * 12,
        scale={"feeling_safe": [0.25, 0.75] * 10},
    )
    parents = group_counts([["feeling_safe"]] * 4)
    fine = {
        FineKey("young_13_17", "E1", 7, quarter): young,
        FineKey("parent_carer", "E1", 7, quarter): parents,
    }
    filters = Filters(framework_version=3, area_codes=("E1",), first_quarter=quarter)
    figures = figures_from_counts(filters, domains, fine, breakdowns)
    return publish(figures, Rules(min_people=10, round_to=5), GENERATED_AT)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_fixture_has_shown_and_hidden_figures():
    result = published()
    assert result.total.shown and all(d.shown for d in result.total.domains)
    audiences = {g.value: g for g in result.breakdowns["audience"]}
    # 4 parents are too few; then the young people are hidden too, or 28 - 24 gives 4.
    assert not audiences["parent_carer"].shown
    assert not audiences["young_13_17"].shown
    assert audiences["child_4_7"].shown and audiences["child_4_7"].people == 0


# --- CSV --------------------------------------------------------------------------------


def test_csv_has_one_row_per_group_and_domain_matching_the_published_figures():
    result = published()
    rows = csv_rows(exports.to_csv(result))
    assert tuple(rows[0]) == exports.PRIORITIES_COLUMNS
    expected = [(group, domain) for group in exports.groups(result) for domain in group.domains]
    assert len(rows) == len(expected) == (1 + 4 + 1) * 4
    for row, (group, domain) in zip(rows, expected, strict=True):
        assert (row["dimension"], row["group"], row["domain_key"]) == (
            group.dimension,
            group.value,
            domain.key,
        )
        assert row["group_shown"] == ("true" if group.shown else "false")
        assert row["group_people"] == ("" if group.people is None else str(group.people))
        assert row["shown"] == ("true" if domain.shown else "false")
        for column in FIGURE_COLUMNS:
            value = getattr(domain, column)
            assert row[column] == ("" if value is None else str(value)), column
            if value is not None:
                assert float(row[column]) == pytest.approx(value)
        assert row["scale_shown"] == ("true" if domain.scale_shown else "false")
        assert row["scale_mean"] == ("" if domain.scale_mean is None else str(domain.scale_mean))


def test_csv_total_rows_carry_the_hand_computed_figures():
    rows = {
        r["domain_key"]: r for r in csv_rows(exports.to_csv(published())) if r["group"] == "all"
    }
    safe = rows["feeling_safe"]
    # 16 of 28 people chose it (12 young, 4 parents): shown rounded to 15; share 16/28.
    assert safe["group_people"] == "30"  # 28 rounded to the nearest 5
    assert safe["people_choosing"] == "15"
    assert float(safe["share"]) == pytest.approx(16 / 28, abs=1e-4)
    assert safe["rank"] == "1"
    assert safe["domain_name"] == "Feeling safe"
    assert safe["scale_shown"] == "true" and float(safe["scale_mean"]) == pytest.approx(0.5)
    assert safe["scale_people"] == "20"
    assert rows["stable_home"]["scale_shown"] == "false"


def test_hidden_cells_are_empty_never_zero():
    rows = csv_rows(exports.to_csv(published()))
    hidden = [r for r in rows if r["shown"] == "false"]
    assert hidden, "the fixture must hide something"
    for row in hidden:
        assert all(row[c] == "" for c in FIGURE_COLUMNS), row
    hidden_groups = [r for r in rows if r["group_shown"] == "false"]
    assert {r["group"] for r in hidden_groups} == {"young_13_17", "parent_carer"}
    assert all(r["group_people"] == "" for r in hidden_groups)
    # An empty group says 0 people, and still publishes no domain figures.
    empty = [r for r in rows if r["group"] == "child_4_7"]
    assert all(r["group_people"] == "0" and r["shown"] == "false" for r in empty)


def test_every_csv_row_says_what_it_is():
    for row in csv_rows(exports.to_csv(published())):
        assert row["framework_version"] == "3"
        assert row["min_people"] == "10"
        assert row["round_to"] == "5"
        assert row["generated_at"] == "2026-05-04T10:30:15Z"
        assert row["filter_areas"] == "E1"
        assert row["filter_audiences"] == "all"
        assert row["filter_sessions"] == "all"
        assert (row["filter_from"], row["filter_to"]) == ("2026-Q2", "")


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_defused():
    risky = (
        DomainInfo(1, "feeling_safe", 1, "s.svg", {"en_GB": '=HYPERLINK("http://x","y")'}),
        *DOMAINS[1:],
    )
    rows = csv_rows(exports.to_csv(published(domains=risky)))
    names = {r["domain_name"] for r in rows if r["domain_key"] == "feeling_safe"}
    assert names == {'\'=HYPERLINK("http://x","y")'}


def test_file_names_and_times_are_utc():
    assert exports.file_stem(published()) == "family-voice-priorities-framework-3-2026-05-04"
    later = datetime(2026, 5, 4, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert exports.timestamp(later) == "2026-05-05T01:30:00Z"
    assert exports.timestamp(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"


def test_the_interface_document_describes_every_field():
    document = (Path(__file__).parents[2] / "docs" / "outcome-framework-interface.md").read_text(
        encoding="utf-8"
    )
    for field in (*exports.PRIORITIES_FIELDS, *exports.NAMES_FIELDS):
        assert f"`{field['name']}`" in document, field["name"]
    assert f'"format_version": "{exports.EXPORT_FORMAT_VERSION}"' in document


# --- JSON -------------------------------------------------------------------------------


def test_json_has_metadata_and_the_same_figures():
    result = published()
    data = json.loads(json.dumps(exports.to_json(result)))  # plain JSON all the way down
    assert data["format_version"] == exports.EXPORT_FORMAT_VERSION
    assert data["framework_version"] == 3
    assert data["generated_at"] == "2026-05-04T10:30:15Z"
    assert data["disclosure"] == {"min_people": 10, "round_to": 5}
    assert data["filters"]["areas"] == ["E1"]
    assert data["filters"]["first_quarter"] == "2026-Q2"
    assert data["domains"][0] == {
        "key": "feeling_safe",
        "position": 1,
        "names": {"cy": "Teimlo'n ddiogel", "en_GB": "Feeling safe"},
    }
    assert list(data["breakdowns"]) == ["audience", "area"]
    total = {d["key"]: d for d in data["total"]["domains"]}
    expected = {d.key: d for d in result.total.domains}
    for key, domain in expected.items():
        assert total[key]["share"] == domain.share
        assert total[key]["score_high"] == domain.score_high
        assert total[key]["rank"] == domain.rank
    parents = next(g for g in data["breakdowns"]["audience"] if g["value"] == "parent_carer")
    assert parents["shown"] is False and parents["people"] is None
    assert all(d["share"] is None and d["shown"] is False for d in parents["domains"])


# --- the data package -------------------------------------------------------------------


def unpack(tmp_path: Path, result: Published | None = None) -> Path:
    with zipfile.ZipFile(io.BytesIO(exports.datapackage(result or published()))) as archive:
        assert sorted(archive.namelist()) == sorted(
            ["datapackage.json", exports.CSV_NAME, exports.NAMES_CSV_NAME]
        )
        archive.extractall(tmp_path)
    return tmp_path / "datapackage.json"


def validate(descriptor: Path) -> frictionless.Report:
    return frictionless.validate(str(descriptor))


def test_data_package_validates_with_frictionless(tmp_path):
    report = validate(unpack(tmp_path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [task.stats["rows"] for task in report.tasks] == [24, 5]


def test_schema_describes_every_column(tmp_path):
    descriptor = json.loads(unpack(tmp_path).read_text(encoding="utf-8"))
    assert descriptor["name"] == "family-voice-priorities"
    assert descriptor["created"] == "2026-05-04T10:30:15Z"
    assert descriptor["family_voice"]["min_people"] == 10
    for resource in descriptor["resources"]:
        header = (tmp_path / resource["path"]).read_text(encoding="utf-8").splitlines()[0]
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == header.split(",")
        for field in fields:
            assert field["title"] and field["description"] and field["type"], field["name"]
        assert resource["schema"]["missingValues"] == [""]
    figures = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert figures["share"]["constraints"] == {"minimum": 0, "maximum": 1}
    assert figures["score"]["constraints"] == {"minimum": 0, "maximum": 3}
    assert figures["dimension"]["constraints"]["enum"] == [
        "all",
        "audience",
        "area",
        "session",
        "quarter",
    ]
    assert "hidden by disclosure control" in figures["shown"]["description"]


def test_hidden_cells_read_as_missing_not_zero(tmp_path):
    descriptor = unpack(tmp_path)
    package = frictionless.Package(str(descriptor))
    rows = package.get_resource("priorities").read_rows()
    hidden = [r for r in rows if r["shown"] is False]
    assert hidden
    assert all(r["share"] is None and r["people_choosing"] is None for r in hidden)
    shown = [r for r in rows if r["shown"] is True]
    assert shown
    assert all(r["share"] is not None and 0 < float(r["share"]) < 1 for r in shown)


def test_a_broken_package_fails_validation(tmp_path):
    descriptor = unpack(tmp_path)
    table = tmp_path / exports.CSV_NAME
    lines = table.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = next(csv.reader([lines[1]]))
    cells[header.index("share")] = "1.5"  # a share above 1
    lines[1] = ",".join(cells)
    table.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    report = validate(descriptor)
    assert not report.valid
    assert [e[0] for e in report.flatten(["type"])] == ["constraint-error"]


def test_a_package_whose_schema_lost_a_field_fails_validation(tmp_path):
    descriptor = unpack(tmp_path)
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data["resources"][0]["schema"]["fields"].pop()
    descriptor.write_text(json.dumps(data), encoding="utf-8")
    assert not validate(descriptor).valid

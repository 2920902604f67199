"""Audit log filters and CSV: bad filters name their field, cells never run as formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from voice_app.audit_log import (
    CSV_HEADER,
    AuditFilter,
    AuditFilterError,
    AuditRow,
    audit_csv,
    parse_audit_filter,
    parse_page,
    spreadsheet_safe,
)


def test_filters_are_read_trimmed_and_usernames_folded():
    found = parse_audit_filter(
        {"from": "2026-11-01", "to": " 2026-11-30 ", "action": "flag.viewed", "actor": "Sam.Lead"}
    )
    assert found == AuditFilter(
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
        action="flag.viewed",
        actor="sam.lead",
    )
    assert found.as_args() == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "action": "flag.viewed",
        "actor": "sam.lead",
    }
    assert parse_audit_filter({}) == AuditFilter()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"from": "30/11/2026"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "２０２６-11-01"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "to"),
        ({"action": "flag.viewed'; DROP TABLE audit_event; --"}, "action"),
        ({"action": "x" * 65}, "action"),
        ({"actor": "<script>"}, "actor"),
        ({"actor": "sam\x00"}, "actor"),
        ({"target_type": "Group Session"}, "target_type"),
    ],
)
def test_a_bad_filter_is_refused_naming_its_field(args, field):
    with pytest.raises(AuditFilterError) as caught:
        parse_audit_filter(args)
    assert caught.value.field == field


@pytest.mark.parametrize("page", ["0", "-1", "1.5", "²", "999999999", "abc"])
def test_a_page_number_out_of_range_is_refused(page):
    with pytest.raises(AuditFilterError) as caught:
        parse_page({"page": page})
    assert caught.value.field == "page"


def test_no_page_means_the_first():
    assert parse_page({}) == 1 and parse_page({"page": "3"}) == 3


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_cells_that_a_spreadsheet_would_run_get_a_leading_quote(cell):
    assert spreadsheet_safe(cell) == "'" + cell


def test_ordinary_cells_are_left_alone():
    assert spreadsheet_safe("flag.viewed") == "flag.viewed"
    assert spreadsheet_safe("") == ""


def test_csv_has_a_header_and_one_neutralised_row_per_event():
    row = AuditRow(
        at=datetime(2026, 11, 30, 9, 15, 2, tzinfo=UTC),
        actor="sam",
        action="api_client.created",
        target_type="api_client",
        target_id="-1",
        detail={"name": '=HYPERLINK("http://evil")'},
    )
    read = list(csv.reader(io.StringIO(audit_csv([row]))))
    assert tuple(read[0]) == CSV_HEADER
    assert read[1][:5] == [
        "2026-11-30T09:15:02+00:00",
        "sam",
        "api_client.created",
        "api_client",
        "'-1",
    ]
    assert read[1][5].startswith("{") and "HYPERLINK" in read[1][5]
    assert len(read) == 2

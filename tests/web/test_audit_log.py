"""The audit log for admins: filter, page and download it; nobody can change it.

Rows are planted with known times, actors and actions, then read back through
/admin/audit and /admin/audit.csv as an admin would.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from voice_app.audit import AuditLogIsAppendOnly, record_event
from voice_app.audit_log import CSV_HEADER, PAGE_SIZE
from voice_app.extensions import db
from voice_app.models import AuditEvent, Role, StaffUser

DAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def user_id(username: str) -> int:
    return db.session.scalar(select(StaffUser.id).where(StaffUser.username == username))


def plant(app: Flask, action: str, *, username: str | None, at: datetime, **fields) -> None:
    with app.app_context():
        db.session.add(
            AuditEvent(
                action=action,
                actor_id=user_id(username) if username else None,
                at=at,
                target_type=fields.pop("target_type", ""),
                target_id=fields.pop("target_id", ""),
                detail=fields,
            )
        )
        db.session.commit()


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def planted(app: Flask, staff):
    plant(
        app,
        "flag.viewed",
        username="safeguarding-lead",
        at=DAY,
        target_type="safeguarding_flag",
        target_id=7,
    )
    plant(app, "priorities.export", username="researcher", at=DAY + timedelta(days=1))
    plant(
        app,
        "session.opened",
        username="facilitator",
        at=DAY + timedelta(days=2),
        target_type="group_session",
        target_id=3,
    )
    plant(
        app,
        "api_client.created",
        username="admin",
        at=DAY + timedelta(days=3),
        target_type="api_client",
        target_id='=HYPERLINK("http://x")',
    )


def table_actions(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [cell.split("</td>")[0] for cell in body.split("<td>")[3::5]]


def test_admins_see_every_action_newest_first_and_their_viewing_is_recorded(app, login_as, planted):
    client = login_as(Role.ADMIN)
    page = client.get("/admin/audit")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert '<h1 class="fv-heading-l">Audit log</h1>' in text
    planted_actions = ["api_client.created", "session.opened", "priorities.export", "flag.viewed"]
    assert [a for a in table_actions(text) if a in planted_actions] == planted_actions
    assert "safeguarding-lead" in text
    [viewed] = events(app, "audit_log.viewed")
    with app.app_context():
        assert viewed.actor_id == user_id("admin")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=flag.viewed", ["flag.viewed"]),
        ("actor=Researcher", ["priorities.export"]),
        ("target_type=group_session", ["session.opened"]),
        ("from=2026-11-21&to=2026-11-22&actor=", ["session.opened", "priorities.export"]),
        ("to=2026-11-20", ["flag.viewed"]),
        ("actor=nobody-here", []),
    ],
)
def test_filters_narrow_the_rows(app, login_as, planted, query, expected):
    client = login_as(Role.ADMIN)
    page = client.get(f"/admin/audit?{query}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    found = table_actions(text) if "<tbody>" in text else []
    assert found == expected
    if not expected:
        assert "No records match these filters." in text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=31/12/2026", "from", "Enter the start date as year-month-day"),
        ("to=2026-02-30", "to", "Enter the end date as year-month-day"),
        ("from=2026-12-02&to=2026-12-01", "to", "The end date must be the same as or after"),
        ("action=%27%3B%20DROP%20TABLE", "action", "Choose an action from the list."),
        ("actor=%3Cscript%3E", "actor", "Enter a staff username"),
        ("target_type=%00", "target_type", "Choose a kind of record from the list."),
        ("page=0", "page-1", "That page does not exist."),
        ("page=%EF%BC%92", "page-1", "That page does not exist."),
    ],
)
def test_a_bad_filter_gets_400_naming_the_field_and_never_500(login_as, query, field, message):
    client = login_as(Role.ADMIN)
    page = client.get(f"/admin/audit?{query}")
    assert page.status_code == 400
    text = html.unescape(page.get_data(as_text=True))
    assert f'<a href="#{field}">{message}' in text
    assert f'id="{field}"' in text
    export = client.get(f"/admin/audit.csv?{query}")
    assert export.status_code == (200 if field == "page-1" else 400)  # the CSV has no pages


def test_pages_of_fifty_link_to_older_and_newer_records(app, login_as, staff):
    with app.app_context():
        for minute in range(PAGE_SIZE * 2 + 5):
            db.session.add(AuditEvent(action="coverage.view", at=DAY + timedelta(minutes=minute)))
        db.session.commit()
    client = login_as(Role.ADMIN)
    first = client.get("/admin/audit?action=coverage.view").get_data(as_text=True)
    assert len(table_actions(first)) == PAGE_SIZE
    assert 'rel="next" href="/admin/audit?page=2&amp;action=coverage.view"' in first
    assert 'rel="prev"' not in first
    last = client.get("/admin/audit?action=coverage.view&page=3").get_data(as_text=True)
    assert len(table_actions(last)) == 5 and "page 3 of 3" in last
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert "2026-11-20 12:00:00" in last  # the oldest comes last


def test_the_csv_has_a_header_neutralised_formulas_and_is_recorded(app, login_as, planted):
    client = login_as(Role.ADMIN)
    response = client.get("/admin/audit.csv?from=2026-11-20&to=2026-11-23")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == CSV_HEADER
    assert [row[2] for row in rows[1:]] == [
        "api_client.created",
        "session.opened",
        "priorities.export",
        "flag.viewed",
    ]
    assert rows[1][4] == '\'=HYPERLINK("http://x")'
    assert rows[4][:2] == ["2026-11-20T12:00:00+00:00", "safeguarding-lead"]
    [exported] = events(app, "audit_log.exported")
    assert exported.detail == {"rows": 4, "filters": {"from": "2026-11-20", "to": "2026-11-23"}}


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.SAFEGUARDING_LEAD, Role.FACILITATOR])
def test_only_admins_read_the_log(login_as, role):
    client = login_as(role)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
    assert "Audit log" not in client.get("/staff/").get_data(as_text=True)


def test_the_staff_navigation_offers_the_log_to_admins(login_as):
    page = login_as(Role.ADMIN).get("/staff/").get_data(as_text=True)
    assert 'href="/admin/audit"' in page


# --- append-only ----------------------------------------------------------------------


def test_the_app_cannot_change_or_delete_an_audit_row(app):
    with app.app_context():
        record_event(db.session, "coverage.view", actor_id=None)
        db.session.commit()
        row = db.session.scalar(select(AuditEvent))
        row.action = "nothing.happened"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEvent)))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        for statement in (
            update(AuditEvent).values(action="nothing.happened"),
            delete(AuditEvent),
            delete(AuditEvent.__table__),
        ):
            with pytest.raises(AuditLogIsAppendOnly):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.scalars(select(AuditEvent.action)).all() == ["coverage.view"]


def test_a_transaction_may_complete_its_own_audit_row_but_never_a_committed_one(app):
    with app.app_context():
        row = record_event(db.session, "retention.purge", actor_id=None, cli=True)
        db.session.flush()  # as the purge does, to take the write lock first
        row.detail = {"cli": True, "participants": 3}
        db.session.commit()
        row.detail = {"cli": True, "participants": 0}
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent.detail)) == {"cli": True, "participants": 3}

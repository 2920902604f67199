"""Admins read and download the audit log. Reading it is itself audited."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from voice_app import audit_log
from voice_app.admin import bp
from voice_app.admin.api_clients import _admin
from voice_app.audit import record_event
from voice_app.auth.access import staff_required
from voice_app.extensions import db
from voice_app.models import Role

FILTER_ERRORS = {
    ("from", "format"): _l("Enter the start date as year-month-day, for example 2026-11-30."),
    ("to", "format"): _l("Enter the end date as year-month-day, for example 2026-11-30."),
    ("to", "order"): _l("The end date must be the same as or after the start date."),
    ("action", "format"): _l("Choose an action from the list."),
    ("actor", "format"): _l(
        "Enter a staff username: letters, digits, dots, dashes or underscores."
    ),
    ("target_type", "format"): _l("Choose a kind of record from the list."),
    ("page", "page"): _l("That page does not exist. Go back to the first page."),
}


def _args() -> dict[str, str]:
    # One value each: a repeated argument uses its first value, as a form sends it.
    return {name: request.args.get(name, "") for name in (*audit_log.FILTER_FIELDS, "page")}


@bp.get("/audit")
@staff_required(Role.ADMIN)
def audit() -> ResponseReturnValue:
    args = _args()
    error: audit_log.AuditFilterError | None = None
    page = None
    try:
        audit_filter = audit_log.parse_audit_filter(args)
        page = audit_log.audit_page(db.session, audit_filter, audit_log.parse_page(args))
    except audit_log.AuditFilterError as problem:
        error = problem
    record_event(
        db.session,
        "audit_log.viewed",
        actor_id=_admin().id,
        page=page.page if page else None,
        **({} if error else {"filters": audit_filter.as_args()}),
    )
    db.session.commit()
    context = {
        "form": args,
        "page": page,
        "error": error,
        "error_message": FILTER_ERRORS[(error.field, error.reason)] if error else "",
        "actions": audit_log.known_actions(db.session),
        "target_types": audit_log.known_target_types(db.session),
        "filter_args": audit_filter.as_args() if not error else {},
    }
    return render_template("admin/audit.html", **context), 400 if error else 200


@bp.get("/audit.csv")
@staff_required(Role.ADMIN)
def audit_csv() -> ResponseReturnValue:
    args = _args()
    try:
        audit_filter = audit_log.parse_audit_filter(args)
    except audit_log.AuditFilterError as error:
        return (
            str(FILTER_ERRORS[(error.field, error.reason)]),
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
    rows = audit_log.audit_rows_for_export(db.session, audit_filter)
    # Recorded before the file is made, so even a download that fails was noted.
    record_event(
        db.session,
        "audit_log.exported",
        actor_id=_admin().id,
        rows=len(rows),
        filters=audit_filter.as_args(),
    )
    db.session.commit()
    return (
        audit_log.audit_csv(rows),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="audit-log.csv"',
            "Cache-Control": "no-store",
        },
    )

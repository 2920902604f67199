"""Reading the audit log: filters from query arguments, pages, and a CSV export.

No Flask imports: the admin views (voice_app/admin/audit.py) read the request, call
these, and render. Dates are whole days in UTC, both ends included.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from voice_app.models import AuditEvent, StaffUser

PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_EXPORT_ROWS = 100_000  # a year of a busy deployment; more is a question for the DBA
FILTER_FIELDS = ("from", "to", "action", "actor", "target_type")

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ACTION = re.compile(r"^[a-z0-9_.]{1,64}$")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_TARGET_TYPE = re.compile(r"^[a-z0-9_]{1,64}$")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class AuditFilterError(ValueError):
    """A filter value that cannot be used; ``field`` names the query argument."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason  # "format", "order" or "page"


@dataclass(frozen=True)
class AuditFilter:
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""
    actor: str = ""  # a staff username
    target_type: str = ""

    def as_args(self) -> dict[str, str]:
        """The filter as query arguments, empty ones left out (for links and the log)."""
        values = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "action": self.action,
            "actor": self.actor,
            "target_type": self.target_type,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str  # username, or "" for the system (the CLI, a sign-in that failed)
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    page: int
    pages: int
    total: int


def _one(args: Mapping[str, Any], name: str) -> str:
    raw = args.get(name, "")
    return "" if raw is None else str(raw).strip()


def _date(args: Mapping[str, Any], name: str) -> date | None:
    text = _one(args, name)
    if not text:
        return None
    if not _DATE.fullmatch(text):
        raise AuditFilterError(name, "format")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AuditFilterError(name, "format") from None


def _matching(args: Mapping[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    text = _one(args, name)
    if text and not pattern.fullmatch(text):
        raise AuditFilterError(name, "format")
    return text


def parse_audit_filter(args: Mapping[str, Any]) -> AuditFilter:
    """The filter from query arguments (one value each); raises AuditFilterError."""
    date_from, date_to = _date(args, "from"), _date(args, "to")
    if date_from and date_to and date_from > date_to:
        raise AuditFilterError("to", "order")
    return AuditFilter(
        date_from=date_from,
        date_to=date_to,
        action=_matching(args, "action", _ACTION),
        actor=_matching(args, "actor", _USERNAME).casefold(),
        target_type=_matching(args, "target_type", _TARGET_TYPE),
    )


def parse_page(args: Mapping[str, Any]) -> int:
    text = _one(args, "page") or "1"
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_PAGE:
        raise AuditFilterError("page", "page")
    return int(text)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _query(audit_filter: AuditFilter) -> Select[Any]:
    query = select(AuditEvent, StaffUser.username).outerjoin(
        StaffUser, StaffUser.id == AuditEvent.actor_id
    )
    if audit_filter.date_from:
        query = query.where(AuditEvent.at >= _midnight(audit_filter.date_from))
    if audit_filter.date_to:
        query = query.where(AuditEvent.at < _midnight(audit_filter.date_to + timedelta(days=1)))
    if audit_filter.action:
        query = query.where(AuditEvent.action == audit_filter.action)
    if audit_filter.actor:
        query = query.where(StaffUser.username == audit_filter.actor)
    if audit_filter.target_type:
        query = query.where(AuditEvent.target_type == audit_filter.target_type)
    return query


def _rows(results: Iterable[Any]) -> Iterator[AuditRow]:
    for event, username in results:
        yield AuditRow(
            at=event.at,
            actor=username or "",
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            detail=dict(event.detail or {}),
        )


def _newest_first(query: Select[Any]) -> Select[Any]:
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def audit_page(
    db_session: Session, audit_filter: AuditFilter, page: int = 1, page_size: int = PAGE_SIZE
) -> AuditPage:
    """One page of matching rows, newest first. A page past the end is empty."""
    total = int(
        db_session.scalar(select(func.count()).select_from(_query(audit_filter).subquery())) or 0
    )
    results = db_session.execute(
        _newest_first(_query(audit_filter)).limit(page_size).offset((page - 1) * page_size)
    )
    return AuditPage(
        rows=list(_rows(results)),
        page=page,
        pages=max(1, -(-total // page_size)),
        total=total,
    )


def audit_rows_for_export(
    db_session: Session, audit_filter: AuditFilter, limit: int = MAX_EXPORT_ROWS
) -> list[AuditRow]:
    """Every matching row, newest first, up to ``limit``."""
    return list(_rows(db_session.execute(_newest_first(_query(audit_filter)).limit(limit))))


def known_actions(db_session: Session) -> list[str]:
    """Actions that occur in the log, for the filter's list."""
    return list(
        db_session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def known_target_types(db_session: Session) -> list[str]:
    return [
        name
        for name in db_session.scalars(
            select(AuditEvent.target_type).distinct().order_by(AuditEvent.target_type)
        )
        if name
    ]


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs: formula starts get a quote."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


CSV_HEADER = ("at_utc", "actor", "action", "target_type", "target_id", "detail")


def audit_csv(rows: Iterable[AuditRow]) -> str:
    """The rows as CSV with a header row; every cell is spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        cells = asdict(row)
        cells["at"] = row.at.astimezone(UTC).isoformat(timespec="seconds")
        cells["detail"] = json.dumps(row.detail, sort_keys=True, ensure_ascii=False)
        writer.writerow(
            spreadsheet_safe(str(cells[name]))
            for name in ("at", "actor", "action", "target_type", "target_id", "detail")
        )
    return out.getvalue()

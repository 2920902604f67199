"""The audit log: who did what, to which record, when. Never answer content.

Append-only from the app: every SQLAlchemy session refuses to change or delete a
committed audit row, whether through a loaded object or an UPDATE/DELETE statement.
A row its own transaction wrote may still be completed before the commit (the purge
writes its row first, to take SQLite's write lock, and fills in the counts at the end).
What the guard cannot see is SQL sent on a plain connection, which the app never does;
the tests empty their tables that way between tests (tests/support/database.py), and
an operator's own retention of the log would be done in the database, not the app.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from voice_app.models import AuditEvent


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete an audit row through the app."""


def record_event(
    db_session: Session,
    action: str,
    *,
    actor_id: int | None,
    target_type: str = "",
    target_id: str | int = "",
    **detail: Any,
) -> AuditEvent:
    """Add an audit row to the caller's transaction, so it commits with the change."""
    audit_event = AuditEvent(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail,
    )
    db_session.add(audit_event)
    return audit_event


_WRITTEN_HERE = "audit_rows_written_in_this_transaction"


@event.listens_for(Session, "before_flush")
def _refuse_changed_audit_rows(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    for instance in session.deleted:
        if isinstance(instance, AuditEvent):
            raise AuditLogIsAppendOnly("Audit rows cannot be deleted.")
    written_here = session.info.get(_WRITTEN_HERE, set())
    for instance in session.dirty:
        if (
            isinstance(instance, AuditEvent)
            and instance not in written_here
            and session.is_modified(instance)
        ):
            raise AuditLogIsAppendOnly("Audit rows cannot be changed.")


@event.listens_for(Session, "after_flush")
def _note_audit_rows_written(session: Session, _context: UOWTransaction) -> None:
    for instance in session.new:
        if isinstance(instance, AuditEvent):
            session.info.setdefault(_WRITTEN_HERE, set()).add(instance)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_audit_rows_written(session: Session) -> None:
    session.info.pop(_WRITTEN_HERE, None)


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_statements(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name == AuditEvent.__tablename__:
        raise AuditLogIsAppendOnly("Audit rows cannot be changed or deleted.")

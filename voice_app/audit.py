"""The audit log: who did what, to which record, when. Never answer content."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from voice_app.models import AuditEvent


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
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail,
    )
    db_session.add(event)
    return event

"""Links that bind a shared tablet to a session. No Flask imports.

A link carries 256 random bits; the database keeps only their SHA-256 with an expiry
and a revocation time, so a link can be checked, expired and revoked on the server.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voice_app.models import KioskLink, utcnow

DEFAULT_LIFETIME = timedelta(hours=12)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(
    db_session: Session, session_id: int, label: str = "", lifetime: timedelta = DEFAULT_LIFETIME
) -> tuple[KioskLink, str]:
    """Make a link; returns the row and the token (shown once, in the link's URL)."""
    token = secrets.token_urlsafe(32)
    link = KioskLink(
        session_id=session_id,
        token_sha256=_digest(token),
        label=label[:64],
        expires_at=utcnow() + lifetime,
    )
    db_session.add(link)
    db_session.flush()
    return link, token


def find_link_by_token(db_session: Session, token: str) -> KioskLink | None:
    """The link for this token if it is still usable; None if unknown, expired or revoked."""
    if not token or len(token) > 128:
        return None
    link = db_session.scalar(select(KioskLink).where(KioskLink.token_sha256 == _digest(token)))
    if link is None or link.revoked_at is not None or link.expires_at <= utcnow():
        return None
    return link


def revoke_link(db_session: Session, link: KioskLink) -> None:
    link.revoked_at = utcnow()

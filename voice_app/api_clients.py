"""Clients of the read-only API and their tokens. No Flask imports.

A token is shown once, when the client is made, and only its SHA-256 is stored: a
copy of the database gives nobody a working token. Tokens are random (256 bits), so
one round of SHA-256 is enough (a slow password hash protects guessable secrets). Each
client is limited to the areas an admin chose; revoking is for good.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from voice_app.audit import record_event
from voice_app.models import ApiClient, Area, utcnow

MAX_NAME = 100
MAX_TOKEN = 200  # far longer than a real one; longer is refused before hashing


class ApiClientError(ValueError):
    """A request about an API client that cannot be carried out; ``code`` says why.

    Codes: name_missing, name_too_long, control_characters, name_taken (for the name);
    areas_missing, unknown_area (for the areas); client_gone, already_revoked.
    """

    def __init__(self, code: str, field: str = ""):
        super().__init__(code)
        self.code = code
        self.field = field


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def tidy_name(name: str) -> str:
    return " ".join(name.split())


def _check_name(db_session: Session, name: str) -> str:
    # Names are one line of visible text: no tabs or line breaks either.
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in name):
        raise ApiClientError("control_characters", "name")
    name = tidy_name(name)
    if not name:
        raise ApiClientError("name_missing", "name")
    if len(name) > MAX_NAME:
        raise ApiClientError("name_too_long", "name")
    taken = db_session.scalar(
        select(ApiClient.id).where(ApiClient.name == name, ApiClient.revoked_at.is_(None))
    )
    if taken is not None:
        raise ApiClientError("name_taken", "name")
    return name


def _check_areas(db_session: Session, area_codes: Iterable[str]) -> list[str]:
    codes = sorted({c for c in area_codes if c})
    if not codes:
        raise ApiClientError("areas_missing", "areas")
    known = set(db_session.scalars(select(Area.code).where(Area.code.in_(codes))))
    if set(codes) - known:
        raise ApiClientError("unknown_area", "areas")
    return codes


def create_client(
    db_session: Session, name: str, area_codes: Iterable[str], created_by_id: int | None
) -> tuple[ApiClient, str]:
    """A new client and its token (shown once), with an audit row. Raises ApiClientError."""
    name = _check_name(db_session, name)
    codes = _check_areas(db_session, area_codes)
    token = secrets.token_urlsafe(32)
    client = ApiClient(
        name=name, token_sha256=hash_token(token), area_codes=codes, created_by_id=created_by_id
    )
    db_session.add(client)
    db_session.flush()
    record_event(
        db_session,
        "api_client.created",
        actor_id=created_by_id,
        target_type="api_client",
        target_id=client.id,
        name=name,
        areas=codes,
    )
    return client, token


def revoke_client(db_session: Session, client_id: int, actor_id: int | None) -> ApiClient:
    """Stop a client's token working, for good, with an audit row."""
    client = db_session.get(ApiClient, client_id)
    if client is None:
        raise ApiClientError("client_gone")
    if client.revoked_at is not None:
        raise ApiClientError("already_revoked")
    client.revoked_at = utcnow()
    record_event(
        db_session,
        "api_client.revoked",
        actor_id=actor_id,
        target_type="api_client",
        target_id=client.id,
        name=client.name,
    )
    return client


def authenticate(db_session: Session, token: str | None) -> ApiClient | None:
    """The live client holding ``token``, or None (unknown, revoked or malformed)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    return db_session.scalar(
        select(ApiClient).where(
            ApiClient.token_sha256 == hash_token(token), ApiClient.revoked_at.is_(None)
        )
    )


def list_clients(db_session: Session) -> list[ApiClient]:
    """Live clients first (newest first), then revoked ones."""
    return list(
        db_session.scalars(
            select(ApiClient).order_by(
                ApiClient.revoked_at.is_not(None), ApiClient.created_at.desc(), ApiClient.id.desc()
            )
        )
    )

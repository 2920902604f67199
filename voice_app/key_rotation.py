"""Rotating the pseudonymisation key: re-key every stored hash. No Flask imports.

See docs/decisions/0008-pseudonym-key-rotation.md. The key ring lives outside the
database (``instance/pseudonym_keys``, mode 600); each stored value names its key
generation (voice_app.pseudonyms), so re-keying skips what is already current and a
rotation that stopped halfway finishes when run again.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, create_engine, false, func, inspect, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from voice_app.audit import record_event
from voice_app.config import MIN_KEY_LENGTH, is_weak_key
from voice_app.models import Participant
from voice_app.pseudonyms import LINKAGE, WITHDRAWAL, PseudonymKeys, rewrapped

# Each keyed column, and the purpose its values were hashed for.
KEYED_COLUMNS = {"linkage_hmac": LINKAGE, "withdrawal_code_hmac": WITHDRAWAL}


class KeyRotationError(Exception):
    """A rotation that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class RekeyReport:
    generation: int
    linkage_references: int
    withdrawal_codes: int

    @property
    def total(self) -> int:
        return self.linkage_references + self.withdrawal_codes


def database_holds_keyed_hashes(database_url: str) -> bool:
    """Whether any stored hash depends on the pseudonymisation key (False before init)."""
    from voice_app.database import normalise_url  # the app's URL rules, not its engine

    engine = create_engine(normalise_url(database_url))
    try:
        if not inspect(engine).has_table(Participant.__tablename__):
            return False
        with engine.connect() as connection:
            found = connection.scalar(select(Participant.id).where(_any_keyed_hash()).limit(1))
        return found is not None
    finally:
        engine.dispose()


def _any_keyed_hash() -> ColumnElement[bool]:
    return or_(*(getattr(Participant, name).is_not(None) for name in KEYED_COLUMNS))


def _behind(column_name: str, ring: PseudonymKeys) -> ColumnElement[bool]:
    column = getattr(Participant, column_name)
    if ring.generation == 1:
        return false()  # nothing is older than the first key
    return column.is_not(None) & column.not_like(f"{ring.generation}:%")


def hashes_behind(db_session: Session, ring: PseudonymKeys) -> int:
    """How many stored hashes are not yet under the ring's newest key."""
    return sum(
        int(
            db_session.scalar(
                select(func.count()).select_from(Participant).where(_behind(name, ring))
            )
            or 0
        )
        for name in KEYED_COLUMNS
    )


def rekey_stored_hashes(
    db_session: Session, ring: PseudonymKeys, *, actor_id: int | None = None
) -> RekeyReport:
    """Bring every stored hash up to the ring's newest key, and audit the counts.

    In the caller's transaction (the caller commits): all of it lands or none does.
    """
    counts: dict[str, int] = {}
    for name, purpose in KEYED_COLUMNS.items():
        column = getattr(Participant, name)
        rows = db_session.execute(
            select(Participant.id, column).where(_behind(name, ring)).with_for_update()
        ).all()
        changes = [
            {"row_id": row_id, "value": rewrapped(ring, purpose, stored)} for row_id, stored in rows
        ]
        if changes:
            db_session.execute(
                update(Participant.__table__)
                .where(Participant.__table__.c.id == bindparam("row_id"))
                .values({name: bindparam("value")}),
                changes,
            )
        counts[name] = len(changes)
    report = RekeyReport(
        generation=ring.generation,
        linkage_references=counts["linkage_hmac"],
        withdrawal_codes=counts["withdrawal_code_hmac"],
    )
    record_event(
        db_session,
        "pseudonym_key.rotated",
        actor_id=actor_id,
        target_type="pseudonym_key",
        target_id=ring.generation,
        linkage_references=report.linkage_references,
        withdrawal_codes=report.withdrawal_codes,
    )
    return report


def checked_new_key(ring: PseudonymKeys, key: str) -> str:
    """The operator's new key, refused if weak or already used."""
    key = key.strip()
    if is_weak_key(key) or any(c.isspace() for c in key):
        raise KeyRotationError(
            f"The new key must be at least {MIN_KEY_LENGTH} random characters with no spaces."
        )
    if key in ring.keys:
        raise KeyRotationError("The new key is already in the key ring. Use a fresh one.")
    return key


def write_key_ring(path: Path, ring: PseudonymKeys) -> None:
    """Replace the key ring file atomically (mode 600): the old one or the new one, never half.

    Written before the database changes, so no committed hash ever needs a key that
    is not on disk.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(f"{key}\n" for key in ring.keys))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)

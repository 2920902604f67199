"""Password hashing with argon2id (argon2-cffi), with rehash when parameters change."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP (2024): argon2id with m=19 MiB, t=2, p=1 at the least. We default to more.
DEFAULT_TIME_COST = 3
DEFAULT_MEMORY_KIB = 65536
OWASP_MIN_TIME_COST = 2
OWASP_MIN_MEMORY_KIB = 19456

_hasher = PasswordHasher(time_cost=DEFAULT_TIME_COST, memory_cost=DEFAULT_MEMORY_KIB, parallelism=1)
_dummy_hash: str | None = None


def configure(time_cost: int, memory_kib: int) -> None:
    """Set the parameters new hashes use (the app does this from its configuration)."""
    global _hasher, _dummy_hash
    if (time_cost, memory_kib) != (_hasher.time_cost, _hasher.memory_cost):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        _dummy_hash = None


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    new_hash: str | None = None  # set when the stored hash used outdated parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _timing_dummy() -> str:
    # Verifying against this when the user is unknown costs the same time as a real
    # check, so the response time does not tell whether a username exists.
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not-a-real-password-used-only-for-timing")
    return _dummy_hash


def check_password(stored_hash: str | None, password: str) -> PasswordCheck:
    try:
        _hasher.verify(stored_hash or _timing_dummy(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return PasswordCheck(ok=False)
    if stored_hash is None:
        return PasswordCheck(ok=False)
    if _hasher.check_needs_rehash(stored_hash):
        return PasswordCheck(ok=True, new_hash=_hasher.hash(password))
    return PasswordCheck(ok=True)

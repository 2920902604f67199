"""Password hashing with argon2id (argon2-cffi), with rehash when parameters change."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP (2024): argon2id with m=19 MiB, t=2, p=1 at the least. We use more memory.
HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=1)

# Verifying against this when the user is unknown costs the same time as a real
# check, so the response time does not tell whether a username exists.
_DUMMY_HASH = HASHER.hash("not-a-real-password-used-only-for-timing")


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    new_hash: str | None = None  # set when the stored hash used outdated parameters


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def check_password(stored_hash: str | None, password: str) -> PasswordCheck:
    try:
        HASHER.verify(stored_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return PasswordCheck(ok=False)
    if stored_hash is None:
        return PasswordCheck(ok=False)
    if HASHER.check_needs_rehash(stored_hash):
        return PasswordCheck(ok=True, new_hash=HASHER.hash(password))
    return PasswordCheck(ok=True)

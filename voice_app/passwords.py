"""Password hashing with argon2id (argon2-cffi), with rehash when parameters change, and
the shipped list of breached and common passwords (NCSC: block those, no composition rules)."""

from __future__ import annotations

import gzip
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


BREACHED_PASSWORDS_FILE = Path(__file__).with_name("data") / "breached_passwords.txt.gz"
# What people add to a common password to get past a rule: it does not make it uncommon.
_TRAILING_PADDING = string.digits + string.punctuation + " "


@cache
def _breached_passwords() -> frozenset[str]:
    with gzip.open(BREACHED_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _repeated_unit(text: str) -> str:
    """ "abcabcabc" -> "abc"; text that is not a repetition comes back whole."""
    period = (text + text).find(text, 1)
    return text[:period] if 0 < period < len(text) else text


def is_breached(password: str) -> bool:
    """On the shipped list of breached and common passwords, ignoring capitals.

    A listed password with digits or symbols added at the end, or said several times
    over, counts as listed, and so does one or two characters said over and over.
    """
    listed = _breached_passwords()
    word = password.casefold()
    unit = _repeated_unit(word)
    if unit in listed or len(unit) <= 2:  # "aaaaaaaaaaaa" is as common as any listed one
        return True
    padded_from = len(word.rstrip(_TRAILING_PADDING))
    # Any listed start followed only by digits or symbols: "dragon2024!", "123456789012".
    return any(word[:end] in listed for end in range(1, len(word) + 1) if end >= padded_from)

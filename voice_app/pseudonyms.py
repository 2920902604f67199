"""Keyed hashes for anything a person might type again later. No Flask imports.

HMAC under the pseudonymisation key (held outside the database) rather than a bare
hash: short codes and local references are too guessable for a plain SHA-256.

The key can be rotated (docs/decisions/0008). An HMAC cannot be recomputed without the
typed value, so rotation wraps: generation ``g`` stores ``HMAC(key_g, stored_(g-1))``.
Every stored value says its generation, so a lookup tries each generation the key ring
knows, and a rotation that stopped halfway can simply be run again.

- generation 1: 64 hex characters, ``HMAC-SHA256(key_1, purpose NUL value)``
- generation g > 1: ``"<g>:"`` + base64url(``HMAC-SHA256(key_g, purpose NUL stored_(g-1))``),
  at most 64 characters, so it fits the same columns.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

LINKAGE = "linkage"
WITHDRAWAL = "withdrawal"
KEYED_PURPOSES = (LINKAGE, WITHDRAWAL)


class PseudonymKeyError(ValueError):
    """A stored hash needs a key the ring does not hold."""


@dataclass(frozen=True)
class PseudonymKeys:
    """Every pseudonymisation key in use, oldest first; the last one hashes new values."""

    keys: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.keys or any(not key for key in self.keys):
            raise ValueError("A key ring needs at least one non-empty key.")

    @property
    def generation(self) -> int:
        return len(self.keys)

    @property
    def current(self) -> str:
        return self.keys[-1]

    def with_new_key(self, key: str) -> PseudonymKeys:
        return PseudonymKeys((*self.keys, key))

    def __repr__(self) -> str:  # never a key in a log or a traceback
        return f"PseudonymKeys(generation={self.generation})"


def as_key_ring(key: str | PseudonymKeys) -> PseudonymKeys:
    """Callers that only know one key (older code, tests) get a ring of one."""
    return key if isinstance(key, PseudonymKeys) else PseudonymKeys((key,))


def keyed_hash(key: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value``, separated by ``purpose`` so hashes never cross uses."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _wrap(key: str, generation: int, purpose: str, stored: str) -> str:
    digest = hmac.new(key.encode(), f"{purpose}\x00{stored}".encode(), hashlib.sha256).digest()
    return f"{generation}:" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def generation_of(stored: str) -> int:
    """Which key generation made a stored value (plain hex is generation 1)."""
    prefix, separator, _ = stored.partition(":")
    if not separator:
        return 1
    if not prefix.isdigit():
        raise PseudonymKeyError("A stored hash has an unreadable generation.")
    return int(prefix)


def lookup_hashes(ring: str | PseudonymKeys, purpose: str, value: str) -> tuple[str, ...]:
    """The stored form of ``value`` at every generation, oldest first, to look up with IN.

    Every generation, not only the newest: a row written by a worker that had not yet
    restarted after a rotation still has the older form until the rotation is re-run.
    """
    ring = as_key_ring(ring)
    stored = keyed_hash(ring.keys[0], purpose, value)
    forms = [stored]
    for generation, key in enumerate(ring.keys[1:], start=2):
        stored = _wrap(key, generation, purpose, stored)
        forms.append(stored)
    return tuple(forms)


def stored_hash(ring: str | PseudonymKeys, purpose: str, value: str) -> str:
    """What to store for a newly typed value: its form under the newest key."""
    return lookup_hashes(ring, purpose, value)[-1]


def rewrapped(ring: PseudonymKeys, purpose: str, stored: str) -> str:
    """A stored value brought up to the ring's newest generation (unchanged if it is)."""
    generation = generation_of(stored)
    if generation > ring.generation:
        raise PseudonymKeyError(
            f"A stored hash is of key generation {generation}, but only "
            f"{ring.generation} keys are configured."
        )
    for next_generation in range(generation + 1, ring.generation + 1):
        stored = _wrap(ring.keys[next_generation - 1], next_generation, purpose, stored)
    return stored

"""Keyed hashes for anything a person might type again later. No Flask imports.

HMAC under the pseudonymisation key (held outside the database) rather than a bare
hash: short codes and local references are too guessable for a plain SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(key: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value``, separated by ``purpose`` so hashes never cross uses."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()

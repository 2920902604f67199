"""Short codes people type to join a session. No Flask imports."""

from __future__ import annotations

import secrets

# No look-alikes: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V.
CODE_ALPHABET = "ACEFHJKMNPRTWXY3479"
CODE_LENGTH = 6


def new_session_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """Forgive spaces, dashes and lower case, as people type codes off a screen."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def looks_like_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)

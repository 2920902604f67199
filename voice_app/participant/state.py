"""What the server-side session holds for a participant, and nothing more.

``journey``: the session joined, the audience, the participant's random id, and the
one-time tokens of the question pages shown. ``kiosk``: which session a shared tablet
is bound to. Never answers, never free text.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import session

JOURNEY_KEY = "journey"
KIOSK_KEY = "kiosk"
LANGUAGE_KEY = "language"
LISTEN_LANGUAGE_KEY = "listen_language"
DEFAULT_LANGUAGE_KEY = "session_default_language"
MAX_TOKENS = 24


@dataclass
class Journey:
    session_id: int
    audience: str | None = None
    participant_id: str | None = None
    stopping: bool = False
    tokens: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "audience": self.audience,
            "participant_id": self.participant_id,
            "stopping": self.stopping,
            "tokens": self.tokens or [],
        }


def current_journey() -> Journey | None:
    raw = session.get(JOURNEY_KEY)
    if not isinstance(raw, dict) or not isinstance(raw.get("session_id"), int):
        return None
    return Journey(
        session_id=raw["session_id"],
        audience=raw.get("audience"),
        participant_id=raw.get("participant_id"),
        stopping=bool(raw.get("stopping")),
        tokens=list(raw.get("tokens") or []),
    )


def save_journey(journey: Journey) -> None:
    session[JOURNEY_KEY] = journey.as_dict()


def issue_token(journey: Journey) -> str:
    token = secrets.token_urlsafe(24)
    journey.tokens = [*(journey.tokens or []), token][-MAX_TOKENS:]
    save_journey(journey)
    return token


def kiosk_binding() -> dict[str, Any] | None:
    raw = session.get(KIOSK_KEY)
    return raw if isinstance(raw, dict) else None


def end_participant_state(*, keep_language: bool = False) -> None:
    """Forget everything about the person who just finished; keep the tablet's binding.

    The session id changes too, so the old cookie reaches nothing. ``keep_language``
    lets the thank-you page stay in the language the person chose.
    """
    kept = {key: session.get(key) for key in (KIOSK_KEY, DEFAULT_LANGUAGE_KEY)}
    if keep_language:
        kept[LANGUAGE_KEY] = session.get(LANGUAGE_KEY)
    session.clear()
    session.rotate()
    for key, value in kept.items():
        if value is not None and (key != DEFAULT_LANGUAGE_KEY or kept[KIOSK_KEY]):
            session[key] = value

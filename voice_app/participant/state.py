"""What the server-side session holds for a participant, and nothing more.

``journey``: the session joined, the audience and the participant's random id.
``kiosk``: which session a shared tablet is bound to. Never answers, never free text.
A question page's one-time submission id is signed, not stored, so showing a question
writes nothing to the session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, session

JOURNEY_KEY = "journey"
KIOSK_KEY = "kiosk"
LANGUAGE_KEY = "language"
LISTEN_LANGUAGE_KEY = "listen_language"
DEFAULT_LANGUAGE_KEY = "session_default_language"


@dataclass
class Journey:
    session_id: int
    audience: str | None = None
    participant_id: str | None = None
    stopping: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "audience": self.audience,
            "participant_id": self.participant_id,
            "stopping": self.stopping,
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
    )


def save_journey(journey: Journey) -> None:
    session[JOURNEY_KEY] = journey.as_dict()


def issue_token(journey: Journey) -> str:
    """A question page's one-time submission id: a random part, signed for this person.

    Only this participant's pages carry a valid one; the answer table's unique
    submission id makes a resend store nothing (``journey.record_answer``).
    """
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_token_signature(journey, nonce)}"


def issued_to(journey: Journey, token: str) -> bool:
    """Was this submission id issued to this participant (not forged, not someone else's)?"""
    nonce, _, signature = token.partition(".")
    return bool(nonce and signature) and hmac.compare_digest(
        signature, _token_signature(journey, nonce)
    )


def _token_signature(journey: Journey, nonce: str) -> str:
    message = f"submission|{journey.session_id}|{journey.participant_id}|{nonce}"
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]


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

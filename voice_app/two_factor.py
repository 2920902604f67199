"""The staff second factor: TOTP codes (RFC 6238) and one-time recovery codes. No Flask.

A code is accepted once: the last accepted time step is kept per user, and any step at
or before it is refused, so a code seen over someone's shoulder is worth nothing once
used. One step (30 seconds) of clock drift either way is allowed. Recovery codes are
shown once; only their SHA-256 is kept (they are random, 80 bits, so a fast hash is
enough, as for API tokens), and each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from voice_app.audit import record_event
from voice_app.models import StaffRecoveryCode, StaffUser

STEP_SECONDS = 30
CODE_DIGITS = 6
ALLOWED_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# Crockford's base32: no i, l, o or u, so a code read off paper is hard to mistype.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECOVERY_CODE_LENGTH = 16  # 80 bits
ISSUER = "Family Voice"


def is_enrolled(user: StaffUser) -> bool:
    return user.totp_secret is not None and user.totp_enrolled_at is not None


def enrolment_secret(user: StaffUser) -> str:
    """The secret to show on the enrolment page: the same one until a code confirms it."""
    if is_enrolled(user):
        raise ValueError("already enrolled")
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    return user.totp_secret


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def normalise_code(code: str) -> str | None:
    """Six ASCII digits, ignoring spaces; anything else is no code at all."""
    digits = "".join(code.split())
    if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, within the allowed drift and after ``last_step``."""
    digits = normalise_code(code)
    if digits is None:
        return None
    totp = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS)
    current = time_step(now)
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue  # used already, or older than a code that was
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def _claim_step(db_session: Session, user: StaffUser, step: int) -> bool:
    # One conditional UPDATE: two requests racing with the same code cannot both win.
    claimed = db_session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user.id,
            (StaffUser.totp_last_step.is_(None)) | (StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def check_code(db_session: Session, user: StaffUser, code: str, now: datetime) -> bool:
    """True, once, for a right code from an enrolled user's app."""
    if not is_enrolled(user):
        return False
    step = matching_step(user.totp_secret or "", code, now, user.totp_last_step)
    return step is not None and _claim_step(db_session, user, step)


def confirm_enrolment(
    db_session: Session, user: StaffUser, code: str, now: datetime
) -> list[str] | None:
    """Enrol the user if ``code`` matches the shown secret; returns the recovery codes.

    The codes are returned this once and never stored: show them, then forget them.
    """
    if is_enrolled(user) or user.totp_secret is None:
        return None
    step = matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is None or not _claim_step(db_session, user, step):
        return None
    user.totp_enrolled_at = now
    codes = _replace_recovery_codes(db_session, user)
    record_event(
        db_session,
        "auth.two_factor_enrolled",
        actor_id=user.id,
        target_type="staff_user",
        target_id=user.id,
        recovery_codes=len(codes),
    )
    return codes


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def normalise_recovery_code(code: str) -> str:
    """Lower case, no spaces or dashes, and the letters people confuse read as Crockford does."""
    cleaned = "".join(code.split()).replace("-", "").casefold()
    return cleaned.translate(str.maketrans({"o": "0", "i": "1", "l": "1"}))


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def _replace_recovery_codes(db_session: Session, user: StaffUser) -> list[str]:
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    user.recovery_codes.clear()
    db_session.flush()
    user.recovery_codes.extend(StaffRecoveryCode(code_sha256=hash_recovery_code(c)) for c in codes)
    db_session.flush()
    return codes


def recovery_codes_left(db_session: Session, user: StaffUser) -> int:
    return (
        db_session.scalar(
            select(func.count())
            .select_from(StaffRecoveryCode)
            .where(StaffRecoveryCode.user_id == user.id, StaffRecoveryCode.used_at.is_(None))
        )
        or 0
    )


@dataclass(frozen=True)
class RecoveryCodeUse:
    codes_left: int


def use_recovery_code(
    db_session: Session, user: StaffUser, code: str, now: datetime
) -> RecoveryCodeUse | None:
    """Spend one unused recovery code; None when it is wrong or already used."""
    if not is_enrolled(user) or len(code) > 100:
        return None
    spent = db_session.execute(
        update(StaffRecoveryCode)
        .where(
            StaffRecoveryCode.user_id == user.id,
            StaffRecoveryCode.code_sha256 == hash_recovery_code(code),
            StaffRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return None
    left = recovery_codes_left(db_session, user)
    record_event(
        db_session,
        "auth.recovery_code_used",
        actor_id=user.id,
        target_type="staff_user",
        target_id=user.id,
        codes_left=left,
    )
    return RecoveryCodeUse(codes_left=left)


def reset_second_factor(db_session: Session, user: StaffUser, *, actor_id: int | None) -> None:
    """For a lost phone: forget the secret and the recovery codes; the next sign-in enrols."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    user.recovery_codes.clear()
    record_event(
        db_session,
        "auth.two_factor_reset",
        actor_id=actor_id,
        target_type="staff_user",
        target_id=user.id,
    )
    db_session.flush()

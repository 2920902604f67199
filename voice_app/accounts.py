"""Staff accounts: creating them and checking a sign-in. No Flask imports."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voice_app.audit import record_event
from voice_app.models import Area, Role, StaffRole, StaffUser, utcnow
from voice_app.passwords import check_password, hash_password, is_breached

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class NewStaffUser:
    username: str
    password: str
    roles: tuple[Role, ...]
    display_name: str = ""
    # Area codes: facilitators set up sessions, and safeguarding leads read flags, only
    # in their own areas.
    area_codes: tuple[str, ...] = ()


def normalise_username(username: str) -> str:
    return username.strip().casefold()


def create_staff_user(db_session: Session, new: NewStaffUser, *, actor_id: int | None) -> StaffUser:
    username = normalise_username(new.username)
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccountError("Usernames use letters, numbers, dots, dashes and underscores.")
    if find_user(db_session, username) is not None:
        raise AccountError("That username is already taken.")
    check_new_password(new.password)
    if not new.roles:
        raise AccountError("Give the user at least one role.")
    areas = list(db_session.scalars(select(Area).where(Area.code.in_(new.area_codes))))
    if len(areas) != len(set(new.area_codes)):
        known = ", ".join(db_session.scalars(select(Area.code).order_by(Area.code))) or "none"
        raise AccountError(f"Unknown area code. Known areas: {known}.")
    user = StaffUser(
        username=username,
        display_name=new.display_name.strip(),
        password_hash=hash_password(new.password),
        roles=[StaffRole(role=role) for role in dict.fromkeys(new.roles)],
        areas=areas,
    )
    db_session.add(user)
    db_session.flush()
    record_event(
        db_session,
        "staff_user.create",
        actor_id=actor_id,
        target_type="staff_user",
        target_id=user.id,
        roles=sorted(r.value for r in new.roles),
        areas=sorted(area.code for area in areas),
    )
    return user


class PasswordProblem(enum.Enum):
    """Why a new password is refused. NCSC guidance: length and a list of common and
    breached passwords, and no rules about which kinds of character to use."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BREACHED = "breached"


PASSWORD_PROBLEM_MESSAGES = {
    PasswordProblem.TOO_SHORT: f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.",
    PasswordProblem.TOO_LONG: f"Use a password of at most {MAX_PASSWORD_LENGTH} characters.",
    PasswordProblem.BREACHED: (
        "That password is on a list of known breached or common passwords. Choose another."
    ),
}


def password_problem(password: str) -> PasswordProblem | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return PasswordProblem.TOO_SHORT
    if len(password) > MAX_PASSWORD_LENGTH:
        return PasswordProblem.TOO_LONG
    if is_breached(password):
        return PasswordProblem.BREACHED
    return None


def check_new_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise AccountError(PASSWORD_PROBLEM_MESSAGES[problem])


def set_password(
    db_session: Session, user: StaffUser, password: str, *, actor_id: int | None
) -> None:
    """Give ``user`` a new password (checked as any new one is), audited."""
    check_new_password(password)
    if check_password(user.password_hash, password).ok:
        raise AccountError("Choose a password different from the one you have now.")
    user.password_hash = hash_password(password)
    record_event(
        db_session,
        "staff_user.password_changed",
        actor_id=actor_id,
        target_type="staff_user",
        target_id=user.id,
    )


def find_user(db_session: Session, username: str) -> StaffUser | None:
    return db_session.scalar(
        select(StaffUser).where(StaffUser.username == normalise_username(username))
    )


@dataclass(frozen=True)
class Lockout:
    """After ``failures`` wrong passwords in a row, an account refuses every sign-in,
    the right password included, for ``minutes``. Counted in the database, so it holds
    across workers and restarts."""

    failures: int = 5
    minutes: int = 15


def authenticate(
    db_session: Session, username: str, password: str, lockout: Lockout = Lockout()
) -> StaffUser | None:
    """Return the user when the password is right, the account active and not locked.

    This is only the first step: the caller asks for the second factor before anyone is
    signed in. A right password does not reset the count of wrong tries, so wrong
    codes keep counting towards the lock-out however often the password is typed.

    The caller shows one message for every failure, so a failed sign-in never says
    whether the username exists or is locked. A locked account's password is still
    checked, so a locked sign-in takes as long as any other.
    """
    user = find_user(db_session, username) if len(username) <= 64 else None
    result = check_password(user.password_hash if user else None, password[:MAX_PASSWORD_LENGTH])
    if user is None:
        return None
    now = utcnow()
    if is_locked(user, now):
        record_event(
            db_session,
            "auth.login_locked",
            actor_id=None,
            target_type="staff_user",
            target_id=user.id,
        )
        return None
    if not result.ok or not user.is_active:
        count_failed_sign_in(db_session, user, lockout, "auth.login_failed")
        return None
    if result.new_hash:
        user.password_hash = result.new_hash
    record_event(
        db_session,
        "auth.password_checked",
        actor_id=None,
        target_type="staff_user",
        target_id=user.id,
    )
    return user


def is_locked(user: StaffUser, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def count_failed_sign_in(
    db_session: Session, user: StaffUser, lockout: Lockout, action: str, **detail: str
) -> None:
    """A wrong password or code: audited, and the last of ``lockout.failures`` locks."""
    user.failed_logins += 1
    record_event(
        db_session, action, actor_id=None, target_type="staff_user", target_id=user.id, **detail
    )
    if user.failed_logins >= lockout.failures:
        user.locked_until = utcnow() + timedelta(minutes=lockout.minutes)
        user.failed_logins = 0
        record_event(
            db_session,
            "auth.account_locked",
            actor_id=None,
            target_type="staff_user",
            target_id=user.id,
            minutes=lockout.minutes,
        )


def complete_sign_in(db_session: Session, user: StaffUser, *, second_factor: str) -> None:
    """Both steps passed: the count of wrong tries starts again, and it is audited."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    record_event(
        db_session,
        "auth.login",
        actor_id=user.id,
        target_type="staff_user",
        target_id=user.id,
        second_factor=second_factor,
    )


def count_users(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(StaffUser)) or 0

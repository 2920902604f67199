"""Staff accounts: creating them and checking a sign-in. No Flask imports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voice_app.audit import record_event
from voice_app.models import Area, Role, StaffRole, StaffUser, utcnow
from voice_app.passwords import check_password, hash_password

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


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Use a password of at most {MAX_PASSWORD_LENGTH} characters.")


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

    The caller shows one message for every failure, so a failed sign-in never says
    whether the username exists or is locked. A locked account's password is still
    checked, so a locked sign-in takes as long as any other.
    """
    user = find_user(db_session, username) if len(username) <= 64 else None
    result = check_password(user.password_hash if user else None, password[:MAX_PASSWORD_LENGTH])
    if user is None:
        return None
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        record_event(
            db_session,
            "auth.login_locked",
            actor_id=None,
            target_type="staff_user",
            target_id=user.id,
        )
        return None
    if not result.ok or not user.is_active:
        user.failed_logins += 1
        record_event(
            db_session,
            "auth.login_failed",
            actor_id=None,
            target_type="staff_user",
            target_id=user.id,
        )
        if user.failed_logins >= lockout.failures:
            user.locked_until = now + timedelta(minutes=lockout.minutes)
            user.failed_logins = 0
            record_event(
                db_session,
                "auth.account_locked",
                actor_id=None,
                target_type="staff_user",
                target_id=user.id,
                minutes=lockout.minutes,
            )
        return None
    if result.new_hash:
        user.password_hash = result.new_hash
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record_event(
        db_session, "auth.login", actor_id=user.id, target_type="staff_user", target_id=user.id
    )
    return user


def count_users(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(StaffUser)) or 0

"""The steps of staff sign-in after a right password: the second factor, and a new password
when the old one is on the breached list. Nobody is signed in until the last step.

Between the steps the server session holds only a short-lived marker: "password checked
for user N at T", where to go next, and which step is due. See
docs/decisions/0007-staff-sign-in.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from flask import (
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from voice_app import two_factor
from voice_app.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    AccountError,
    PasswordProblem,
    complete_sign_in,
    count_failed_sign_in,
    is_locked,
    password_problem,
    set_password,
)
from voice_app.auth import bp, configured_lockout, lockout_rule, sign_in_limit
from voice_app.auth.access import SESSION_USER_KEY
from voice_app.auth.forms import (
    ContinueForm,
    NewPasswordForm,
    RecoveryCodeForm,
    TwoFactorCodeForm,
)
from voice_app.extensions import db
from voice_app.facilitator.views import qr_svg
from voice_app.models import StaffUser, utcnow

PENDING_KEY = "sign_in_pending"
PENDING_SECONDS = 5 * 60
# Few codes left: say how to get new ones before they run out.
FEW_RECOVERY_CODES = 3


@dataclass(frozen=True)
class Pending:
    """What the session knows between the password and the end of sign-in."""

    user_id: int
    checked_at: int  # seconds since the epoch
    next_url: str
    breached: bool
    stage: str  # "second_factor", "codes_shown" or "new_password"
    second_factor: str = ""  # how the second step was passed, once it was


def begin(user: StaffUser, next_url: str, *, breached: bool) -> ResponseReturnValue:
    """The password was right: remember only that, and ask for the second factor."""
    session.clear()
    session.rotate()
    _save(Pending(user.id, int(time.time()), next_url, breached, "second_factor"))
    endpoint = "auth.two_factor_code" if two_factor.is_enrolled(user) else "auth.two_factor_enrol"
    return redirect(url_for(endpoint))


def _save(pending: Pending) -> None:
    session[PENDING_KEY] = asdict(pending)


def _load(stage: str) -> tuple[Pending, StaffUser] | None:
    """The marker for ``stage`` and its user, or None when missing, stale or locked."""
    raw: Any = session.get(PENDING_KEY)
    try:
        pending = Pending(**raw)
    except TypeError:
        return None
    if pending.stage != stage or time.time() - pending.checked_at > PENDING_SECONDS:
        return None
    user = db.session.scalar(
        select(StaffUser)
        .options(selectinload(StaffUser.roles))
        .where(StaffUser.id == pending.user_id, StaffUser.is_active.is_(True))
    )
    if user is None or is_locked(user, utcnow()):
        return None
    return pending, user


def _start_again() -> ResponseReturnValue:
    session.pop(PENDING_KEY, None)
    flash(_("Your sign-in has stopped. Sign in again."), "error")
    return redirect(url_for("auth.login"))


def _wrong(user: StaffUser, kind: str) -> None:
    """A wrong code counts towards the same lock-out as a wrong password."""
    count_failed_sign_in(
        db.session, user, configured_lockout(), "auth.two_factor_failed", kind=kind
    )
    db.session.commit()
    if is_locked(user, utcnow()):
        session.pop(PENDING_KEY, None)


def _second_factor_passed(pending: Pending, user: StaffUser, how: str) -> ResponseReturnValue:
    if pending.breached:
        _save(
            replace(pending, stage="new_password", checked_at=int(time.time()), second_factor=how)
        )
        return redirect(url_for("auth.new_password"))
    return _finish(pending, user, how)


def _finish(pending: Pending, user: StaffUser, how: str) -> ResponseReturnValue:
    complete_sign_in(db.session, user, second_factor=how)
    db.session.commit()
    messages = session.get("_flashes", [])
    session.clear()
    session.rotate()  # a new id at sign-in: a planted cookie gains nothing
    session[SESSION_USER_KEY] = user.id
    for category, message in messages:
        flash(message, category)
    return redirect(pending.next_url)


@bp.route("/login/set-up", methods=["GET", "POST"])
@sign_in_limit
def two_factor_enrol() -> ResponseReturnValue:
    loaded = _load("second_factor")
    if loaded is None:
        return _start_again()
    pending, user = loaded
    if two_factor.is_enrolled(user):
        return redirect(url_for("auth.two_factor_code"))
    secret = two_factor.enrolment_secret(user)
    db.session.commit()
    form = TwoFactorCodeForm()
    failed = False
    if form.validate_on_submit():
        codes = two_factor.confirm_enrolment(db.session, user, form.code.data or "", utcnow())
        if codes is not None:
            db.session.commit()
            _save(replace(pending, stage="codes_shown", checked_at=int(time.time())))
            # Shown in this response only, never stored in the clear: not even in the session.
            page = render_template("auth/recovery_codes.html", codes=codes, form=ContinueForm())
            return page, 200, {"Cache-Control": "no-store"}
        _wrong(user, "enrolment")
        failed = True
    uri = two_factor.provisioning_uri(secret, user.username)
    page = render_template(
        "auth/two_factor_enrol.html",
        form=form,
        failed=failed,
        lockout=lockout_rule(),
        qr=qr_svg(uri, _("QR code to add Family Voice to your authenticator app")),
        secret=two_factor.grouped_secret(secret),
        username=user.username,
    )
    return page, 400 if failed or form.errors else 200, {"Cache-Control": "no-store"}


@bp.post("/login/set-up/done")
def two_factor_continue() -> ResponseReturnValue:
    loaded = _load("codes_shown")
    form = ContinueForm()
    if loaded is None:
        return _start_again()
    if not form.validate_on_submit():
        return redirect(url_for("auth.login"))
    pending, user = loaded
    return _second_factor_passed(pending, user, "totp")


def _ask_for_second_factor(
    form: TwoFactorCodeForm | RecoveryCodeForm,
    template: str,
    kind: str,
    check: Callable[[StaffUser, str], bool],
) -> ResponseReturnValue:
    loaded = _load("second_factor")
    if loaded is None:
        return _start_again()
    pending, user = loaded
    if not two_factor.is_enrolled(user):
        return redirect(url_for("auth.two_factor_enrol"))
    failed = False
    if form.validate_on_submit():
        if check(user, form.code.data or ""):
            return _second_factor_passed(pending, user, kind)
        _wrong(user, kind)
        failed = True
    page = render_template(template, form=form, failed=failed, lockout=lockout_rule())
    return page, 400 if failed or form.errors else 200


@bp.route("/login/code", methods=["GET", "POST"])
@sign_in_limit
def two_factor_code() -> ResponseReturnValue:
    def check(user: StaffUser, code: str) -> bool:
        return two_factor.check_code(db.session, user, code, utcnow())

    return _ask_for_second_factor(TwoFactorCodeForm(), "auth/two_factor_code.html", "totp", check)


@bp.route("/login/recovery-code", methods=["GET", "POST"])
@sign_in_limit
def two_factor_recovery() -> ResponseReturnValue:
    def check(user: StaffUser, code: str) -> bool:
        used = two_factor.use_recovery_code(db.session, user, code, utcnow())
        if used is None:
            return False
        flash(
            ngettext(
                "You used a recovery code. You have %(num)d recovery code left.",
                "You used a recovery code. You have %(num)d recovery codes left.",
                used.codes_left,
            ),
            "success",
        )
        if used.codes_left < FEW_RECOVERY_CODES:
            flash(
                _(
                    "Ask an administrator to reset your two-step sign-in, then set up "
                    "your authenticator app again to get new recovery codes."
                ),
                "alert",
            )
        return True

    return _ask_for_second_factor(
        RecoveryCodeForm(), "auth/two_factor_recovery.html", "recovery_code", check
    )


def _password_problem_message(problem: PasswordProblem) -> str:
    if problem is PasswordProblem.TOO_SHORT:
        return _("Use a password of at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
    if problem is PasswordProblem.TOO_LONG:
        return _("Use a password of at most %(count)d characters.", count=MAX_PASSWORD_LENGTH)
    return _(
        "That password is on a list of known breached or common passwords. Choose another one."
    )


@bp.route("/login/new-password", methods=["GET", "POST"])
def new_password() -> ResponseReturnValue:
    loaded = _load("new_password")
    if loaded is None:
        return _start_again()
    pending, user = loaded
    form = NewPasswordForm()
    if form.validate_on_submit():
        password = form.password.data or ""
        problem = password_problem(password)
        if problem is not None:
            form.password.errors.append(_password_problem_message(problem))
        elif password != form.confirm.data:
            form.confirm.errors.append(_("The two passwords are not the same"))
        else:
            try:
                set_password(db.session, user, password, actor_id=user.id)
            except AccountError:
                form.password.errors.append(_("Choose a password different from your old one"))
            else:
                flash(_("Your password has been changed."), "success")
                return _finish(pending, user, pending.second_factor)
    page = render_template("auth/new_password.html", form=form, min_length=MIN_PASSWORD_LENGTH)
    return page, 400 if form.errors else 200

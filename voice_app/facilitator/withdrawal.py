"""Withdrawal by code: someone changed their mind, so their answers are deleted for good.

Two steps on one address: type the code (nothing changes), then confirm on a page that
shows only the session and how many answers would go. Failed codes are limited per
client, like session codes on the join page, so codes cannot be guessed from here.
"""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from voice_app import withdrawals as service
from voice_app.auth.access import staff_required
from voice_app.extensions import db, limiter
from voice_app.facilitator import bp
from voice_app.facilitator.access import signed_in_staff
from voice_app.models import Role
from voice_app.sanitise import plain_text_problem
from voice_app.session_codes import normalise_code

WITHDRAWAL_ERRORS = {
    "code_missing": _l("Enter the withdrawal code."),
    "code_format": _l("A withdrawal code has 8 letters and numbers. Check it and try again."),
    "code_unknown": _l(
        "We cannot find that withdrawal code. Check it with the person and try again."
    ),
}
CONFIRM_STEP = "confirm"
# Longest typed code shown back in the box after an error (the real one is 9 with a dash).
MAX_SHOWN_BACK = 32


class WithdrawalCodeForm(FlaskForm):
    code = StringField(_l("Withdrawal code"))


def _failed_attempt(response: Response) -> bool:
    """Only a refused code counts towards the limit; looking one up or withdrawing does not."""
    return response.status_code == 400


def _shown_back(typed: str) -> str:
    """What was typed, to correct it: without invisible control characters, and not huge."""
    return "".join(ch for ch in typed if not plain_text_problem(ch))[:MAX_SHOWN_BACK]


@bp.route("/withdraw", methods=["GET", "POST"])
@staff_required(Role.FACILITATOR, Role.RESEARCHER)
@limiter.limit(
    lambda: current_app.config["WITHDRAWAL_CODE_FAILURES_LIMIT"],
    methods=["POST"],
    deduct_when=_failed_attempt,
)
def withdraw() -> ResponseReturnValue:
    form = WithdrawalCodeForm()
    if not form.validate_on_submit():
        return render_template("facilitator/withdraw.html", form=form)
    user = signed_in_staff()
    typed = form.code.data or ""
    lookup = {
        "pseudonym_key": current_app.config["PSEUDONYM_KEYS"],
        "typed_code": typed,
        "actor": user,
        # A facilitator: only people of their own sessions. A researcher: anyone.
        "allowed_session_ids": service.withdrawable_session_ids(db.session, user),
    }
    confirming = request.form.get("step") == CONFIRM_STEP
    try:
        if confirming:
            service.withdraw_by_code(db.session, **lookup)
        else:
            preview = service.preview_withdrawal(db.session, **lookup)
    except service.WithdrawalError as error:
        db.session.rollback()
        form.code.data = _shown_back(typed)
        form.code.errors = [str(WITHDRAWAL_ERRORS[error.code])]
        return render_template("facilitator/withdraw.html", form=form), 400
    db.session.commit()
    if confirming:
        flash(_("Their answers are deleted."), "success")
        return redirect(url_for("facilitator.withdraw"))
    return render_template(
        "facilitator/withdraw_confirm.html",
        preview=preview,
        code=normalise_code(typed),
        confirm_step=CONFIRM_STEP,
    )

"""Staff sign-in and sign-out, and the staff home page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voice_app.accounts import Lockout, authenticate
from voice_app.audit import record_event
from voice_app.auth.access import current_staff_user, staff_required
from voice_app.auth.forms import LoginForm
from voice_app.extensions import db, limiter
from voice_app.models import Role, StaffUser
from voice_app.passwords import is_breached

bp = Blueprint("auth", __name__, url_prefix="/staff")


def _safe_next(target: str | None) -> str:
    """Only follow a ``next`` that stays on this site (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("auth.home")


def _failed_sign_in(response: Response) -> bool:
    return response.status_code == 400


# One count per client across the password and the second-factor steps.
sign_in_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURES_LIMIT"],
    scope="staff-sign-in",
    methods=["POST"],
    deduct_when=_failed_sign_in,
)


def configured_lockout() -> Lockout:
    """The account lock-out in force, shared by the password and second-factor steps."""
    return Lockout(
        current_app.config["LOGIN_LOCKOUT_FAILURES"], current_app.config["LOGIN_LOCKOUT_MINUTES"]
    )


def lockout_rule() -> dict[str, int]:
    """The lock-out as the sign-in pages state it."""
    lockout = configured_lockout()
    return {"count": lockout.failures, "minutes": lockout.minutes}


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limit
def login() -> ResponseReturnValue:
    if current_staff_user() is not None and request.method == "GET":
        return redirect(url_for("auth.home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = authenticate(
            db.session, form.username.data or "", form.password.data or "", configured_lockout()
        )
        db.session.commit()
        if user is not None:
            # Not signed in yet: the second factor comes next (auth/second_step.py).
            breached = is_breached(form.password.data or "")
            return second_step.begin(user, _safe_next(request.args.get("next")), breached=breached)
        failed = True
    page = render_template("auth/login.html", form=form, failed=failed, lockout=lockout_rule())
    return page, 200 if not (failed or form.errors) else 400


@bp.post("/logout")
@staff_required()
def logout() -> ResponseReturnValue:
    user = current_staff_user()
    if user is not None:
        record_event(
            db.session, "auth.logout", actor_id=user.id, target_type="staff_user", target_id=user.id
        )
        db.session.commit()
    session.destroy()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.get("/")
@staff_required()
def home() -> ResponseReturnValue:
    return render_template("auth/home.html", user=current_staff_user())


ROLE_DESCRIPTIONS = {
    Role.ADVISOR.value: _l("Co-design: write and propose questions (young advisors)."),
    Role.FACILITATOR.value: _l("Sessions: run group sessions and tablets."),
    Role.SAFEGUARDING_LEAD.value: _l("Safeguarding: read flagged answers and record actions."),
    Role.RESEARCHER.value: _l("Research: approve questions, publish flows, see what matters."),
    Role.ADMIN.value: _l("Administration: staff accounts, areas and settings."),
}


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def _navigation(user: StaffUser) -> list[NavItem]:
    entries: list[tuple[str, str, tuple[Role, ...]]] = [
        (str(_l("Your work")), "auth.home", ()),
        (str(_l("Question studio")), "codesign.bank_list", (Role.ADVISOR, Role.RESEARCHER)),
        (str(_l("Flows")), "codesign.flows", (Role.RESEARCHER,)),
        (str(_l("What matters")), "research.priorities", (Role.RESEARCHER,)),
        (str(_l("Sessions")), "facilitator.sessions", (Role.FACILITATOR,)),
        (str(_l("Withdrawals")), "facilitator.withdraw", (Role.FACILITATOR, Role.RESEARCHER)),
        (str(_l("Safeguarding")), "safeguarding.flags", (Role.SAFEGUARDING_LEAD,)),
        (
            str(_l("Safeguarding words")),
            "research.safeguarding_terms",
            (Role.RESEARCHER,),
        ),
        (
            str(_l("Languages and audio")),
            "research.languages",
            (Role.RESEARCHER, Role.FACILITATOR, Role.ADMIN),
        ),
        (str(_l("Staff accounts")), "admin.users", (Role.ADMIN,)),
        (str(_l("API clients")), "admin.api_clients", (Role.ADMIN,)),
        (str(_l("Audit log")), "admin.audit", (Role.ADMIN,)),
    ]
    return [
        NavItem(label, url_for(endpoint), request.endpoint == endpoint)
        for label, endpoint, roles in entries
        if not roles or user.has_role(*roles)
    ]


@bp.app_context_processor
def staff_context() -> dict[str, object]:
    user = current_staff_user() if request.blueprint in STAFF_BLUEPRINTS else None
    return {
        "current_user": user,
        "staff_navigation": _navigation(user) if user else [],
        "role_descriptions": ROLE_DESCRIPTIONS,
    }


# Blueprints whose pages carry the staff header; participant pages never look up staff.
STAFF_BLUEPRINTS = frozenset(
    {"auth", "admin", "codesign", "facilitator", "research", "safeguarding"}
)

# The later sign-in steps register their views on bp; they need bp, so come last.
from voice_app.auth import second_step  # noqa: E402

"""Research pages: what families say, and how complete each language is."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from voice_app.audit import record_event
from voice_app.auth.access import current_staff_user, staff_required
from voice_app.extensions import db
from voice_app.i18n import coverage_report
from voice_app.languages import LANGUAGES
from voice_app.models import Role

bp = Blueprint("research", __name__, url_prefix="/research")


@bp.get("/languages")
@staff_required(Role.RESEARCHER, Role.FACILITATOR, Role.ADMIN)
def languages() -> ResponseReturnValue:
    rows = coverage_report(db.session, current_app)
    actor = current_staff_user()
    record_event(db.session, "coverage.view", actor_id=actor.id if actor else None)
    db.session.commit()
    return render_template(
        "research/languages.html",
        rows=rows,
        languages=LANGUAGES,
        shipped=set(current_app.extensions["voice_languages"]),
    )


# Routes register on import.
from voice_app.research import (  # noqa: E402
    exports,  # noqa: F401
    priorities_views,  # noqa: F401
    safeguarding_terms,  # noqa: F401
)

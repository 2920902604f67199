"""The group "what matters most" activity on the room's projector.

The page is for everyone in the room to see, so it shows no staff names, no menus and
nothing about any one person: only the order of the outcome domains once enough people
have answered (``LIVE_ROOM_MIN_CELL_SIZE``, default 5). It is written in the session's
default language, the one the room reads. ``static/js/projector.js`` polls the JSON
twin of the page; without JavaScript there is a Refresh link (never a meta refresh).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, format_decimal, format_percent, ngettext

from voice_app.audit import record_event
from voice_app.auth.access import staff_required
from voice_app.extensions import db
from voice_app.facilitator import bp
from voice_app.facilitator.access import own_session_or_403, signed_in_staff
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE
from voice_app.models import GroupSession, Role
from voice_app.room_priorities import RoomPriorities, room_priorities

POLL_SECONDS = 5


def _room_language(group_session: GroupSession) -> str:
    """The session's default language, if it still ships; else English."""
    shipped = current_app.extensions["voice_languages"]
    language = group_session.default_language
    return language if language in shipped else SOURCE_LANGUAGE


def _priorities(group_session: GroupSession, language: str) -> RoomPriorities:
    return room_priorities(
        db.session,
        group_session.id,
        int(current_app.config["LIVE_ROOM_MIN_CELL_SIZE"]),
        language=language,
    )


def _view_data(result: RoomPriorities, language: str) -> dict[str, Any]:
    """What the page and its JSON show: the same words, in the room's language.

    Below the minimum there is no head count and no domain at all, only the rule.
    """
    if not result.shown:
        # TRANSLATORS: on the room's projector, read by children and families in a group.
        message = ngettext(
            "The results appear when at least %(num)d person has answered.",
            "The results appear when at least %(num)d people have answered.",
            result.min_people,
        )
        return {"shown": False, "message": message, "domains": []}
    # TRANSLATORS: on the room's projector, read by children and families in a group.
    message = ngettext(
        "%(num)d person has answered so far.",
        "%(num)d people have answered so far.",
        result.people,
    )
    domains = []
    for domain in result.domains:
        # The name falls back to English when it has no translation: say so (WCAG 3.1.2).
        other = domain.name_language != language
        name_language = LANGUAGES.get(domain.name_language, LANGUAGES[SOURCE_LANGUAGE])
        domains.append(
            {
                "key": domain.key,
                "name": domain.name,
                "lang": name_language.html_lang if other else "",
                "dir": name_language.direction if other else "",
                "picture": url_for("static", filename=f"img/domains/{domain.picture}"),
                "rank": domain.rank,
                "rank_text": format_decimal(domain.rank),
                "percent": domain.percent,
                "percent_text": format_percent(domain.percent / 100),
            }
        )
    return {"shown": True, "message": message, "domains": domains}


@bp.get("/sessions/<int:session_id>/projector")
@staff_required(Role.FACILITATOR)
def projector(session_id: int) -> ResponseReturnValue:
    group_session = own_session_or_403(session_id)
    language = _room_language(group_session)
    result = _priorities(group_session, language)
    record_event(
        db.session,
        "session.projector_viewed",
        actor_id=signed_in_staff().id,
        target_type="group_session",
        target_id=session_id,
    )
    db.session.commit()
    with force_locale(language):
        return render_template(
            "facilitator/projector.html",
            group_session=group_session,
            room=_view_data(result, language),
            poll_seconds=POLL_SECONDS,
            # A message meant for the facilitator ("Acknowledged...") must never reach the
            # wall: base.html leaves it for their next staff page.
            keep_messages=True,
        )


@bp.get("/sessions/<int:session_id>/projector.json")
@staff_required(Role.FACILITATOR)
def projector_data(session_id: int) -> ResponseReturnValue:
    """The page's data for polling; not audited per poll (the page view is)."""
    group_session = own_session_or_403(session_id)
    language = _room_language(group_session)
    result = _priorities(group_session, language)
    with force_locale(language):
        return jsonify(_view_data(result, language))

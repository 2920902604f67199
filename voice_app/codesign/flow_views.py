"""Flow pages: researchers compose, preview and publish the questions each group answers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from voice_app import flows as service
from voice_app import question_bank as bank
from voice_app.auth.access import staff_required
from voice_app.codesign import bp
from voice_app.codesign.messages import AUDIENCE_NAMES
from voice_app.codesign.views import (
    PREVIEW_SIZES,
    _actor,
    _checked_form,
    _error_message,
    current_locale_tag,
    preview_choice,
    preview_page,
    shown_back,
    stored_id,
)
from voice_app.extensions import db
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE
from voice_app.models import Audience, Flow, FlowStatus, Role


def _flow_or_404(flow_id: int) -> Flow:
    flow = service.load_flow(db.session, flow_id)
    if flow is None:
        abort(404)
    return flow


def _audience_or_404(value: str) -> Audience:
    try:
        return Audience(value)
    except ValueError:
        abort(404)


@bp.route("/flows", methods=["GET", "POST"])
@staff_required(Role.RESEARCHER)
def flows() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        _checked_form()
        try:
            flow = service.create_flow(db.session, request.form.get("name", ""), _actor())
        except bank.StudioError as failure:
            db.session.rollback()
            error = failure
        else:
            db.session.commit()
            flash(_("The flow is created. Add questions for each group."), "success")
            return redirect(url_for("codesign.flow", flow_id=flow.id))
    all_flows = db.session.scalars(
        select(Flow).order_by(Flow.status, Flow.created_at.desc(), Flow.id.desc())
    ).all()
    return render_template(
        "codesign/flows.html",
        flows=all_flows,
        error=error,
        error_message=_error_message(error) if error else "",
        name=shown_back(request.form.get("name", "")) if error else "",
    ), 400 if error else 200


@bp.get("/flows/<int:flow_id>")
@staff_required(Role.RESEARCHER)
def flow(flow_id: int) -> ResponseReturnValue:
    found = _flow_or_404(flow_id)
    groups = [
        {
            "audience": audience,
            "items": service.items_for(found, audience),
            "addable": service.addable_versions(db.session, found, audience)
            if found.status is FlowStatus.DRAFT
            else [],
        }
        for audience in Audience
    ]
    return render_template(
        "codesign/flow.html",
        flow=found,
        groups=groups,
        summary_wording=bank.summary_wording,
        is_draft=found.status is FlowStatus.DRAFT,
    )


def _flow_change(flow_id: int, change: str, item_id: int = 0) -> ResponseReturnValue:
    _checked_form()
    found = _flow_or_404(flow_id)
    actor = _actor()
    anchor = ""
    try:
        if change == "add":
            audience = _audience_or_404(request.form.get("audience", ""))
            version_id = stored_id(request.form.get("version_id", ""))
            if version_id is None:
                raise bank.StudioError("not_approved", "version_id")
            service.add_item(db.session, found, audience, version_id, actor)
            anchor = f"group-{audience.value}"
            message = _("Question added.")
        elif change == "remove":
            service.remove_item(db.session, found, item_id, actor)
            message = _("Question removed.")
        elif change in ("up", "down"):
            service.move_item(db.session, found, item_id, -1 if change == "up" else 1, actor)
            message = _("Question moved.")
        elif change == "publish":
            service.publish(db.session, found, actor)
            message = _("Published. Sessions can now use this flow; it will not change again.")
        else:
            copy = service.copy_flow(db.session, found, actor)
            db.session.commit()
            flash(_("This is a new draft copied from the published flow."), "success")
            return redirect(url_for("codesign.flow", flow_id=copy.id))
    except bank.StudioError as error:
        db.session.rollback()
        flash(_error_message(error), "error")
        return redirect(url_for("codesign.flow", flow_id=flow_id, _anchor=anchor))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("codesign.flow", flow_id=flow_id, _anchor=anchor))


@bp.post("/flows/<int:flow_id>/items")
@staff_required(Role.RESEARCHER)
def add_flow_item(flow_id: int) -> ResponseReturnValue:
    return _flow_change(flow_id, "add")


@bp.post("/flows/<int:flow_id>/items/<int:item_id>/<any(up, down, remove):change>")
@staff_required(Role.RESEARCHER)
def change_flow_item(flow_id: int, item_id: int, change: str) -> ResponseReturnValue:
    return _flow_change(flow_id, change, item_id)


@bp.post("/flows/<int:flow_id>/publish")
@staff_required(Role.RESEARCHER)
def publish_flow(flow_id: int) -> ResponseReturnValue:
    return _flow_change(flow_id, "publish")


@bp.post("/flows/<int:flow_id>/copy")
@staff_required(Role.RESEARCHER)
def copy_flow(flow_id: int) -> ResponseReturnValue:
    return _flow_change(flow_id, "copy")


@bp.route("/flows/<int:flow_id>/preview/<audience>/<int:position>", methods=["GET", "POST"])
@staff_required(Role.RESEARCHER)
def flow_preview(flow_id: int, audience: str, position: int) -> ResponseReturnValue:
    """Walk a whole flow as a participant would; nothing is saved."""
    found = _flow_or_404(flow_id)
    group = _audience_or_404(audience)
    items = service.items_for(found, group)
    if not 1 <= position <= len(items):
        abort(404)
    language = preview_choice(request.args.get("language", ""), list(LANGUAGES), SOURCE_LANGUAGE)
    size = preview_choice(request.args.get("size", ""), list(PREVIEW_SIZES), "tablet")

    def here(**changes: object) -> str:
        args: dict[str, object] = {
            "flow_id": found.id,
            "audience": group.value,
            "position": position,
            "language": language,
            "size": size,
        }
        args.update(changes)
        return url_for("codesign.flow_preview", **args)

    bar = {
        "title": _("Preview of %(flow)s", flow=found.name),
        "explain": _(
            "Question %(position)s of %(total)s for %(audience)s. "
            "Nothing you choose here is saved.",
            position=position,
            total=len(items),
            audience=str(AUDIENCE_NAMES[group]).lower(),
        ),
        "back_url": url_for("codesign.flow", flow_id=found.id),
        "back": _("Back to the flow"),
        "links": [
            (str(AUDIENCE_NAMES[a]), here(audience=a.value, position=1), a == group)
            for a in Audience
            if service.items_for(found, a)
        ],
        "languages": [
            (lang.native_name, lang.html_lang, here(language=code), code == language)
            for code, lang in LANGUAGES.items()
        ],
        "sizes": [
            (_("Tablet"), here(size="tablet"), size == "tablet"),
            (_("Phone"), here(size="phone"), size == "phone"),
        ],
        "lang": current_locale_tag(),
    }
    result = preview_page(
        items[position - 1].version_id,
        group,
        language,
        size,
        found.framework_id,
        position=position,
        total=len(items),
        bar=bar,
    )
    if result is None:
        action = request.form.get("action", "answer")
        if action == "back":
            target = position - 1
        elif action == "stop":
            return redirect(url_for("codesign.flow", flow_id=found.id))
        else:
            target = position + 1
        if not 1 <= target <= len(items):
            flash(_("That was the end of this group's questions."), "success")
            return redirect(url_for("codesign.flow", flow_id=found.id))
        return redirect(here(position=target))
    return result

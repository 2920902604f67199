"""Flows: the ordered questions each audience answers. No Flask imports.

A researcher composes a draft flow from approved question versions and publishes it.
A published flow never changes (sessions and answers rely on it); to change one, start
a new draft from it.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from voice_app.audit import record_event
from voice_app.languages import SOURCE_LANGUAGE
from voice_app.models import (
    Audience,
    Flow,
    FlowItem,
    FlowStatus,
    OutcomeFramework,
    QuestionText,
    QuestionVersion,
    StaffUser,
    VersionStatus,
    utcnow,
)
from voice_app.question_bank import StudioError
from voice_app.sanitise import plain_text_problem

MAX_NAME = 200


def load_flow(db_session: Session, flow_id: int) -> Flow | None:
    return db_session.scalar(
        select(Flow)
        .options(
            selectinload(Flow.items)
            .selectinload(FlowItem.version)
            .selectinload(QuestionVersion.texts)
        )
        .where(Flow.id == flow_id)
    )


def current_framework(db_session: Session) -> OutcomeFramework | None:
    return db_session.scalar(select(OutcomeFramework).order_by(OutcomeFramework.version.desc()))


def published_flows(db_session: Session) -> list[Flow]:
    return list(
        db_session.scalars(
            select(Flow).where(Flow.status == FlowStatus.PUBLISHED).order_by(Flow.name)
        )
    )


def items_for(flow: Flow, audience: Audience) -> list[FlowItem]:
    return sorted((i for i in flow.items if i.audience == audience), key=lambda i: i.position)


def _require_draft(flow: Flow) -> None:
    if flow.status is not FlowStatus.DRAFT:
        raise StudioError("flow_published")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise StudioError("name_missing", "name")
    if plain_text_problem(name):
        raise StudioError("control_characters", "name")
    if len(name) > MAX_NAME:
        raise StudioError("too_long", "name")
    return name


def create_flow(db_session: Session, name: str, actor: StaffUser) -> Flow:
    framework = current_framework(db_session)
    if framework is None:
        raise StudioError("no_framework")
    flow = Flow(name=_check_name(name), framework_id=framework.id)
    db_session.add(flow)
    db_session.flush()
    record_event(
        db_session, "flow.created", actor_id=actor.id, target_type="flow", target_id=flow.id
    )
    return flow


def copy_flow(db_session: Session, flow: Flow, actor: StaffUser) -> Flow:
    """A new draft with the same questions, to change a published flow."""
    copy = Flow(name=flow.name, framework_id=flow.framework_id)
    copy.items = [
        FlowItem(audience=i.audience, position=i.position, version_id=i.version_id)
        for i in flow.items
    ]
    db_session.add(copy)
    db_session.flush()
    record_event(
        db_session,
        "flow.copied",
        actor_id=actor.id,
        target_type="flow",
        target_id=copy.id,
        copied_from=flow.id,
    )
    return copy


def addable_versions(db_session: Session, flow: Flow, audience: Audience) -> list[QuestionVersion]:
    """Approved versions written for this audience and not yet in its list."""
    present = {i.version_id for i in flow.items if i.audience == audience}
    versions = db_session.scalars(
        select(QuestionVersion)
        .options(selectinload(QuestionVersion.texts), selectinload(QuestionVersion.question))
        .join(QuestionText, QuestionText.version_id == QuestionVersion.id)
        .where(
            QuestionVersion.status == VersionStatus.APPROVED,
            QuestionText.audience == audience,
            QuestionText.language == SOURCE_LANGUAGE,
        )
        .order_by(QuestionVersion.question_id, QuestionVersion.number)
    ).all()
    return [v for v in versions if v.id not in present]


def add_item(
    db_session: Session, flow: Flow, audience: Audience, version_id: int, actor: StaffUser
) -> FlowItem:
    _require_draft(flow)
    version = db_session.get(QuestionVersion, version_id)
    if version is None or version.status is not VersionStatus.APPROVED:
        raise StudioError("not_approved", "version_id")
    # Checked first: addable_versions leaves out what is already in the list.
    if any(
        i.audience == audience and i.version.question_id == version.question_id for i in flow.items
    ):
        raise StudioError("already_in_flow", "version_id")
    if version not in addable_versions(db_session, flow, audience):
        raise StudioError("not_for_audience", "version_id")
    position = (
        db_session.scalar(
            select(func.max(FlowItem.position)).where(
                FlowItem.flow_id == flow.id, FlowItem.audience == audience
            )
        )
        or 0
    ) + 1
    item = FlowItem(audience=audience, position=position, version_id=version.id)
    flow.items.append(item)
    db_session.flush()
    record_event(
        db_session,
        "flow.item_added",
        actor_id=actor.id,
        target_type="flow",
        target_id=flow.id,
        audience=audience.value,
        version=version.id,
    )
    return item


def _renumber(db_session: Session, flow: Flow, audience: Audience, ordered: list[FlowItem]) -> None:
    # Two steps so the (flow, audience, position) unique constraint never sees a clash.
    for item in ordered:
        item.position = -item.position - 1000
    db_session.flush()
    for position, item in enumerate(ordered, start=1):
        item.position = position
    db_session.flush()


def remove_item(db_session: Session, flow: Flow, item_id: int, actor: StaffUser) -> None:
    _require_draft(flow)
    item = next((i for i in flow.items if i.id == item_id), None)
    if item is None:
        raise StudioError("not_in_flow")
    audience = item.audience
    flow.items.remove(item)
    db_session.delete(item)
    db_session.flush()
    _renumber(db_session, flow, audience, items_for(flow, audience))
    record_event(
        db_session,
        "flow.item_removed",
        actor_id=actor.id,
        target_type="flow",
        target_id=flow.id,
        audience=audience.value,
        version=item.version_id,
    )


def move_item(db_session: Session, flow: Flow, item_id: int, step: int, actor: StaffUser) -> None:
    """Move a question one place earlier (step -1) or later (step +1)."""
    _require_draft(flow)
    item = next((i for i in flow.items if i.id == item_id), None)
    if item is None or step not in (-1, 1):
        raise StudioError("not_in_flow")
    ordered = items_for(flow, item.audience)
    index = ordered.index(item)
    other = index + step
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(db_session, flow, item.audience, ordered)
    record_event(
        db_session,
        "flow.item_moved",
        actor_id=actor.id,
        target_type="flow",
        target_id=flow.id,
        audience=item.audience.value,
        version=item.version_id,
        step=step,
    )


def publish(db_session: Session, flow: Flow, actor: StaffUser) -> None:
    _require_draft(flow)
    if not flow.items:
        raise StudioError("empty_flow")
    if any(i.version.status is not VersionStatus.APPROVED for i in flow.items):
        raise StudioError("not_approved")
    flow.status = FlowStatus.PUBLISHED
    flow.published_at = utcnow()
    flow.published_by_id = actor.id
    record_event(
        db_session, "flow.published", actor_id=actor.id, target_type="flow", target_id=flow.id
    )

"""Demo and starter content: the default framework, starter questions, demo accounts.

Every function is idempotent: running it again finds what is there and adds only
what is missing. No Flask imports; the CLI calls these with a database session.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from voice_app import starter_content as starter
from voice_app.accounts import NewStaffUser, create_staff_user, find_user
from voice_app.languages import SOURCE_LANGUAGE
from voice_app.models import (
    AnswerFormat,
    Area,
    Audience,
    Flow,
    FlowItem,
    FlowStatus,
    GroupSession,
    OutcomeDomain,
    OutcomeDomainText,
    OutcomeFramework,
    Question,
    QuestionOption,
    QuestionOptionLabel,
    QuestionText,
    QuestionVersion,
    ReviewState,
    Role,
    SessionStatus,
    StaffArea,
    VersionStatus,
    utcnow,
)
from voice_app.passwords import hash_password
from voice_app.session_codes import new_session_code

DEMO_AREA_CODE = "DEMO"
DEMO_AREA_NAME = "Demo Safeguarding Partnership"
STARTER_FLOW_NAME = "Starter flow"
DEMO_SESSION_VENUE = "Demo community centre"
# The English source is written and checked by the project itself.
SOURCE_REVIEWER = "Family Voice project (source text)"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str


def load_framework(db_session: Session) -> OutcomeFramework:
    framework = db_session.scalar(
        select(OutcomeFramework).where(OutcomeFramework.version == starter.FRAMEWORK_VERSION)
    )
    if framework is None:
        framework = OutcomeFramework(
            version=starter.FRAMEWORK_VERSION,
            title=starter.FRAMEWORK_TITLE,
            published_at=utcnow(),
        )
        db_session.add(framework)
        db_session.flush()
    existing = {d.key for d in framework.domains}
    for position, seed in enumerate(starter.DOMAINS, start=1):
        if seed.key in existing:
            continue
        domain = OutcomeDomain(
            framework=framework, key=seed.key, position=position, picture=seed.picture
        )
        domain.texts.append(
            OutcomeDomainText(
                language=SOURCE_LANGUAGE,
                name=seed.name,
                description=seed.description,
                review_state=ReviewState.REVIEWED,
                reviewed_at=utcnow(),
                reviewed_by=SOURCE_REVIEWER,
            )
        )
        db_session.add(domain)
    db_session.flush()
    return framework


def load_starter_questions(db_session: Session, framework: OutcomeFramework) -> Flow:
    """Approved version 1 of each starter question, and a published flow that uses them."""
    domains = {d.key: d for d in framework.domains}
    versions: dict[str, QuestionVersion] = {}
    for seed in starter.QUESTIONS:
        question = db_session.scalar(select(Question).where(Question.key == seed.key))
        if question is None:
            question = Question(key=seed.key)
            db_session.add(question)
        if question.versions:
            versions[seed.key] = question.versions[0]
            continue
        version = QuestionVersion(
            question=question,
            number=1,
            format=AnswerFormat(seed.format),
            status=VersionStatus.APPROVED,
            approved_at=utcnow(),
            domains=[domains[key] for key in seed.domains],
        )
        for audience, wording in seed.wording.items():
            version.texts.append(
                QuestionText(
                    audience=Audience(audience),
                    language=SOURCE_LANGUAGE,
                    wording=wording,
                    help_text=seed.help_text.get(audience, ""),
                    review_state=ReviewState.REVIEWED,
                    reviewed_at=utcnow(),
                    reviewed_by=SOURCE_REVIEWER,
                )
            )
        for position, option_seed in enumerate(seed.options, start=1):
            option = QuestionOption(
                key=option_seed.key, position=position, picture=option_seed.picture
            )
            for audience, label in option_seed.labels.items():
                option.labels.append(
                    QuestionOptionLabel(
                        audience=Audience(audience),
                        language=SOURCE_LANGUAGE,
                        label=label,
                        review_state=ReviewState.REVIEWED,
                        reviewed_by=SOURCE_REVIEWER,
                        reviewed_at=utcnow(),
                    )
                )
            version.options.append(option)
        db_session.add(version)
        versions[seed.key] = version

    flow = db_session.scalar(select(Flow).where(Flow.name == STARTER_FLOW_NAME))
    if flow is None:
        flow = Flow(
            name=STARTER_FLOW_NAME,
            framework=framework,
            status=FlowStatus.PUBLISHED,
            published_at=utcnow(),
        )
        for audience, keys in starter.FLOWS.items():
            for position, key in enumerate(keys, start=1):
                flow.items.append(
                    FlowItem(audience=Audience(audience), position=position, version=versions[key])
                )
        db_session.add(flow)
    db_session.flush()
    return flow


def ensure_area(
    db_session: Session, code: str = DEMO_AREA_CODE, name: str = DEMO_AREA_NAME
) -> Area:
    area = db_session.scalar(select(Area).where(Area.code == code))
    if area is None:
        area = Area(code=code, name=name)
        db_session.add(area)
        db_session.flush()
    return area


def ensure_demo_users(
    db_session: Session, known_passwords: Mapping[str, str], area: Area
) -> dict[str, DemoLogin]:
    """One demo account per role. Passwords are random; existing ones are kept if known."""
    logins: dict[str, DemoLogin] = {}
    for role in Role:
        username = f"demo-{role.value.replace('_', '-')}"
        password = known_passwords.get(username)
        user = find_user(db_session, username)
        if user is None:
            password = secrets.token_urlsafe(12)
            user = create_staff_user(
                db_session,
                NewStaffUser(
                    username=username,
                    password=password,
                    roles=(role,),
                    display_name=f"Demo {role.value.replace('_', ' ')}",
                ),
                actor_id=None,
            )
            db_session.add(StaffArea(user_id=user.id, area_id=area.id))
        elif password is None:
            # The password was not kept: set a new one so the printed login works.
            password = secrets.token_urlsafe(12)
            user.password_hash = hash_password(password)
        logins[role.value] = DemoLogin(username, password)
    db_session.flush()
    return logins


def ensure_demo_session(
    db_session: Session,
    flow: Flow,
    area: Area,
    facilitator_id: int | None,
    languages: list[str] | None = None,
) -> GroupSession:
    existing = db_session.scalar(
        select(GroupSession).where(
            GroupSession.venue == DEMO_SESSION_VENUE, GroupSession.status == SessionStatus.OPEN
        )
    )
    if existing is not None:
        if languages:
            existing.languages = languages
        return existing
    session = GroupSession(
        code=_unused_code(db_session),
        area=area,
        flow=flow,
        facilitator_id=facilitator_id,
        venue=DEMO_SESSION_VENUE,
        status=SessionStatus.OPEN,
        opened_at=utcnow(),
        languages=languages or [SOURCE_LANGUAGE],
        default_language=SOURCE_LANGUAGE,
        audiences=[a.value for a in Audience],
        free_text_enabled=True,
        local_contact="Demo family support team: 01632 960 000",
    )
    db_session.add(session)
    db_session.flush()
    return session


def _unused_code(db_session: Session) -> str:
    while True:
        code = new_session_code()
        if db_session.scalar(select(GroupSession.id).where(GroupSession.code == code)) is None:
            return code

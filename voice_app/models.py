"""The whole data model, in one place, with no Flask imports.

Privacy rules live in the schema where they can: an answer must point at the exact
question version answered, a skipped answer holds no value, participants carry no
name, date of birth or free identifier, and linkage references are stored only as
HMACs (see docs/decisions/0002-pseudonymisation.md).
"""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """A random identifier that says nothing about the person or the time."""
    return secrets.token_hex(16)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are always aware and in UTC, on SQLite (which has no zones) too."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


def _enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: portable and readable in SQL.
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    ADVISOR = "advisor"
    FACILITATOR = "facilitator"
    SAFEGUARDING_LEAD = "safeguarding_lead"
    RESEARCHER = "researcher"
    ADMIN = "admin"


class Audience(enum.StrEnum):
    CHILD_4_7 = "child_4_7"
    CHILD_8_12 = "child_8_12"
    YOUNG_13_17 = "young_13_17"
    PARENT_CARER = "parent_carer"


class AnswerFormat(enum.StrEnum):
    FACES = "faces"
    YES_MAYBE_NO = "yes_maybe_no"
    CHOOSE_ONE = "choose_one"
    CHOOSE_MANY = "choose_many"
    TOP_THREE = "top_three"
    FREE_TEXT = "free_text"


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    APPROVED = "approved"
    RETIRED = "retired"


class ReviewState(enum.StrEnum):
    DRAFTED = "drafted"
    REVIEWED = "reviewed"


class FlowStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class SessionStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class ParticipationMode(enum.StrEnum):
    TABLET = "tablet"
    OWN_DEVICE = "own_device"
    PAPER = "paper"


class ParticipantStatus(enum.StrEnum):
    STARTED = "started"
    FINISHED = "finished"
    STOPPED = "stopped"
    DECLINED = "declined"


class FlagKind(enum.StrEnum):
    WANTS_TO_TALK = "wants_to_talk"
    SCREENED_TEXT = "screened_text"


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


# --- places and the outcome framework ------------------------------------------------


class Area(Base):
    """A Local Safeguarding Children Partnership area."""

    __tablename__ = "area"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class OutcomeFramework(Base):
    __tablename__ = "outcome_framework"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    domains: Mapped[list[OutcomeDomain]] = relationship(
        back_populates="framework", order_by="OutcomeDomain.position"
    )


class OutcomeDomain(Base):
    __tablename__ = "outcome_domain"
    __table_args__ = (UniqueConstraint("framework_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("outcome_framework.id"))
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    picture: Mapped[str] = mapped_column(String(200))
    framework: Mapped[OutcomeFramework] = relationship(back_populates="domains")
    texts: Mapped[list[OutcomeDomainText]] = relationship(back_populates="domain")


class OutcomeDomainText(Base):
    """A domain's child-friendly name in one language, with its review state."""

    __tablename__ = "outcome_domain_text"
    __table_args__ = (UniqueConstraint("domain_id", "language"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("outcome_domain.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    review_state: Mapped[ReviewState] = mapped_column(
        _enum(ReviewState, "review_state"), default=ReviewState.DRAFTED
    )
    # Who checked it as a fluent speaker (a name or username), and when.
    reviewed_by: Mapped[str] = mapped_column(String(200), default="")
    reviewed_at: Mapped[datetime | None]
    domain: Mapped[OutcomeDomain] = relationship(back_populates="texts")


# --- questions and their immutable versions ------------------------------------------


class Question(Base):
    __tablename__ = "question"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )


class QuestionVersionDomain(Base):
    """Which outcome domains a question version speaks to."""

    __tablename__ = "question_version_domain"
    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id", ondelete="CASCADE"), primary_key=True
    )
    domain_id: Mapped[int] = mapped_column(ForeignKey("outcome_domain.id"), primary_key=True)


class QuestionVersion(Base):
    """Once approved a version never changes; editing makes a new draft version."""

    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    number: Mapped[int]
    format: Mapped[AnswerFormat] = mapped_column(_enum(AnswerFormat, "answer_format"))
    status: Mapped[VersionStatus] = mapped_column(
        _enum(VersionStatus, "version_status"), default=VersionStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # The version this draft was copied from, for the history's diff.
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("question_version.id"))
    question: Mapped[Question] = relationship(back_populates="versions")
    texts: Mapped[list[QuestionText]] = relationship(back_populates="version")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="version", order_by="QuestionOption.position"
    )
    domains: Mapped[list[OutcomeDomain]] = relationship(
        secondary="question_version_domain", order_by="OutcomeDomain.position"
    )


class VersionAction(enum.StrEnum):
    CREATED = "created"
    EDITED = "edited"
    PROPOSED = "proposed"
    SENT_BACK = "sent_back"
    APPROVED = "approved"
    RETIRED = "retired"


class QuestionVersionEvent(Base):
    """The history of a version: who created, edited, proposed, sent back or approved it."""

    __tablename__ = "question_version_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[VersionAction] = mapped_column(_enum(VersionAction, "version_action"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[StaffUser | None] = relationship()


class QuestionComment(Base):
    """An advisor's or researcher's comment on a version. Plain text."""

    __tablename__ = "question_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author: Mapped[StaffUser] = relationship()


class QuestionVote(Base):
    """A thumbs-up from another advisor: at most one per person per version."""

    __tablename__ = "question_vote"
    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id", ondelete="CASCADE"), primary_key=True
    )
    voter_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionText(Base):
    """A version's wording for one audience in one language."""

    __tablename__ = "question_text"
    __table_args__ = (UniqueConstraint("version_id", "audience", "language"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    language: Mapped[str] = mapped_column(String(16))
    wording: Mapped[str] = mapped_column(Text)
    help_text: Mapped[str] = mapped_column(Text, default="")
    review_state: Mapped[ReviewState] = mapped_column(
        _enum(ReviewState, "review_state"), default=ReviewState.DRAFTED
    )
    # Who checked it as a fluent speaker (a name or username), and when.
    reviewed_by: Mapped[str] = mapped_column(String(200), default="")
    reviewed_at: Mapped[datetime | None]
    version: Mapped[QuestionVersion] = relationship(back_populates="texts")


class QuestionOption(Base):
    """One picture a person can choose, for the choose-one and choose-many formats."""

    __tablename__ = "question_option"
    __table_args__ = (UniqueConstraint("version_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    picture: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[QuestionVersion] = relationship(back_populates="options")
    # Labels go with their option (the database cascades too); without this SQLAlchemy
    # would try to keep orphaned labels by setting their option to NULL.
    labels: Mapped[list[QuestionOptionLabel]] = relationship(
        back_populates="option", cascade="all, delete-orphan", passive_deletes=True
    )


class QuestionOptionLabel(Base):
    __tablename__ = "question_option_label"
    __table_args__ = (UniqueConstraint("option_id", "audience", "language"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("question_option.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    language: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(300))
    review_state: Mapped[ReviewState] = mapped_column(
        _enum(ReviewState, "review_state"), default=ReviewState.DRAFTED
    )
    reviewed_by: Mapped[str] = mapped_column(String(200), default="")
    reviewed_at: Mapped[datetime | None]
    option: Mapped[QuestionOption] = relationship(back_populates="labels")


class AudioClip(Base):
    """Read-aloud audio for one text. Stale when the text's hash no longer matches."""

    __tablename__ = "audio_clip"
    __table_args__ = (UniqueConstraint("question_text_id", "codec"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    question_text_id: Mapped[int] = mapped_column(
        ForeignKey("question_text.id", ondelete="CASCADE")
    )
    codec: Mapped[str] = mapped_column(String(16))  # "opus" or "aac"
    text_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    duration_ms: Mapped[int]
    is_placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- flows and sessions ---------------------------------------------------------------


class Flow(Base):
    """An ordered set of question versions for each audience; immutable once published."""

    __tablename__ = "flow"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    framework_id: Mapped[int] = mapped_column(ForeignKey("outcome_framework.id"))
    status: Mapped[FlowStatus] = mapped_column(
        _enum(FlowStatus, "flow_status"), default=FlowStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    framework: Mapped[OutcomeFramework] = relationship()
    items: Mapped[list[FlowItem]] = relationship(
        back_populates="flow", order_by="(FlowItem.audience, FlowItem.position)"
    )


class FlowItem(Base):
    __tablename__ = "flow_item"
    __table_args__ = (
        UniqueConstraint("flow_id", "audience", "position"),
        UniqueConstraint("flow_id", "audience", "version_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    position: Mapped[int]
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    flow: Mapped[Flow] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship()


class GroupSession(Base):
    """A facilitated session (or an online window) that people join with a short code."""

    __tablename__ = "group_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id"))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    venue: Mapped[str] = mapped_column(String(200), default="")  # staff pages only
    session_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[SessionStatus] = mapped_column(
        _enum(SessionStatus, "session_status"), default=SessionStatus.DRAFT
    )
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_language: Mapped[str] = mapped_column(String(16), default="en_GB")
    audiences: Mapped[list[str]] = mapped_column(JSON, default=list)
    local_contact: Mapped[str] = mapped_column(Text, default="")
    free_text_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    area: Mapped[Area] = relationship()
    flow: Mapped[Flow] = relationship()


class KioskLink(Base):
    """A signed, expiring, revocable link that binds a shared tablet to a session."""

    __tablename__ = "kiosk_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id", ondelete="CASCADE"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


# --- people who answer, and what they said --------------------------------------------


class Participant(Base):
    """One person's participation: a random id plus coarse facts, never who they are."""

    __tablename__ = "participant"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    audience: Mapped[Audience | None] = mapped_column(_enum(Audience, "audience"))
    age_band: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    mode: Mapped[ParticipationMode] = mapped_column(
        _enum(ParticipationMode, "participation_mode"), default=ParticipationMode.OWN_DEVICE
    )
    status: Mapped[ParticipantStatus] = mapped_column(
        _enum(ParticipantStatus, "participant_status"), default=ParticipantStatus.STARTED
    )
    device_label: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # HMAC of a facilitator's local reference; the key is held outside the database.
    linkage_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    withdrawal_code_hmac: Mapped[str | None] = mapped_column(String(64), unique=True)
    answers: Mapped[list[Answer]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(Base):
    """One answer, or one skip, pointing at the exact question version that was shown."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("participant_id", "version_id"),
        CheckConstraint(
            "NOT skipped OR (value IS NULL AND free_text IS NULL)", name="skip_holds_nothing"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), index=True)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[Any | None] = mapped_column(JSON(none_as_null=True))
    free_text: Mapped[str | None] = mapped_column(Text)
    # The one-time token of the page that sent it: a resend stores nothing new.
    submission_id: Mapped[str] = mapped_column(String(64), unique=True)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Derived from ``value`` whenever it is written (voice_app/answer_facts.py), so the
    # priorities engine can aggregate in SQL: the answer on a common 0-1 scale (faces,
    # yes/maybe/no), and a "what matters most" answer's picks as rows.
    score: Mapped[float | None]
    participant: Mapped[Participant] = relationship(back_populates="answers")
    version: Mapped[QuestionVersion] = relationship()
    choices: Mapped[list[AnswerChoice]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", passive_deletes=True
    )


class AnswerChoice(Base):
    """One outcome domain a person put in their top 3, and where (1 = most)."""

    __tablename__ = "answer_choice"
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("outcome_domain.id"), index=True)
    answer: Mapped[Answer] = relationship(back_populates="choices")


class RetainedRespondents(Base):
    """After a purge: how many people answered "what matters most", per smallest group.

    Counts only, never below the group they came from; outputs still pass them through
    disclosure control. The day is the day the people started, as for live answers.
    """

    __tablename__ = "retained_respondents"
    __table_args__ = (
        UniqueConstraint("framework_id", "session_id", "area_id", "audience", "started_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("outcome_framework.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    started_on: Mapped[date] = mapped_column(Date)
    people: Mapped[int] = mapped_column(Integer, default=0)


class RetainedDomainTally(Base):
    """After a purge: per outcome domain, how many put it 1st, 2nd and 3rd, and the
    linked questions' answers on the common scale (sum, answers and people)."""

    __tablename__ = "retained_domain_tally"
    __table_args__ = (
        UniqueConstraint(
            "framework_id", "session_id", "area_id", "audience", "started_on", "domain_id"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("outcome_framework.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    started_on: Mapped[date] = mapped_column(Date)
    domain_id: Mapped[int] = mapped_column(ForeignKey("outcome_domain.id"))
    first: Mapped[int] = mapped_column(Integer, default=0)
    second: Mapped[int] = mapped_column(Integer, default=0)
    third: Mapped[int] = mapped_column(Integer, default=0)
    scale_people: Mapped[int] = mapped_column(Integer, default=0)
    scale_answers: Mapped[int] = mapped_column(Integer, default=0)
    scale_sum: Mapped[float] = mapped_column(default=0.0)


class Withdrawal(Base):
    """That a withdrawal happened, and how much it removed; nothing about the content."""

    __tablename__ = "withdrawal"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id"))
    withdrawn_at: Mapped[datetime] = mapped_column(default=utcnow)
    answers_removed: Mapped[int]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class SafeguardingTerm(Base):
    """A word or phrase that, found in free text, raises a flag. Kept per language."""

    __tablename__ = "safeguarding_term"
    __table_args__ = (UniqueConstraint("language", "phrase"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    phrase: Mapped[str] = mapped_column(String(200))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class SafeguardingFlag(Base):
    """Tells the facilitator which tablet and when; never what was written."""

    __tablename__ = "safeguarding_flag"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id"), index=True)
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL")
    )
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answer.id", ondelete="SET NULL"))
    kind: Mapped[FlagKind] = mapped_column(_enum(FlagKind, "flag_kind"))
    device_label: Mapped[str] = mapped_column(String(64), default="")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[FlagStatus] = mapped_column(
        _enum(FlagStatus, "flag_status"), default=FlagStatus.OPEN
    )
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    acknowledged_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    resolved_at: Mapped[datetime | None]
    action_note: Mapped[str] = mapped_column(Text, default="")
    # The words that raised a SCREENED_TEXT flag, as written then: the safeguarding record
    # keeps them even if the answer is edited or withdrawn. Only the lead for the area
    # reads them, and every view is audited.
    flagged_text: Mapped[str | None] = mapped_column(Text)


# --- staff, access and audit -----------------------------------------------------------


class StaffUser(Base):
    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    # The second factor (RFC 6238 TOTP). The secret is kept from the enrolment page on;
    # it counts only once a code confirmed it (totp_enrolled_at). The last accepted time
    # step stops a code being used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    areas: Mapped[list[Area]] = relationship(secondary="staff_area")
    recovery_codes: Mapped[list[StaffRecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role.value for r in self.roles)

    def has_role(self, *roles: Role | str) -> bool:
        return bool(self.role_names & {str(r) for r in roles})


class StaffRecoveryCode(Base):
    """A one-time recovery code for a lost phone: only its SHA-256 is kept.

    The codes are random (80 bits), so a fast hash is enough, as for API tokens.
    """

    __tablename__ = "staff_recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "code_sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    code_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    user: Mapped[StaffUser] = relationship(back_populates="recovery_codes")


class StaffRole(Base):
    __tablename__ = "staff_role"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), primary_key=True)
    user: Mapped[StaffUser] = relationship(back_populates="roles")


class StaffArea(Base):
    """The areas a member of staff works in (a safeguarding lead reads flags for these)."""

    __tablename__ = "staff_area"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)


class AuditEvent(Base):
    """Who did what to which record, and when. Never answer content."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApiClient(Base):
    """A client of the read-only API; only a hash of its token is kept."""

    __tablename__ = "api_client"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    area_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    revoked_at: Mapped[datetime | None]


class WebSession(Base):
    """Server-side session state. The browser holds only a random id; we keep its hash."""

    __tablename__ = "web_session"
    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ContentGeneration(Base):
    """One counter, raised in the same transaction as any change to what a question page
    shows (wordings, options, domain names, recordings): each worker's cache of question
    pages is good for as long as the counter stays where it was. See
    ``voice_app.content_generation``.
    """

    __tablename__ = "content_generation"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)

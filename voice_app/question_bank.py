"""The question bank: drafting, translating, reviewing and versioning questions.

No Flask imports. Views hand over plain values (frozen dataclasses) and map
``StudioError.code`` back onto their forms. Every change writes an audit row and, for
status changes, a history row, in the caller's transaction.

The rules that keep children's answers meaningful:
- only a draft can be changed; an approved version never changes again, so every answer
  keeps pointing at exactly the words that were shown;
- editing an approved (or retired) question makes a new draft version, copied from it;
- drafts go draft -> proposed -> approved (or back to draft with a reason) -> retired.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from voice_app.audit import record_event
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE
from voice_app.models import (
    AnswerFormat,
    Audience,
    AudioClip,
    OutcomeDomain,
    Question,
    QuestionComment,
    QuestionOption,
    QuestionOptionLabel,
    QuestionText,
    QuestionVersion,
    QuestionVersionEvent,
    QuestionVote,
    ReviewState,
    StaffUser,
    VersionAction,
    VersionStatus,
    utcnow,
)
from voice_app.sanitise import help_text_as_plain, plain_text_problem

MAX_WORDING = 500
MAX_HELP_TEXT = 1000
MAX_LABEL = 200
MAX_COMMENT = 2000
MAX_REASON = 2000
MIN_OPTIONS = 2
MAX_OPTIONS = 8
# Formats whose answers are choices written by advisors (the others have fixed answers).
FORMATS_WITH_OPTIONS = frozenset({AnswerFormat.CHOOSE_ONE, AnswerFormat.CHOOSE_MANY})
# Formats that must be linked to at least one outcome domain, so priorities can use them.
FORMATS_NEEDING_DOMAINS = frozenset(
    {
        AnswerFormat.FACES,
        AnswerFormat.YES_MAYBE_NO,
        AnswerFormat.CHOOSE_ONE,
        AnswerFormat.CHOOSE_MANY,
    }
)
EDITABLE = frozenset({VersionStatus.DRAFT})


class StudioError(ValueError):
    """A change the studio refuses; ``code`` picks the friendly message."""

    def __init__(self, code: str, field: str = ""):
        super().__init__(code)
        self.code = code
        self.field = field  # the form field the message belongs to, when there is one


@dataclass(frozen=True)
class TextDraft:
    audience: Audience
    wording: str
    help_text: str = ""


@dataclass(frozen=True)
class OptionDraft:
    labels: Mapping[Audience, str]  # the option's words for each audience, in one language
    key: str = ""  # kept when editing; made from the English label when new


@dataclass(frozen=True)
class QuestionDraft:
    """Everything an advisor writes in English: the source every translation follows."""

    format: AnswerFormat
    texts: Sequence[TextDraft]
    domain_ids: Sequence[int] = ()
    options: Sequence[OptionDraft] = ()


@dataclass(frozen=True)
class TranslationDraft:
    language: str
    texts: Sequence[TextDraft]
    option_labels: Mapping[tuple[str, Audience], str] = field(default_factory=dict)


# --- reading ----------------------------------------------------------------------------


def load_version(db_session: Session, version_id: int) -> QuestionVersion | None:
    return db_session.scalar(
        select(QuestionVersion)
        .options(
            selectinload(QuestionVersion.texts),
            selectinload(QuestionVersion.options).selectinload(QuestionOption.labels),
            selectinload(QuestionVersion.domains),
            selectinload(QuestionVersion.question),
        )
        .where(QuestionVersion.id == version_id)
    )


def source_audiences(version: QuestionVersion) -> list[Audience]:
    """The audiences this version is written for (it has English wording for them)."""
    written = {t.audience for t in version.texts if t.language == SOURCE_LANGUAGE}
    return [audience for audience in Audience if audience in written]


def text_for(version: QuestionVersion, audience: Audience, language: str) -> QuestionText | None:
    return next(
        (t for t in version.texts if t.audience == audience and t.language == language), None
    )


def label_for(option: QuestionOption, audience: Audience, language: str) -> str:
    label = next(
        (lb for lb in option.labels if lb.audience == audience and lb.language == language), None
    )
    return label.label if label else ""


def summary_wording(version: QuestionVersion) -> str:
    """A one-line name for lists: the first English wording, by audience order."""
    for audience in Audience:
        text = text_for(version, audience, SOURCE_LANGUAGE)
        if text is not None:
            return text.wording
    return version.question.key


def vote_count(db_session: Session, version_id: int) -> int:
    return int(
        db_session.scalar(
            select(func.count())
            .select_from(QuestionVote)
            .where(QuestionVote.version_id == version_id)
        )
        or 0
    )


def has_voted(db_session: Session, version_id: int, voter_id: int) -> bool:
    return db_session.get(QuestionVote, (version_id, voter_id)) is not None


def history(db_session: Session, version_id: int) -> list[QuestionVersionEvent]:
    return list(
        db_session.scalars(
            select(QuestionVersionEvent)
            .options(selectinload(QuestionVersionEvent.actor))
            .where(QuestionVersionEvent.version_id == version_id)
            .order_by(QuestionVersionEvent.at, QuestionVersionEvent.id)
        )
    )


def comments(db_session: Session, version_id: int) -> list[QuestionComment]:
    return list(
        db_session.scalars(
            select(QuestionComment)
            .options(selectinload(QuestionComment.author))
            .where(QuestionComment.version_id == version_id)
            .order_by(QuestionComment.created_at, QuestionComment.id)
        )
    )


def sent_back_reason(db_session: Session, version: QuestionVersion) -> str:
    """Why a researcher last sent this draft back, while it is still a draft."""
    if version.status is not VersionStatus.DRAFT:
        return ""
    last = db_session.scalar(
        select(QuestionVersionEvent)
        .where(QuestionVersionEvent.version_id == version.id)
        .order_by(QuestionVersionEvent.at.desc(), QuestionVersionEvent.id.desc())
        .limit(1)
    )
    return last.reason if last is not None and last.action is VersionAction.SENT_BACK else ""


# --- checking what people typed ---------------------------------------------------------


def _check_text(value: str, limit: int, field_name: str, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise StudioError("wording_missing", field_name)
    if plain_text_problem(value):
        raise StudioError("control_characters", field_name)
    if len(value) > limit:
        raise StudioError("too_long", field_name)
    return value


def _check_texts(texts: Sequence[TextDraft]) -> dict[Audience, tuple[str, str]]:
    checked: dict[Audience, tuple[str, str]] = {}
    for text in texts:
        prefix = text.audience.value
        wording = _check_text(text.wording, MAX_WORDING, f"{prefix}-wording")
        help_text = _check_text(text.help_text, MAX_HELP_TEXT, f"{prefix}-help_text")
        if help_text and not wording:
            raise StudioError("wording_missing", f"{prefix}-wording")
        if wording:
            checked[text.audience] = (wording, help_text)
    return checked


def _check_domains(
    db_session: Session, domain_ids: Sequence[int], framework_id: int
) -> list[OutcomeDomain]:
    domains = list(
        db_session.scalars(
            select(OutcomeDomain)
            .where(
                OutcomeDomain.id.in_(list(domain_ids)), OutcomeDomain.framework_id == framework_id
            )
            .order_by(OutcomeDomain.position)
        )
    )
    if len(domains) != len(set(domain_ids)):
        raise StudioError("unknown_domain", "domains")
    return domains


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "item"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _check_options(
    draft: QuestionDraft, audiences: Sequence[Audience], existing_keys: Collection[str] = ()
) -> list[tuple[str, dict[Audience, str]]]:
    if draft.format not in FORMATS_WITH_OPTIONS:
        return []
    options = [o for o in draft.options if any(v.strip() for v in o.labels.values())]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise StudioError("options_needed", "options")
    # Keys come back from a hidden field: keep one only if it names an answer this version
    # already has, and only once; any other answer gets a new key made from its label.
    taken: set[str] = set()
    keys: list[str] = []
    for option in options:
        kept = option.key in existing_keys and option.key not in taken
        if kept:
            taken.add(option.key)
        keys.append(option.key if kept else "")
    checked = []
    for number, (option, key) in enumerate(zip(options, keys, strict=True), start=1):
        labels: dict[Audience, str] = {}
        for audience in audiences:
            label = _check_text(
                option.labels.get(audience, ""), MAX_LABEL, f"option-{number}-{audience.value}"
            )
            if not label:
                raise StudioError("option_label_missing", f"option-{number}-{audience.value}")
            labels[audience] = label
        first_label = next(iter(labels.values()))
        checked.append((key or _slug(first_label, taken), labels))
    return checked


def _require_editable(version: QuestionVersion) -> None:
    if version.status not in EDITABLE:
        raise StudioError("not_editable")


# --- writing ----------------------------------------------------------------------------


def _event(
    db_session: Session,
    version: QuestionVersion,
    action: VersionAction,
    actor: StaffUser,
    reason: str = "",
) -> None:
    db_session.add(
        QuestionVersionEvent(version_id=version.id, action=action, actor_id=actor.id, reason=reason)
    )
    record_event(
        db_session,
        f"question.{action.value}",
        actor_id=actor.id,
        target_type="question_version",
        target_id=version.id,
        question=version.question.key,
        number=version.number,
    )


def create_question(
    db_session: Session, draft: QuestionDraft, actor: StaffUser, framework_id: int
) -> QuestionVersion:
    """A new question with its first draft version, written in English."""
    texts = _check_texts(draft.texts)
    if not texts:
        raise StudioError("no_audience", "child_4_7-wording")
    taken = set(db_session.scalars(select(Question.key)))
    first_wording = next(iter(texts.values()))[0]
    question = Question(key=_slug(first_wording, taken), created_by_id=actor.id)
    version = QuestionVersion(
        question=question, number=1, format=draft.format, created_by_id=actor.id
    )
    db_session.add_all([question, version])
    db_session.flush()
    _apply_source(db_session, version, draft, texts, framework_id)
    _event(db_session, version, VersionAction.CREATED, actor)
    return version


def save_source(
    db_session: Session,
    version: QuestionVersion,
    draft: QuestionDraft,
    actor: StaffUser,
    framework_id: int,
) -> list[str]:
    """Save the English draft. Returns the names of the fields that changed."""
    _require_editable(version)
    texts = _check_texts(draft.texts)
    if not texts:
        raise StudioError("no_audience", "child_4_7-wording")
    before = snapshot(version)
    _apply_source(db_session, version, draft, texts, framework_id)
    db_session.flush()
    changed = [line.field for line in diff_snapshots(before, snapshot(version))]
    if changed:
        _event(db_session, version, VersionAction.EDITED, actor)
    return changed


def _apply_source(
    db_session: Session,
    version: QuestionVersion,
    draft: QuestionDraft,
    texts: dict[Audience, tuple[str, str]],
    framework_id: int,
) -> None:
    domains = _check_domains(db_session, draft.domain_ids, framework_id)
    if draft.format in FORMATS_NEEDING_DOMAINS and not domains:
        raise StudioError("domain_needed", "domains")
    options = _check_options(draft, list(texts), {o.key for o in version.options})
    version.format = draft.format
    version.domains = domains
    existing = {(t.audience, t.language): t for t in version.texts}
    for audience in Audience:
        text = existing.get((audience, SOURCE_LANGUAGE))
        if audience not in texts:
            if text is not None:
                # The audience is dropped: its translations and audio go with it.
                for other in [t for t in version.texts if t.audience == audience]:
                    version.texts.remove(other)
                    db_session.delete(other)
            continue
        wording, help_text = texts[audience]
        if text is None:
            version.texts.append(
                QuestionText(
                    audience=audience,
                    language=SOURCE_LANGUAGE,
                    wording=wording,
                    help_text=help_text,
                )
            )
        elif (text.wording, text.help_text) != (wording, help_text):
            text.wording, text.help_text = wording, help_text
    _apply_options(db_session, version, options)


def _apply_options(
    db_session: Session, version: QuestionVersion, options: list[tuple[str, dict[Audience, str]]]
) -> None:
    wanted = {key for key, _labels in options}
    for option in list(version.options):
        if option.key not in wanted:
            version.options.remove(option)
            db_session.delete(option)
    db_session.flush()
    by_key = {option.key: option for option in version.options}
    for option in version.options:
        option.position = -option.position - 1  # out of the way while positions change
    db_session.flush()
    for position, (key, labels) in enumerate(options, start=1):
        option = by_key.get(key)
        if option is None:
            option = QuestionOption(key=key, position=position)
            version.options.append(option)
        option.position = position
        current = {(lb.audience, lb.language): lb for lb in option.labels}
        for audience in Audience:
            label = current.get((audience, SOURCE_LANGUAGE))
            if audience not in labels:
                for other in [lb for lb in option.labels if lb.audience == audience]:
                    option.labels.remove(other)
                    db_session.delete(other)
            elif label is None:
                option.labels.append(
                    QuestionOptionLabel(
                        audience=audience, language=SOURCE_LANGUAGE, label=labels[audience]
                    )
                )
            else:
                label.label = labels[audience]


def save_translation(
    db_session: Session, version: QuestionVersion, draft: TranslationDraft, actor: StaffUser
) -> None:
    """Save the words in another language for the audiences written in English.

    A translation typed here is a draft until a fluent speaker reviews it.
    """
    _require_editable(version)
    if draft.language not in LANGUAGES or draft.language == SOURCE_LANGUAGE:
        raise StudioError("unknown_language")
    audiences = source_audiences(version)
    texts = _check_texts([t for t in draft.texts if t.audience in audiences])
    for audience in audiences:
        text = text_for(version, audience, draft.language)
        if audience not in texts:
            if text is not None:
                version.texts.remove(text)
                db_session.delete(text)
            continue
        wording, help_text = texts[audience]
        if text is None:
            version.texts.append(
                QuestionText(
                    audience=audience, language=draft.language, wording=wording, help_text=help_text
                )
            )
        elif (text.wording, text.help_text) != (wording, help_text):
            text.wording, text.help_text = wording, help_text
            text.review_state, text.reviewed_by, text.reviewed_at = ReviewState.DRAFTED, "", None
    for number, option in enumerate(version.options, start=1):
        for audience in audiences:
            value = _check_text(
                draft.option_labels.get((option.key, audience), ""),
                MAX_LABEL,
                f"option-{number}-{audience.value}",
            )
            label = next(
                (
                    lb
                    for lb in option.labels
                    if lb.audience == audience and lb.language == draft.language
                ),
                None,
            )
            if not value:
                if label is not None:
                    option.labels.remove(label)
                    db_session.delete(label)
            elif label is None:
                option.labels.append(
                    QuestionOptionLabel(audience=audience, language=draft.language, label=value)
                )
            elif label.label != value:
                label.label = value
                label.review_state, label.reviewed_by, label.reviewed_at = (
                    ReviewState.DRAFTED,
                    "",
                    None,
                )
    record_event(
        db_session,
        "question.translated",
        actor_id=actor.id,
        target_type="question_version",
        target_id=version.id,
        language=draft.language,
    )


# --- review -----------------------------------------------------------------------------


def propose(db_session: Session, version: QuestionVersion, actor: StaffUser) -> None:
    if version.status is not VersionStatus.DRAFT:
        raise StudioError("not_a_draft")
    if not source_audiences(version):
        raise StudioError("no_audience")
    version.status = VersionStatus.PROPOSED
    _event(db_session, version, VersionAction.PROPOSED, actor)


def send_back(db_session: Session, version: QuestionVersion, actor: StaffUser, reason: str) -> None:
    if version.status is not VersionStatus.PROPOSED:
        raise StudioError("not_proposed")
    reason = _check_text(reason, MAX_REASON, "reason")
    if not reason:
        raise StudioError("reason_needed", "reason")
    version.status = VersionStatus.DRAFT
    _event(db_session, version, VersionAction.SENT_BACK, actor, reason)


def approve(db_session: Session, version: QuestionVersion, actor: StaffUser) -> None:
    if version.status is not VersionStatus.PROPOSED:
        raise StudioError("not_proposed")
    version.status = VersionStatus.APPROVED
    version.approved_at = utcnow()
    version.approved_by_id = actor.id
    _event(db_session, version, VersionAction.APPROVED, actor)


def retire(db_session: Session, version: QuestionVersion, actor: StaffUser) -> None:
    if version.status is not VersionStatus.APPROVED:
        raise StudioError("not_approved")
    version.status = VersionStatus.RETIRED
    _event(db_session, version, VersionAction.RETIRED, actor)


def open_draft(db_session: Session, question_id: int) -> QuestionVersion | None:
    """The question's version still being worked on (draft or proposed), if any."""
    return db_session.scalar(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question_id,
            QuestionVersion.status.in_([VersionStatus.DRAFT, VersionStatus.PROPOSED]),
        )
    )


def new_version(db_session: Session, version: QuestionVersion, actor: StaffUser) -> QuestionVersion:
    """Start editing an approved or retired question: a new draft copied from it.

    The copy keeps texts, answer labels, domains and any recordings whose words are
    unchanged; the old version and every answer pointing at it stay exactly as they are.
    """
    if version.status not in (VersionStatus.APPROVED, VersionStatus.RETIRED):
        raise StudioError("not_approved")
    existing = open_draft(db_session, version.question_id)
    if existing is not None:
        return existing
    number = (
        db_session.scalar(
            select(func.max(QuestionVersion.number)).where(
                QuestionVersion.question_id == version.question_id
            )
        )
        or 0
    ) + 1
    copy = QuestionVersion(
        question_id=version.question_id,
        number=number,
        format=version.format,
        created_by_id=actor.id,
        based_on_id=version.id,
    )
    copy.domains = list(version.domains)
    db_session.add(copy)
    for text in version.texts:
        new_text = QuestionText(
            audience=text.audience,
            language=text.language,
            wording=text.wording,
            help_text=text.help_text,
            review_state=text.review_state,
            reviewed_by=text.reviewed_by,
            reviewed_at=text.reviewed_at,
        )
        copy.texts.append(new_text)
        db_session.flush()
        for clip in db_session.scalars(
            select(AudioClip).where(AudioClip.question_text_id == text.id)
        ):
            db_session.add(
                AudioClip(
                    question_text_id=new_text.id,
                    codec=clip.codec,
                    text_sha256=clip.text_sha256,
                    data=clip.data,
                    duration_ms=clip.duration_ms,
                    is_placeholder=clip.is_placeholder,
                    recorded_by_id=clip.recorded_by_id,
                )
            )
    for option in version.options:
        new_option = QuestionOption(
            key=option.key, position=option.position, picture=option.picture
        )
        new_option.labels = [
            QuestionOptionLabel(
                audience=lb.audience,
                language=lb.language,
                label=lb.label,
                review_state=lb.review_state,
                reviewed_by=lb.reviewed_by,
                reviewed_at=lb.reviewed_at,
            )
            for lb in option.labels
        ]
        copy.options.append(new_option)
    db_session.flush()
    copy.question = version.question
    _event(db_session, copy, VersionAction.CREATED, actor, reason="")
    return copy


# --- collaboration ----------------------------------------------------------------------


def add_comment(
    db_session: Session, version: QuestionVersion, actor: StaffUser, body: str
) -> QuestionComment:
    body = _check_text(body, MAX_COMMENT, "body")
    if not body:
        raise StudioError("comment_missing", "body")
    comment = QuestionComment(version_id=version.id, author_id=actor.id, body=body)
    db_session.add(comment)
    db_session.flush()
    record_event(
        db_session,
        "question.commented",
        actor_id=actor.id,
        target_type="question_version",
        target_id=version.id,
        comment=comment.id,
    )
    return comment


def toggle_vote(db_session: Session, version: QuestionVersion, actor: StaffUser) -> bool:
    """A thumbs-up from another advisor, or taking it back. Returns whether it is now up."""
    if version.created_by_id == actor.id:
        raise StudioError("own_question")
    if version.status not in (VersionStatus.DRAFT, VersionStatus.PROPOSED):
        raise StudioError("not_open_for_votes")
    vote = db_session.get(QuestionVote, (version.id, actor.id))
    if vote is None:
        db_session.add(QuestionVote(version_id=version.id, voter_id=actor.id))
    else:
        db_session.delete(vote)
    record_event(
        db_session,
        "question.voted" if vote is None else "question.unvoted",
        actor_id=actor.id,
        target_type="question_version",
        target_id=version.id,
    )
    return vote is None


# --- differences between versions -------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    field: str  # e.g. "format", "domains", "child_4_7 en_GB wording", "option 2 child_4_7"
    before: str
    after: str

    @property
    def words(self) -> list[tuple[str, str]]:
        """The change word by word: ("same"|"removed"|"added", text) pieces."""
        old, new = self.before.split(), self.after.split()
        pieces: list[tuple[str, str]] = []
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                pieces.append(("same", " ".join(old[a1:a2])))
                continue
            if a2 > a1:
                pieces.append(("removed", " ".join(old[a1:a2])))
            if b2 > b1:
                pieces.append(("added", " ".join(new[b1:b2])))
        return pieces


def snapshot(version: QuestionVersion) -> dict[str, str]:
    """A flat, comparable picture of everything a version says."""
    flat = {
        "format": version.format.value,
        "domains": ", ".join(d.key for d in version.domains),
    }
    for text in sorted(version.texts, key=lambda t: (list(Audience).index(t.audience), t.language)):
        flat[f"{text.audience.value} {text.language} wording"] = text.wording
        if text.help_text:
            flat[f"{text.audience.value} {text.language} help"] = help_text_as_plain(text.help_text)
    for option in version.options:
        for label in sorted(option.labels, key=lambda lb: (lb.audience.value, lb.language)):
            flat[f"option {option.key} {label.audience.value} {label.language}"] = label.label
    return flat


def diff_snapshots(before: Mapping[str, str], after: Mapping[str, str]) -> list[DiffLine]:
    keys = list(before) + [k for k in after if k not in before]
    return [
        DiffLine(key, before.get(key, ""), after.get(key, ""))
        for key in keys
        if before.get(key, "") != after.get(key, "")
    ]


def diff_versions(old: QuestionVersion, new: QuestionVersion) -> list[DiffLine]:
    return diff_snapshots(snapshot(old), snapshot(new))

"""What a participant page shows: question wording, choices and friendly messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from voice_app.answer_formats import DONT_KNOW, YES_MAYBE_NO, face_values
from voice_app.audio import CODECS
from voice_app.coverage import text_fingerprint
from voice_app.journey import JourneyStep, stored_value
from voice_app.languages import SOURCE_LANGUAGE
from voice_app.models import (
    AnswerFormat,
    Audience,
    AudioClip,
    OutcomeDomain,
    OutcomeDomainText,
    QuestionOption,
    QuestionOptionLabel,
    QuestionText,
)

ANSWER_ERRORS = {
    "missing": _l("Choose an answer, or press Skip."),
    "missing_many": _l("Choose at least one picture, or press Skip."),
    "missing_top": _l("Choose what matters most to you, or press Skip."),
    "duplicate_top": _l("Choose a different card for each place."),
    "gap_top": _l("Fill the places in order, starting with the first."),
    "too_long": _l("Your answer is too long. Use 1000 characters or fewer."),
    "invalid": _l("Choose one of the answers shown."),
}
JOURNEY_ERRORS = {
    "code_format": _l("The code is 6 letters and numbers. Check it and try again."),
    "code_unknown": _l("We cannot find that code. Check it with the grown-up and try again."),
    "session_closed": _l("That session has finished. Ask the grown-up for a new code."),
}
FACE_LABELS = {
    "1": _l("Very sad"),
    "2": _l("Sad"),
    "3": _l("In between"),
    "4": _l("Happy"),
    "5": _l("Very happy"),
}
THREE_FACE_LABELS = {"1": _l("Sad"), "3": _l("In between"), "5": _l("Happy")}
YES_MAYBE_NO_LABELS = {"yes": _l("Yes"), "maybe": _l("Maybe"), "no": _l("No")}
DONT_KNOW_LABEL = _l("I don't know")


@dataclass(frozen=True)
class AudienceCard:
    value: str
    picture: str
    label: Any


AUDIENCE_CARDS = {
    Audience.CHILD_4_7: AudienceCard(
        "child_4_7", "img/audiences/child_4_7.svg", _l("A child aged 4 to 7")
    ),
    Audience.CHILD_8_12: AudienceCard(
        "child_8_12", "img/audiences/child_8_12.svg", _l("A child aged 8 to 12")
    ),
    Audience.YOUNG_13_17: AudienceCard(
        "young_13_17", "img/audiences/young_13_17.svg", _l("A young person aged 13 to 17")
    ),
    Audience.PARENT_CARER: AudienceCard(
        "parent_carer", "img/audiences/parent_carer.svg", _l("A parent or carer")
    ),
}


@dataclass(frozen=True)
class ChoiceView:
    value: str
    label: Any
    picture: str | None
    lang: str | None = None  # set when the label is in another language than the page


@dataclass(frozen=True)
class AudioSource:
    clip_id: int
    mime_type: str


@dataclass(frozen=True)
class ListenSource:
    """What the Listen button reads: recorded audio if fresh, else this text by device voice."""

    lang: str  # BCP 47 tag of the listening language
    text: str  # set only when listening in another language than reading
    recordings: tuple[AudioSource, ...] = ()
    is_placeholder: bool = False  # synthetic development audio: labelled as such


@dataclass(frozen=True)
class QuestionPage:
    step: JourneyStep
    wording: str
    help_text: str
    text_lang: str
    choices: list[ChoiceView] = field(default_factory=list)
    option_keys: tuple[str, ...] = ()
    domain_keys: tuple[str, ...] = ()
    listen: ListenSource | None = None

    @property
    def format(self) -> str:
        return self.step.format.value

    def previous_value(self, db_session: Session, participant_id: str) -> Any:
        return stored_value(db_session, participant_id, self.step.version_id)


def _pick_text(items: list[Any], audience: Audience, language: str) -> Any | None:
    """The text for this audience in the page's language, else in English."""
    by_language = {item.language: item for item in items if item.audience == audience}
    return by_language.get(language) or by_language.get(SOURCE_LANGUAGE)


def load_question(
    db_session: Session,
    step: JourneyStep,
    audience: Audience,
    language: str,
    framework_id: int,
    listen_language: str | None = None,
) -> QuestionPage:
    # Only the rows this page can show: this audience, in the reading, listening and
    # source languages (a version holds every audience in every language).
    languages = {language, listen_language or language, SOURCE_LANGUAGE}
    texts = db_session.execute(
        select(
            QuestionText.id,
            QuestionText.audience,
            QuestionText.language,
            QuestionText.wording,
            QuestionText.help_text,
        ).where(
            QuestionText.version_id == step.version_id,
            QuestionText.audience == audience,
            QuestionText.language.in_(languages),
        )
    ).all()
    text = _pick_text(texts, audience, language)
    wording = text.wording if text else ""
    help_text = text.help_text if text else ""
    text_lang = (text.language if text else SOURCE_LANGUAGE).replace("_", "-")
    choices: list[ChoiceView] = []
    option_keys: tuple[str, ...] = ()
    domain_keys: tuple[str, ...] = ()
    if step.format is AnswerFormat.FACES:
        labels = THREE_FACE_LABELS if audience is Audience.CHILD_4_7 else FACE_LABELS
        choices = [
            ChoiceView(v, labels[v], f"img/faces/face_{v}.svg") for v in face_values(audience)
        ]
        if audience is Audience.CHILD_4_7:
            choices.append(ChoiceView(DONT_KNOW, DONT_KNOW_LABEL, None))
    elif step.format is AnswerFormat.YES_MAYBE_NO:
        choices = [
            ChoiceView(v, YES_MAYBE_NO_LABELS[v], f"img/answers/{v}.svg") for v in YES_MAYBE_NO
        ]
    elif step.format in (AnswerFormat.CHOOSE_ONE, AnswerFormat.CHOOSE_MANY):
        options = _options_with_labels(db_session, step.version_id, audience, languages)
        for option, option_labels in options:
            label = _pick_text(option_labels, audience, language)
            choices.append(
                ChoiceView(
                    option.key,
                    label.label if label else option.key,
                    f"img/options/{option.picture}" if option.picture else None,
                    None
                    if not label or label.language == language
                    else label.language.replace("_", "-"),
                )
            )
        option_keys = tuple(option.key for option, _labels in options)
    elif step.format is AnswerFormat.TOP_THREE:
        domains = _domains_with_names(db_session, framework_id, languages)
        for domain, names in domains:
            name = names.get(language) or names.get(SOURCE_LANGUAGE)
            choices.append(
                ChoiceView(
                    domain.key,
                    name.name if name else domain.key,
                    f"img/domains/{domain.picture}",
                    None
                    if not name or name.language == language
                    else name.language.replace("_", "-"),
                )
            )
        domain_keys = tuple(domain.key for domain, _names in domains)
    listen = _listen_source(db_session, texts, audience, listen_language or language, language)
    return QuestionPage(
        step, wording, help_text, text_lang, choices, option_keys, domain_keys, listen
    )


def _options_with_labels(
    db_session: Session, version_id: int, audience: Audience, languages: set[str]
) -> list[tuple[Any, list[Any]]]:
    """A version's options in order, each with its labels in these languages (one query)."""
    rows = db_session.execute(
        select(
            QuestionOption.id,
            QuestionOption.key,
            QuestionOption.picture,
            QuestionOptionLabel.audience,
            QuestionOptionLabel.language,
            QuestionOptionLabel.label,
        )
        .outerjoin(
            QuestionOptionLabel,
            and_(
                QuestionOptionLabel.option_id == QuestionOption.id,
                QuestionOptionLabel.audience == audience,
                QuestionOptionLabel.language.in_(languages),
            ),
        )
        .where(QuestionOption.version_id == version_id)
        .order_by(QuestionOption.position, QuestionOption.id)
    ).all()
    options: dict[int, tuple[Any, list[Any]]] = {}
    for row in rows:
        _option, labels = options.setdefault(row.id, (row, []))
        if row.language is not None:
            labels.append(row)
    return list(options.values())


def _domains_with_names(
    db_session: Session, framework_id: int, languages: set[str]
) -> list[tuple[Any, dict[str, Any]]]:
    """A framework's domains in order, each with its names in these languages (one query)."""
    rows = db_session.execute(
        select(
            OutcomeDomain.id,
            OutcomeDomain.key,
            OutcomeDomain.picture,
            OutcomeDomainText.language,
            OutcomeDomainText.name,
        )
        .outerjoin(
            OutcomeDomainText,
            and_(
                OutcomeDomainText.domain_id == OutcomeDomain.id,
                OutcomeDomainText.language.in_(languages),
            ),
        )
        .where(OutcomeDomain.framework_id == framework_id)
        .order_by(OutcomeDomain.position, OutcomeDomain.id)
    ).all()
    domains: dict[int, tuple[Any, dict[str, Any]]] = {}
    for row in rows:
        _domain, names = domains.setdefault(row.id, (row, {}))
        if row.language is not None:
            names[row.language] = row
    return list(domains.values())


def _listen_source(
    db_session: Session,
    texts: list[Any],
    audience: Audience,
    listen_language: str,
    read_language: str,
) -> ListenSource:
    text = next(
        (t for t in texts if t.audience == audience and t.language == listen_language),
        None,
    )
    tag = listen_language.replace("_", "-")
    if text is None:
        # Nothing written in that language: listen in the reading language instead.
        return ListenSource(lang=read_language.replace("_", "-"), text="")
    fingerprint = text_fingerprint(text.wording, text.help_text)
    clips = db_session.execute(
        select(AudioClip.id, AudioClip.codec, AudioClip.is_placeholder).where(
            AudioClip.question_text_id == text.id, AudioClip.text_sha256 == fingerprint
        )
    ).all()
    human = [row for row in clips if not row.is_placeholder]
    chosen = human or clips  # a person's recording always wins over a placeholder
    order = {"opus": 0, "aac": 1}
    recordings = tuple(
        AudioSource(row.id, CODECS[row.codec][2])
        for row in sorted(chosen, key=lambda row: order.get(row.codec, 9))
    )
    spoken = "" if listen_language == read_language else f"{text.wording} {text.help_text}"
    return ListenSource(
        lang=tag,
        text=spoken.strip(),
        recordings=recordings,
        is_placeholder=bool(recordings) and not human,
    )

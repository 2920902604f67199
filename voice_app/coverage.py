"""How complete each language is: content translated and reviewed, audio recorded.

A language can be offered in a session only when every text of that session's flow is
translated (``flow_fully_translated``). No Flask imports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voice_app.languages import SOURCE_LANGUAGE
from voice_app.models import (
    AudioClip,
    Flow,
    FlowItem,
    FlowStatus,
    OutcomeDomain,
    OutcomeDomainText,
    QuestionOption,
    QuestionOptionLabel,
    QuestionText,
    QuestionVersion,
    ReviewState,
)


def text_fingerprint(wording: str, help_text: str) -> str:
    """What recorded audio was made from; audio goes stale when this changes."""
    return hashlib.sha256(f"{wording}\n{help_text}".encode()).hexdigest()


@dataclass(frozen=True)
class LanguageCoverage:
    language: str
    texts: int  # texts the published flows need in every language
    translated: int
    reviewed: int
    question_texts: int
    with_human_audio: int
    stale_audio: int

    @staticmethod
    def _percent(part: int, whole: int) -> float:
        return round(100 * part / whole, 1) if whole else 100.0

    @property
    def translated_percent(self) -> float:
        return self._percent(self.translated, self.texts)

    @property
    def reviewed_percent(self) -> float:
        return self._percent(self.reviewed, self.texts)

    @property
    def human_audio_percent(self) -> float:
        return self._percent(self.with_human_audio, self.question_texts)


@dataclass(frozen=True)
class CatalogueCoverage:
    language: str
    messages: int
    translated: int
    fuzzy: int
    review_state: str
    reviewed_by: str

    @property
    def translated_percent(self) -> float:
        return round(100 * self.translated / self.messages, 1) if self.messages else 100.0

    @property
    def complete(self) -> bool:
        return self.translated == self.messages and self.fuzzy == 0


def _needed_texts(db_session: Session, flow_ids: list[int] | None) -> list[tuple[str, ...]]:
    """Keys of every source text the flows show: questions, options and domain names."""
    query = (
        select(FlowItem)
        .join(Flow, Flow.id == FlowItem.flow_id)
        .where(Flow.status == FlowStatus.PUBLISHED)
    )
    if flow_ids is not None:
        query = query.where(Flow.id.in_(flow_ids))
    items = db_session.scalars(query).all()
    pairs = {(item.version_id, item.audience) for item in items}
    version_ids = {version_id for version_id, _ in pairs}
    framework_ids = set(
        db_session.scalars(select(Flow.framework_id).where(Flow.id.in_({i.flow_id for i in items})))
    )
    versions = db_session.scalars(
        select(QuestionVersion)
        .options(selectinload(QuestionVersion.options).selectinload(QuestionOption.labels))
        .where(QuestionVersion.id.in_(version_ids))
    ).all()
    needed: list[tuple[str, ...]] = []
    for version in versions:
        for option in version.options:
            for label in option.labels:
                if label.language == SOURCE_LANGUAGE and (version.id, label.audience) in pairs:
                    needed.append(("option", str(option.id), label.audience.value))
    needed.extend(("question", str(v), a.value) for v, a in sorted(pairs))
    for domain_id in db_session.scalars(
        select(OutcomeDomain.id).where(OutcomeDomain.framework_id.in_(framework_ids))
    ):
        needed.append(("domain", str(domain_id), ""))
    return needed


def content_coverage(
    db_session: Session, language: str, flow_ids: list[int] | None = None
) -> LanguageCoverage:
    needed = _needed_texts(db_session, flow_ids)
    question_keys = {(k[1], k[2]) for k in needed if k[0] == "question"}
    option_keys = {(k[1], k[2]) for k in needed if k[0] == "option"}
    domain_keys = {k[1] for k in needed if k[0] == "domain"}

    found: dict[tuple[str, ...], ReviewState] = {}
    texts = db_session.scalars(
        select(QuestionText).where(
            QuestionText.language == language,
            QuestionText.version_id.in_({int(v) for v, _ in question_keys}),
        )
    ).all()
    for text in texts:
        key = (str(text.version_id), text.audience.value)
        if key in question_keys and text.wording.strip():
            found[("question", *key)] = text.review_state
    for label in db_session.scalars(
        select(QuestionOptionLabel).where(
            QuestionOptionLabel.language == language,
            QuestionOptionLabel.option_id.in_({int(o) for o, _ in option_keys}),
        )
    ):
        key = (str(label.option_id), label.audience.value)
        if key in option_keys and label.label.strip():
            found[("option", *key)] = label.review_state
    for name in db_session.scalars(
        select(OutcomeDomainText).where(
            OutcomeDomainText.language == language,
            OutcomeDomainText.domain_id.in_({int(d) for d in domain_keys}),
        )
    ):
        if name.name.strip():
            found[("domain", str(name.domain_id), "")] = name.review_state

    clips = db_session.execute(
        select(AudioClip.question_text_id, AudioClip.text_sha256, AudioClip.is_placeholder).where(
            AudioClip.question_text_id.in_([t.id for t in texts])
        )
    ).all()
    by_text = {t.id: t for t in texts}
    human, stale = set(), set()
    for text_id, fingerprint, is_placeholder in clips:
        text = by_text[text_id]
        if fingerprint != text_fingerprint(text.wording, text.help_text):
            stale.add(text_id)
        elif not is_placeholder:
            human.add(text_id)
    return LanguageCoverage(
        language=language,
        texts=len(needed),
        translated=len(found),
        reviewed=sum(1 for state in found.values() if state is ReviewState.REVIEWED),
        question_texts=len(question_keys),
        with_human_audio=len(human - stale),
        stale_audio=len(stale),
    )


def flow_fully_translated(db_session: Session, flow_id: int, language: str) -> bool:
    if language == SOURCE_LANGUAGE:
        return True
    coverage = content_coverage(db_session, language, [flow_id])
    return coverage.translated == coverage.texts


def catalogue_coverage(po_path: Path, language: str) -> CatalogueCoverage:
    """How complete one interface catalogue is.

    Parsed once per process for each version of the file (its inode, size and time):
    every app a process creates asks for all twelve at start-up, and parsing them is
    most of the start-up's time. An edited or replaced file is read afresh.
    """
    stat = po_path.stat()
    return _read_catalogue_coverage(
        str(po_path.resolve()), language, (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    )


@lru_cache(maxsize=128)
def _read_catalogue_coverage(
    po_path: str, language: str, _version: tuple[int, int, int]
) -> CatalogueCoverage:
    with Path(po_path).open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    messages = [m for m in catalogue if m.id]
    translated = sum(
        1
        for m in messages
        if (all(m.string) if isinstance(m.string, tuple) else bool(m.string)) and not m.fuzzy
    )
    headers = po_headers(Path(po_path))
    return CatalogueCoverage(
        language=language,
        messages=len(messages),
        translated=translated,
        fuzzy=sum(1 for m in messages if m.fuzzy),
        review_state=headers.get("X-Review-State", ReviewState.DRAFTED.value),
        reviewed_by=headers.get("X-Reviewed-By", ""),
    )


def po_headers(po_path: Path) -> dict[str, str]:
    """Every header of a .po file, our own X- ones included (Babel keeps only known ones)."""
    headers: dict[str, str] = {}
    in_header = False
    for line in po_path.read_text(encoding="utf-8").splitlines():
        if line.startswith('msgid ""'):
            in_header = True
            continue
        if in_header and not line.strip():
            break
        if in_header and line.startswith('"') and ":" in line:
            key, _, value = line.strip('"').replace("\\n", "").partition(":")
            headers[key.strip()] = value.strip()
    return headers

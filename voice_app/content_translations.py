"""Question content in other languages, kept as data files and loaded into the database.

``translations/content/<language>.json`` holds the starter content's translations:
domain names, each question's wording and help per audience, and option labels, with
who reviewed them (if anyone). Advisors edit content at run time in the database; these
files only seed it. No Flask imports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voice_app.models import (
    Audience,
    OutcomeDomain,
    OutcomeDomainText,
    OutcomeFramework,
    Question,
    QuestionOption,
    QuestionOptionLabel,
    QuestionText,
    QuestionVersion,
    ReviewState,
    utcnow,
)

CONTENT_DIR = Path(__file__).resolve().parent.parent / "translations" / "content"


@dataclass(frozen=True)
class ContentFile:
    language: str
    review_state: ReviewState
    reviewed_by: str
    reviewed_at: datetime | None
    data: dict[str, Any]


def read_content_file(path: Path) -> ContentFile:
    data = json.loads(path.read_text(encoding="utf-8"))
    review = data.get("review") or {}
    reviewed_at = review.get("reviewed_at")
    return ContentFile(
        language=data["language"],
        review_state=ReviewState(review.get("state", ReviewState.DRAFTED.value)),
        reviewed_by=review.get("reviewed_by", ""),
        reviewed_at=datetime.fromisoformat(reviewed_at) if reviewed_at else None,
        data=data,
    )


def available_content_files(directory: Path = CONTENT_DIR) -> list[Path]:
    return sorted(directory.glob("*.json"))


def load_content_translation(
    db_session: Session, content: ContentFile, framework: OutcomeFramework
) -> int:
    """Add the file's texts where the database has none for that language yet.

    Returns how many texts were added. Texts already in the database (perhaps edited
    by advisors since) are left alone.
    """
    added = 0
    language = content.language
    reviewed = content.review_state is ReviewState.REVIEWED
    review_fields = {
        "review_state": content.review_state,
        "reviewed_at": (content.reviewed_at or utcnow()) if reviewed else None,
        "reviewed_by": content.reviewed_by if reviewed else "",
    }
    domains = {
        d.key: d
        for d in db_session.scalars(
            select(OutcomeDomain)
            .options(selectinload(OutcomeDomain.texts))
            .where(OutcomeDomain.framework_id == framework.id)
        )
    }
    for key, entry in content.data.get("domains", {}).items():
        domain = domains.get(key)
        if domain is None or any(t.language == language for t in domain.texts):
            continue
        domain.texts.append(
            OutcomeDomainText(
                language=language,
                name=entry["name"],
                description=entry.get("description", ""),
                **review_fields,
            )
        )
        added += 1

    # Every question with its texts and labels in four queries, not a few per question.
    entries: dict[str, Any] = content.data.get("questions", {})
    versions = selectinload(Question.versions)
    questions = {
        q.key: q
        for q in db_session.scalars(
            select(Question)
            .where(Question.key.in_(list(entries)))
            .options(
                versions.selectinload(QuestionVersion.texts),
                versions.selectinload(QuestionVersion.options).selectinload(QuestionOption.labels),
            )
        )
    }
    for key, entry in entries.items():
        question = questions.get(key)
        if question is None or not question.versions:
            continue
        version: QuestionVersion = question.versions[0]
        existing = {(t.audience, t.language) for t in version.texts}
        for audience_value, wording in entry.get("wording", {}).items():
            audience = Audience(audience_value)
            if (audience, language) in existing:
                continue
            version.texts.append(
                QuestionText(
                    audience=audience,
                    language=language,
                    wording=wording,
                    help_text=entry.get("help_text", {}).get(audience_value, ""),
                    **review_fields,
                )
            )
            added += 1
        options: dict[str, QuestionOption] = {o.key: o for o in version.options}
        for option_key, labels in entry.get("options", {}).items():
            option = options.get(option_key)
            if option is None:
                continue
            have = {(label.audience, label.language) for label in option.labels}
            for audience_value, label in labels.items():
                audience = Audience(audience_value)
                if (audience, language) in have:
                    continue
                option.labels.append(
                    QuestionOptionLabel(
                        audience=audience,
                        language=language,
                        label=label,
                        **review_fields,
                    )
                )
                added += 1
    db_session.flush()
    return added

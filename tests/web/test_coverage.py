"""The translation and audio coverage report, against a fixture with known gaps.

French is used because no content file ships for it, so the fixture alone sets its gaps.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.support.participants import load_demo
from voice_app import starter_content as starter
from voice_app.coverage import content_coverage, flow_fully_translated, text_fingerprint
from voice_app.extensions import db
from voice_app.models import (
    AudioClip,
    Flow,
    OutcomeDomain,
    OutcomeDomainText,
    QuestionText,
    QuestionVersion,
    ReviewState,
)


def expected_total() -> int:
    questions = {q.key: q for q in starter.QUESTIONS}
    total = len(starter.DOMAINS)
    for audience, keys in starter.FLOWS.items():
        for key in keys:
            total += 1 + sum(1 for o in questions[key].options if audience in o.labels)
    return total


def add_text(version: QuestionVersion, audience, wording: str, state: ReviewState) -> QuestionText:
    text = QuestionText(
        audience=audience,
        language="fr",
        wording=wording,
        help_text="",
        review_state=state,
        reviewed_by="Ola" if state is ReviewState.REVIEWED else "",
    )
    version.texts.append(text)
    return text


def clip(text: QuestionText, *, placeholder: bool, stale: bool = False) -> AudioClip:
    fingerprint = text_fingerprint("old words" if stale else text.wording, text.help_text)
    return AudioClip(
        question_text_id=text.id,
        codec="opus",
        text_sha256=fingerprint,
        data=b"x",
        duration_ms=1000,
        is_placeholder=placeholder,
    )


def test_coverage_counts_translated_reviewed_audio_and_stale(app, runner):
    load_demo(runner)
    with app.app_context():
        english = db.session.scalars(
            select(QuestionText).where(QuestionText.language == "en_GB").order_by(QuestionText.id)
        ).all()[:4]
        made = []
        for index, source in enumerate(english):
            state = ReviewState.REVIEWED if index < 2 else ReviewState.DRAFTED
            made.append(add_text(source.version, source.audience, f"tekst {index}", state))
        domain = db.session.scalars(select(OutcomeDomain)).first()
        domain.texts.append(
            OutcomeDomainText(language="fr", name="Bezpiecznie", review_state=ReviewState.DRAFTED)
        )
        db.session.flush()
        db.session.add_all(
            [
                clip(made[0], placeholder=False),  # a person's recording: counts
                clip(made[1], placeholder=True),  # a computer voice: never counts
                clip(made[2], placeholder=False, stale=True),  # text changed since: stale
            ]
        )
        db.session.commit()

        coverage = content_coverage(db.session, "fr")
        assert coverage.texts == expected_total()
        assert coverage.translated == 5
        assert coverage.reviewed == 2
        assert coverage.question_texts == sum(len(keys) for keys in starter.FLOWS.values())
        assert coverage.with_human_audio == 1
        assert coverage.stale_audio == 1
        assert coverage.translated_percent == round(100 * 5 / expected_total(), 1)
        flow_id = db.session.scalar(select(Flow.id))
        assert not flow_fully_translated(db.session, flow_id, "fr")
        assert flow_fully_translated(db.session, flow_id, "en_GB")

        english_coverage = content_coverage(db.session, "en_GB")
        assert english_coverage.translated == english_coverage.texts
        assert english_coverage.reviewed_percent == 100.0


def test_coverage_command_prints_every_language(app, runner):
    load_demo(runner)
    result = runner.invoke(args=["coverage", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["language"]: row for row in json.loads(result.output)}
    assert set(rows) >= {"en_GB", "pl", "ar", "ur", "ps", "so"}
    assert rows["en_GB"]["content_translated_percent"] == 100.0


def test_researchers_and_facilitators_see_which_languages_are_drafted(login_as, runner):
    from voice_app.models import Role

    load_demo(runner)
    client = login_as(Role.RESEARCHER)
    page = client.get("/research/languages").get_data(as_text=True)
    assert "Languages and audio" in page
    assert 'lang="ar" dir="rtl"' in page and "العربية" in page
    assert "Drafted only" in page or "Not started" in page
    assert "Source text" in page


def test_advisors_cannot_see_the_language_report(login_as):
    from voice_app.models import Role

    assert login_as(Role.ADVISOR).get("/research/languages").status_code == 403

"""Drive the co-design studio through the test client: draft, review, publish."""

from __future__ import annotations

import io
import math
import re
import struct
import wave
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.support.forms import csrf_token
from tests.support.staff import log_in, make_staff
from voice_app.extensions import db
from voice_app.models import (
    Area,
    AudioClip,
    AuditEvent,
    Flow,
    FlowItem,
    GroupSession,
    OutcomeDomain,
    Question,
    QuestionComment,
    QuestionOptionLabel,
    QuestionText,
    QuestionVersion,
    QuestionVersionDomain,
    QuestionVersionEvent,
    QuestionVote,
    Role,
    SessionStatus,
)
from voice_app.session_codes import new_session_code

_VERSION_URL = re.compile(r"/studio/versions/(\d+)")


def staff_client(app: Flask, username: str, *roles: Role) -> FlaskClient:
    """A browser of its own, signed in as a new member of staff."""
    make_staff(app, username, *roles)
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def domain_ids(app: Flask, *keys: str) -> list[int]:
    with app.app_context():
        found = {
            d.key: d.id
            for d in db.session.scalars(select(OutcomeDomain).where(OutcomeDomain.key.in_(keys)))
        }
    return [found[k] for k in keys]


def post_form(
    client: FlaskClient, form_url: str, data: dict[str, object], action: str | None = None, **kw
) -> TestResponse:
    """GET the page with the form, then POST to ``action`` (default: the same URL)."""
    page = client.get(form_url)
    assert page.status_code == 200, (form_url, page.status_code)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(action or form_url, data={"csrf_token": token, **data}, **kw)


def version_action(
    client: FlaskClient, version_id: int, action: str, data: dict[str, object] | None = None
) -> TestResponse:
    """Press a button on a version's page (propose, approve, send-back, vote, ...)."""
    return post_form(
        client,
        f"/studio/versions/{version_id}",
        data or {},
        action=f"/studio/versions/{version_id}/{action}",
    )


def draft_question(client: FlaskClient, data: dict[str, object]) -> int:
    response = post_form(client, "/studio/questions/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(_VERSION_URL.search(response.headers["Location"]).group(1))


def wav_tone(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    """A short sine tone as a WAV file: a stand-in for an advisor's recording."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
            for n in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()


def text_id_for(app: Flask, version_id: int, audience: str, language: str = "en_GB") -> int:
    """The id of one of a version's texts (what the audio page is addressed by)."""
    with app.app_context():
        found = db.session.scalar(
            select(QuestionText.id).where(
                QuestionText.version_id == version_id,
                QuestionText.audience == audience,
                QuestionText.language == language,
            )
        )
    assert found is not None, (version_id, audience, language)
    return found


def approve_through_review(advisor: FlaskClient, researcher: FlaskClient, version_id: int) -> None:
    """An advisor proposes the draft and a researcher approves it."""
    assert version_action(advisor, version_id, "propose").status_code == 302
    assert version_action(researcher, version_id, "approve").status_code == 302


def publish_flow_with(researcher: FlaskClient, name: str, items: Sequence[tuple[str, int]]) -> int:
    """Create a flow, add (audience, version id) items in order, publish it; its id."""
    created = post_form(researcher, "/studio/flows", {"name": name})
    assert created.status_code == 302, created.get_data(as_text=True)
    flow_url = created.headers["Location"]
    for audience, version_id in items:
        added = post_form(
            researcher,
            flow_url,
            {"audience": audience, "version_id": version_id},
            action=f"{flow_url}/items",
        )
        assert added.status_code == 302
    assert post_form(researcher, flow_url, {}, action=f"{flow_url}/publish").status_code == 302
    return int(flow_url.rsplit("/", 1)[1])


def open_session_with(
    app: Flask, flow_id: int, audiences: Sequence[str], languages: Sequence[str] = ("en_GB",)
) -> str:
    """An open group session running the flow; returns its join code."""
    with app.app_context():
        code = new_session_code()
        db.session.add(
            GroupSession(
                code=code,
                area=db.session.scalars(select(Area)).first(),
                flow_id=flow_id,
                status=SessionStatus.OPEN,
                languages=list(languages),
                audiences=list(audiences),
            )
        )
        db.session.commit()
    return code


def studio_snapshot(app: Flask) -> dict[str, object]:
    """Everything the studio can change, in a comparable form (to prove nothing changed)."""

    def rows(*columns: object) -> list[tuple[object, ...]]:
        return [tuple(row) for row in db.session.execute(select(*columns).order_by(*columns))]

    with app.app_context():
        return {
            "question": rows(Question.id, Question.key),
            "question_version": rows(
                QuestionVersion.id, QuestionVersion.status, QuestionVersion.based_on_id
            ),
            "question_text": rows(
                QuestionText.id,
                QuestionText.version_id,
                QuestionText.audience,
                QuestionText.language,
                QuestionText.wording,
                QuestionText.help_text,
                QuestionText.review_state,
            ),
            "question_option_label": rows(QuestionOptionLabel.id, QuestionOptionLabel.label),
            "question_version_domain": rows(
                QuestionVersionDomain.version_id, QuestionVersionDomain.domain_id
            ),
            "flow": rows(Flow.id, Flow.name, Flow.status),
            "flow_item": rows(
                FlowItem.id,
                FlowItem.flow_id,
                FlowItem.audience,
                FlowItem.position,
                FlowItem.version_id,
            ),
            "audio_clip": rows(AudioClip.id, AudioClip.question_text_id, AudioClip.codec),
            "question_comment": rows(QuestionComment.id, QuestionComment.body),
            "question_vote": rows(QuestionVote.version_id, QuestionVote.voter_id),
            "question_version_event": rows(QuestionVersionEvent.id),
            "audit_event": db.session.scalar(select(func.count()).select_from(AuditEvent)),
        }


# --- a studio full of content, for page-by-page checks ----------------------------------

STUDIO_ADVISOR = "ben"  # signs in to the browser: not the author, so may vote
STUDIO_RESEARCHER = "rosa"


def load_outcome_framework(app: Flask) -> None:
    """Only the outcome framework and its domains (what `flask demo` loads first)."""
    from voice_app.demo import load_framework

    with app.app_context():
        load_framework(db.session)
        db.session.commit()


def version_status(app: Flask, version_id: int) -> str:
    with app.app_context():
        return db.session.get(QuestionVersion, version_id).status.value


@dataclass
class StudioContent:
    """Ids of questions in every state a studio page can show."""

    draft: int  # choose-one, two groups, help text, options, an Arabic translation
    proposed: int
    sent_back: int
    approved: int  # can be changed (new version) or retired
    approved_other: int  # a second approved question, for flows
    second_version: int  # version 2 of a question: comments, votes, history, a diff
    text_without_audio: int
    text_with_audio: int
    flow_draft: int = 0
    flow_published: int = 0


def _yes_maybe_no(domain: int, wording: str, **extra: object) -> dict[str, object]:
    return {
        "format": "yes_maybe_no",
        "domains": [str(domain)],
        "child_8_12-wording": wording,
        **extra,
    }


def build_studio(app: Flask) -> StudioContent:
    """Questions by an advisor (amira) in every state, reviewed by a researcher (rosa).

    Everything goes through the studio's own pages. Also makes the advisor ``ben``, who
    comments and gives a thumbs-up, for a browser to sign in as.
    """
    load_outcome_framework(app)
    author = staff_client(app, "amira", Role.ADVISOR)
    second = staff_client(app, STUDIO_ADVISOR, Role.ADVISOR)
    researcher = staff_client(app, STUDIO_RESEARCHER, Role.RESEARCHER)
    safe, home = domain_ids(app, "feeling_safe", "stable_home")

    draft = draft_question(
        author,
        {
            "format": "choose_one",
            "domains": [str(safe), str(home)],
            "child_8_12-wording": "Who do you talk to when you feel worried?",
            "child_8_12-help_text": "Pick <strong>one</strong>.",
            "young_13_17-wording": "Who would you talk to if something worried you?",
            "young_13_17-help_text": "Think about the last few months.",
            "option-1-child_8_12": "My mum or dad",
            "option-1-young_13_17": "A parent or carer",
            "option-2-child_8_12": "My teacher",
            "option-2-young_13_17": "Someone at school or college",
            "option-3-child_8_12": "A friend",
            "option-3-young_13_17": "A friend",
        },
    )
    translated = post_form(
        author,
        f"/studio/versions/{draft}/translate/ar",
        {
            "child_8_12-wording": "مع من تتحدث عندما تشعر بالقلق؟",
            "young_13_17-wording": "مع من ستتحدث إذا أقلقك شيء ما؟",
            "option-1-child_8_12": "أمي أو أبي",
            "option-2-child_8_12": "معلمي",
            "option-3-child_8_12": "صديق",
        },
    )
    assert translated.status_code == 302, translated.get_data(as_text=True)
    text_with_audio = text_id_for(app, draft, "young_13_17")
    saved = post_form(
        author,
        f"/studio/texts/{text_with_audio}/audio",
        {"audio": (io.BytesIO(wav_tone(0.5)), "recording.wav")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)

    proposed = draft_question(author, _yes_maybe_no(safe, "Do you feel safe at school?"))
    assert version_action(author, proposed, "propose").status_code == 302

    sent_back = draft_question(author, _yes_maybe_no(safe, "Do you feel you are kept safe?"))
    assert version_action(author, sent_back, "propose").status_code == 302
    reason = {"reason": "Say who keeps you safe."}
    assert version_action(researcher, sent_back, "send-back", reason).status_code == 302

    approved, approved_other, first = (
        draft_question(author, _yes_maybe_no(safe, wording))
        for wording in (
            "Do you feel safe at home?",
            "Do you feel safe near where you live?",
            "Do adults listen to you?",
        )
    )
    for version_id in (approved, approved_other, first):
        approve_through_review(author, researcher, version_id)
    started = version_action(author, first, "new-version")
    assert started.status_code == 302, started.get_data(as_text=True)
    second_version = int(_VERSION_URL.search(started.headers["Location"]).group(1))
    parents = {"parent_carer-wording": "Do the adults around your child listen to them?"}
    edited = post_form(
        author,
        f"/studio/versions/{second_version}/edit",
        _yes_maybe_no(safe, "Do grown-ups listen to you?", **parents),
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)
    version_action(second, second_version, "comments", {"body": "Kids say grown-ups. Nice!"})
    version_action(researcher, second_version, "comments", {"body": "Good change."})
    assert version_action(second, second_version, "vote").status_code == 302
    assert [
        version_status(app, v) for v in (draft, proposed, sent_back, approved, second_version)
    ] == ["draft", "proposed", "draft", "approved", "draft"]
    return StudioContent(
        draft=draft,
        proposed=proposed,
        sent_back=sent_back,
        approved=approved,
        approved_other=approved_other,
        second_version=second_version,
        text_without_audio=text_id_for(app, draft, "child_8_12"),
        text_with_audio=text_with_audio,
    )


def build_flows(app: Flask, content: StudioContent) -> StudioContent:
    """A published flow, and a draft flow with two questions for 8-12s."""
    researcher = app.test_client()
    assert log_in(researcher, STUDIO_RESEARCHER).status_code == 302
    items = [("child_8_12", content.approved), ("child_8_12", content.approved_other)]
    content.flow_published = publish_flow_with(researcher, "Autumn pilot", items)
    created = post_form(researcher, "/studio/flows", {"name": "Spring group sessions"})
    assert created.status_code == 302, created.get_data(as_text=True)
    flow_url = created.headers["Location"]
    for audience, version_id in items:
        data = {"audience": audience, "version_id": version_id}
        added = post_form(researcher, flow_url, data, action=f"{flow_url}/items")
        assert added.status_code == 302
    content.flow_draft = int(flow_url.rsplit("/", 1)[1])
    return content

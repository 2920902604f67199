"""The co-design studio end to end: an advisor's words reach a child unchanged.

Advisor drafts a question for two groups, records it and proposes it; a second advisor
comments and gives a thumbs-up; a researcher sends it back, then approves it and
publishes a flow with it; a session uses the flow and a child answers. The answer points
at the approved version, and a later edit makes version 2 without touching version 1.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from tests.support.participants import join_and_start, load_demo, question_form
from tests.support.studio import (
    domain_ids,
    draft_question,
    post_form,
    staff_client,
    version_action,
    wav_tone,
)
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    Area,
    AudioClip,
    AuditEvent,
    Flow,
    GroupSession,
    QuestionComment,
    QuestionText,
    QuestionVersion,
    QuestionVote,
    Role,
    SessionStatus,
    VersionStatus,
)
from voice_app.session_codes import new_session_code

WORDING_8_12 = "Do you feel safe at home?"
WORDING_13_17 = "How safe do you feel at home?"


def _open_session_with(app: Flask, flow_id: int) -> str:
    with app.app_context():
        code = new_session_code()
        db.session.add(
            GroupSession(
                code=code,
                area=db.session.scalars(select(Area)).first(),
                flow_id=flow_id,
                status=SessionStatus.OPEN,
                languages=["en_GB"],
                audiences=["child_8_12", "young_13_17"],
            )
        )
        db.session.commit()
    return code


def test_advisors_words_reach_a_child_unchanged_through_review_and_a_published_flow(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    advisor = staff_client(app, "amira", Role.ADVISOR)
    second_advisor = staff_client(app, "ben", Role.ADVISOR)
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    (safe,) = domain_ids(app, "feeling_safe")

    # 1. An advisor drafts the question for two groups.
    version_id = draft_question(
        advisor,
        {
            "format": "yes_maybe_no",
            "domains": [str(safe)],
            "child_8_12-wording": WORDING_8_12,
            "young_13_17-wording": WORDING_13_17,
            "young_13_17-help_text": "Think about <strong>the last month</strong>.",
        },
    )
    page = advisor.get(f"/studio/versions/{version_id}").get_data(as_text=True)
    assert WORDING_8_12 in page and WORDING_13_17 in page
    assert "<strong>the last month</strong>" in page  # allowed formatting survives

    # 2. ... records the 8-12 wording (an audio fixture) ...
    with app.app_context():
        text_id = db.session.scalar(
            select(QuestionText.id).where(
                QuestionText.version_id == version_id, QuestionText.audience == "child_8_12"
            )
        )
    saved = post_form(
        advisor,
        f"/studio/texts/{text_id}/audio",
        {"audio": (__import__("io").BytesIO(wav_tone()), "my-recording.wav")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    with app.app_context():
        codecs = set(
            db.session.scalars(select(AudioClip.codec).where(AudioClip.question_text_id == text_id))
        )
    assert codecs == {"opus", "aac"}
    listen = advisor.get(f"/studio/texts/{text_id}/audio").get_data(as_text=True)
    assert "/studio/audio/" in listen

    # ... and proposes it.
    assert version_action(advisor, version_id, "propose").status_code == 302

    # 3. A second advisor comments and gives a thumbs-up; the author cannot vote.
    version_action(second_advisor, version_id, "comments", {"body": "Short and clear. Nice!"})
    version_action(second_advisor, version_id, "vote")
    own_vote = version_action(advisor, version_id, "vote")
    assert own_vote.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuestionVote)) == 1
        assert db.session.scalar(select(QuestionComment.body)) == "Short and clear. Nice!"

    # 4. The researcher sends it back with a reason; it is a draft again, reason shown.
    missing_reason = version_action(researcher, version_id, "send-back", {"reason": "  "})
    assert missing_reason.status_code == 302
    with app.app_context():
        assert db.session.get(QuestionVersion, version_id).status is VersionStatus.PROPOSED
    version_action(researcher, version_id, "send-back", {"reason": "Say 'where you live'."})
    with app.app_context():
        assert db.session.get(QuestionVersion, version_id).status is VersionStatus.DRAFT
    assert "Say &#39;where you live&#39;." in advisor.get(
        f"/studio/versions/{version_id}"
    ).get_data(as_text=True)

    # The advisor proposes again and the researcher approves.
    version_action(advisor, version_id, "propose")
    version_action(researcher, version_id, "approve")
    with app.app_context():
        approved = db.session.get(QuestionVersion, version_id)
        assert approved.status is VersionStatus.APPROVED
        assert approved.number == 1

    # 5. The researcher composes a flow for both groups and publishes it.
    created = post_form(researcher, "/studio/flows", {"name": "Safe at home pilot"})
    flow_url = created.headers["Location"]
    flow_id = int(flow_url.rsplit("/", 1)[1])
    for audience in ("child_8_12", "young_13_17"):
        added = post_form(
            researcher,
            flow_url,
            {"audience": audience, "version_id": version_id},
            action=f"{flow_url}/items",
        )
        assert added.status_code == 302
    post_form(researcher, flow_url, {}, action=f"{flow_url}/publish")
    with app.app_context():
        assert db.session.get(Flow, flow_id).status.value == "published"

    # 6. A session uses the flow and a child aged 8-12 answers the question.
    code = _open_session_with(app, flow_id)
    child = app.test_client()
    join_and_start(child, code, "child_8_12")
    answer_format, token, submission = question_form(child, 1)
    assert answer_format == "yes_maybe_no"
    assert WORDING_8_12 in child.get("/q/1").get_data(as_text=True)
    answered = child.post(
        "/q/1",
        data={
            "csrf_token": token,
            "submission_id": submission,
            "action": "answer",
            "answer": "yes",
        },
    )
    assert answered.status_code == 302
    with app.app_context():
        (answer,) = db.session.scalars(select(Answer).where(Answer.version_id == version_id))
        assert answer.value == "yes"

    # 7. A later edit makes version 2; version 1 and its answer are untouched.
    started = version_action(advisor, version_id, "new-version")
    assert started.status_code == 302
    v2_id = int(started.headers["Location"].split("/")[3])
    assert v2_id != version_id
    edited = post_form(
        advisor,
        f"/studio/versions/{v2_id}/edit",
        {
            "format": "yes_maybe_no",
            "domains": [str(safe)],
            "child_8_12-wording": "Do you feel safe where you live?",
            "young_13_17-wording": WORDING_13_17,
            "young_13_17-help_text": "Think about <strong>the last month</strong>.",
        },
    )
    assert edited.status_code == 302
    with app.app_context():
        v1 = db.session.get(QuestionVersion, version_id)
        v2 = db.session.get(QuestionVersion, v2_id)
        assert (v1.number, v1.status, v2.number, v2.status) == (
            1,
            VersionStatus.APPROVED,
            2,
            VersionStatus.DRAFT,
        )
        assert {t.wording for t in v1.texts} == {WORDING_8_12, WORDING_13_17}
        assert "Do you feel safe where you live?" in {t.wording for t in v2.texts}
        assert db.session.scalar(select(Answer.version_id)) == version_id
        # The unchanged 13-17 text kept its recording-free state; the 8-12 recording was
        # copied but is now stale, so it is never played for the new words.
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "question.created",
        "question.proposed",
        "question.sent_back",
        "question.approved",
    } <= actions
    assert {"flow.published", "audio.recorded", "question.commented", "question.voted"} <= actions
    # The child's tablet plays recordings of its session's questions, never of drafts.
    with app.app_context():
        clips = {
            version: db.session.scalar(
                select(AudioClip.id)
                .join(QuestionText, QuestionText.id == AudioClip.question_text_id)
                .where(QuestionText.version_id == version, AudioClip.codec == "opus")
            )
            for version in (version_id, v2_id)
        }
    assert child.get(f"/audio/{clips[version_id]}").status_code == 200
    assert child.get(f"/audio/{clips[v2_id]}").status_code == 404
    history = advisor.get(f"/studio/versions/{v2_id}").get_data(as_text=True)
    assert "Changes from version 1" in history
    assert "<del>" in history and "<ins>" in history


def test_editing_an_approved_version_directly_is_refused(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    advisor = staff_client(app, "amira", Role.ADVISOR)
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    (safe,) = domain_ids(app, "feeling_safe")
    version_id = draft_question(
        advisor,
        {"format": "faces", "domains": [str(safe)], "child_4_7-wording": "Are you happy?"},
    )
    version_action(advisor, version_id, "propose")
    version_action(researcher, version_id, "approve")
    page = advisor.get(f"/studio/versions/{version_id}/edit")
    assert page.status_code == 302
    with app.app_context():
        assert db.session.get(QuestionVersion, version_id).texts[0].wording == "Are you happy?"

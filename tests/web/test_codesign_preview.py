"""Previews: a question, or a whole flow, exactly as a participant sees it, saving nothing."""

from __future__ import annotations

import re

import html5lib
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from tests.support.forms import csrf_token
from tests.support.participants import join_and_start, load_demo, question_form
from tests.support.studio import (
    approve_through_review,
    domain_ids,
    draft_question,
    post_form,
    staff_client,
)
from voice_app.extensions import db
from voice_app.models import Answer, Participant, Role

ENGLISH = "Do you feel safe at home?"
POLISH = "Czy czujesz się bezpiecznie w domu?"


def _document(html: str):
    return html5lib.HTMLParser(namespaceHTMLElements=False).parse(html)


def _heading(html: str) -> str:
    (h1,) = _document(html).findall(".//h1")
    return " ".join("".join(h1.itertext()).split())


def _error_texts(html: str) -> list[str]:
    """The error summary's items and the message by the question, as a reader hears them."""
    document = _document(html)
    found = []
    for element in document.iter():
        classes = (element.get("class") or "").split()
        if "fv-error-summary__list" in classes or "fv-error-message" in classes:
            found.append(" ".join("".join(element.itertext()).split()))
    return found


def _counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Answer)),
            db.session.scalar(select(func.count()).select_from(Participant)),
        )


def _question(app: Flask, advisor: FlaskClient, wording: str = ENGLISH) -> int:
    (safe,) = domain_ids(app, "feeling_safe")
    return draft_question(
        advisor,
        {"format": "yes_maybe_no", "domains": [str(safe)], "child_8_12-wording": wording},
    )


def _preview(version_id: int, **args: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/studio/versions/{version_id}/preview?{query}"


def test_preview_sets_the_language_and_direction_of_the_page_and_shows_translated_words(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    advisor = staff_client(app, "amira", Role.ADVISOR)
    version_id = _question(app, advisor)
    saved = post_form(
        advisor, f"/studio/versions/{version_id}/translate/pl", {"child_8_12-wording": POLISH}
    )
    assert saved.status_code == 302

    polish = advisor.get(_preview(version_id, audience="child_8_12", language="pl"))
    assert polish.status_code == 200
    html = polish.get_data(as_text=True)
    assert '<html lang="pl" dir="ltr">' in html
    assert _heading(html) == POLISH
    assert ENGLISH not in html

    arabic = advisor.get(_preview(version_id, audience="child_8_12", language="ar"))
    html = arabic.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert _heading(html) == ENGLISH  # not translated: the English words, marked as English
    assert re.search(r'<h1[^>]*lang="en-GB"', html)

    english = advisor.get(_preview(version_id, audience="child_8_12"))
    assert '<html lang="en-GB" dir="ltr">' in english.get_data(as_text=True)
    assert _heading(english.get_data(as_text=True)) == ENGLISH


def test_preview_on_a_phone_marks_the_page_for_the_phone_size(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    advisor = staff_client(app, "amira", Role.ADVISOR)
    version_id = _question(app, advisor)
    phone = advisor.get(_preview(version_id, size="phone")).get_data(as_text=True)
    assert re.search(r'<body class="[^"]*\bfv-preview--phone\b', phone)
    tablet = advisor.get(_preview(version_id)).get_data(as_text=True)
    assert re.search(r'<body class="[^"]*\bfv-preview--tablet\b', tablet)
    assert "fv-preview--phone" not in tablet


def test_answering_in_the_preview_stores_no_answer_and_no_participant(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    advisor = staff_client(app, "amira", Role.ADVISOR)
    version_id = _question(app, advisor)
    url = _preview(version_id, audience="child_8_12", language="en_GB", size="tablet")
    before = _counts(app)
    for action in ("answer", "skip"):
        answered = post_form(advisor, url, {"action": action, "answer": "yes"})
        assert answered.status_code == 302, answered.get_data(as_text=True)
        assert answered.headers["Location"] == url
    shown = advisor.get(url).get_data(as_text=True)
    assert "Preview only: that answer would be accepted. Nothing was saved." in shown
    assert _counts(app) == before


def test_a_missing_answer_in_the_preview_gets_the_error_a_child_would_get(
    app: Flask, runner: FlaskCliRunner
) -> None:
    code = load_demo(runner)
    # A child in the demo session presses Next without choosing on the first question.
    child = app.test_client()
    join_and_start(child, code, "child_8_12")
    answer_format, token, submission = question_form(child, 1)
    refused = child.post(
        "/q/1", data={"csrf_token": token, "submission_id": submission, "action": "answer"}
    )
    assert refused.status_code == 400
    child_errors = _error_texts(refused.get_data(as_text=True))
    assert child_errors, "the child sees an error"
    # The same question in the preview of the demo's flow.
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    flow_page = researcher.get("/studio/flows").get_data(as_text=True)
    flow_url = re.search(r'href="(/studio/flows/\d+)"', flow_page).group(1)
    preview_url = f"{flow_url}/preview/child_8_12/1"
    page = researcher.get(preview_url).get_data(as_text=True)
    assert f"fv-question--{answer_format}" in page
    before = _counts(app)

    missing = researcher.post(
        preview_url,
        data={"csrf_token": csrf_token(page), "submission_id": "preview", "action": "answer"},
    )
    assert missing.status_code == 400
    assert _error_texts(missing.get_data(as_text=True)) == child_errors
    assert _counts(app) == before


def test_a_flow_preview_walks_every_question_in_order_and_ends_on_the_flow_page(
    app: Flask, runner: FlaskCliRunner
) -> None:
    load_demo(runner)
    advisor = staff_client(app, "amira", Role.ADVISOR)
    researcher = staff_client(app, "rosa", Role.RESEARCHER)
    wordings = ["Do you feel safe at home?", "Do you like school?", "Do you have friends?"]
    versions = [_question(app, advisor, w) for w in wordings]
    for version_id in versions:
        approve_through_review(advisor, researcher, version_id)
    created = post_form(researcher, "/studio/flows", {"name": "Preview walk"})
    flow_url = created.headers["Location"]
    for version_id in versions:
        post_form(
            researcher,
            flow_url,
            {"audience": "child_8_12", "version_id": version_id},
            action=f"{flow_url}/items",
        )
    before = _counts(app)
    url = f"{flow_url}/preview/child_8_12/1"
    seen = []
    for position in range(1, len(wordings) + 1):
        assert url.startswith(f"{flow_url}/preview/child_8_12/{position}?") or position == 1
        page = researcher.get(url)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        seen.append(_heading(html))
        assert f"Question {position} of {len(wordings)}" in html
        pressed = researcher.post(
            url,
            data={
                "csrf_token": csrf_token(html),
                "submission_id": "preview",
                "action": "answer",
                "answer": "yes",
            },
        )
        assert pressed.status_code == 302
        url = pressed.headers["Location"]
    assert seen == wordings
    assert url == flow_url
    end = researcher.get(url).get_data(as_text=True)
    assert "That was the end of this group&#39;s questions." in end
    assert _counts(app) == before

    # Back goes one question earlier; Stop goes back to the flow.
    second = f"{flow_url}/preview/child_8_12/2?language=en_GB&size=tablet"
    token = csrf_token(researcher.get(second).get_data(as_text=True))
    back = researcher.post(second, data={"csrf_token": token, "action": "back"})
    assert back.headers["Location"].startswith(f"{flow_url}/preview/child_8_12/1?")
    stop = researcher.post(second, data={"csrf_token": token, "action": "stop"})
    assert stop.headers["Location"] == flow_url
    for position in (0, len(wordings) + 1):
        assert researcher.get(f"{flow_url}/preview/child_8_12/{position}").status_code == 404

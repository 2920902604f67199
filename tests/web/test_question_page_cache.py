"""Question pages are read once per worker, and a change to them shows on the next view."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html import escape

import pytest
from sqlalchemy import event, select, update

from tests.support.participants import join_and_start, load_demo, question_form
from voice_app.extensions import db
from voice_app.models import Audience, ContentGeneration, QuestionText

AUDIENCE = "child_8_12"


def first_question_text(app, client) -> tuple[int, str]:
    """(id, wording) of the English text the first question page shows."""
    html = client.get("/q/1").get_data(as_text=True)
    with app.app_context():
        texts = db.session.scalars(
            select(QuestionText).where(
                QuestionText.audience == Audience(AUDIENCE), QuestionText.language == "en_GB"
            )
        ).all()
        shown = [t for t in texts if t.wording and escape(t.wording) in html]
    assert len(shown) == 1, "the page should show exactly one question's wording"
    return shown[0].id, shown[0].wording


def generation(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ContentGeneration.value)) or 0


@contextmanager
def statements(app) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = app.extensions["voice_db"]

    def log(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", log)


def test_an_unchanged_page_is_not_read_again(app, client, runner):
    join_and_start(client, load_demo(runner), AUDIENCE)
    client.get("/q/1")
    with statements(app) as seen:
        again = client.get("/q/1")
    assert again.status_code == 200
    assert not [s for s in seen if "FROM question_text" in s]


def edit_through_the_orm(text_id: int, wording: str) -> None:
    db.session.get(QuestionText, text_id).wording = wording


def edit_with_a_bulk_statement(text_id: int, wording: str) -> None:
    # Skips the flush: the statement hook has to see it.
    db.session.execute(
        update(QuestionText).where(QuestionText.id == text_id).values(wording=wording)
    )


@pytest.mark.parametrize("edit", [edit_through_the_orm, edit_with_a_bulk_statement])
def test_an_edited_wording_shows_on_the_next_view(app, client, runner, edit):
    join_and_start(client, load_demo(runner), AUDIENCE)
    text_id, wording = first_question_text(app, client)
    before = generation(app)
    with app.app_context():
        edit(text_id, "How are things at home this week?")
        db.session.commit()
    assert generation(app) == before + 1
    html = client.get("/q/1").get_data(as_text=True)
    assert "How are things at home this week?" in html
    assert escape(wording) not in html


def test_a_change_that_is_rolled_back_leaves_the_pages_alone(app, client, runner):
    join_and_start(client, load_demo(runner), AUDIENCE)
    text_id, wording = first_question_text(app, client)
    before = generation(app)
    with app.app_context():
        db.session.get(QuestionText, text_id).wording = "Never saved"
        db.session.flush()
        db.session.rollback()
    assert generation(app) == before
    assert escape(wording) in client.get("/q/1").get_data(as_text=True)


def test_answering_does_not_move_the_counter(app, client, runner):
    # Answers are not page content: thousands of them must not empty every cache.
    join_and_start(client, load_demo(runner), AUDIENCE)
    before = generation(app)
    _format, token, submission = question_form(client, 1)
    client.post(
        "/q/1",
        data={"csrf_token": token, "submission_id": submission, "action": "skip"},
    )
    assert generation(app) == before

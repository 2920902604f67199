"""A tablet's first answers skip the ORM; their facts must equal what the flush hook derives.

The priorities engine aggregates ``Answer.score`` and ``AnswerChoice`` rows. Whatever
path stores an answer, those must be exactly what ``answer_facts.derive_facts`` (the
ORM hook every other path uses) would have stored for the same value.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.support.participants import answer_question, join_and_start, load_demo
from voice_app.answer_facts import derive_facts
from voice_app.extensions import db
from voice_app.models import Answer, AnswerChoice

INPUT_VALUE = re.compile(r'<input\b[^>]*\bname="answer"[^>]*\bvalue="([^"]+)"')
OPTION_VALUE = re.compile(r'<option value="([^"]+)"')


def an_answer(answer_format: str, html: str) -> dict[str, object]:
    """A real person's answer to this page: the last choice shown, or the first three."""
    if answer_format == "free_text":
        return {"answer": "More time with my friends."}
    if answer_format == "top_three":
        options = list(dict.fromkeys(OPTION_VALUE.findall(html)))
        return {f"rank_{rank}": key for rank, key in enumerate(options[:3], start=1)}
    values = INPUT_VALUE.findall(html)
    assert values, f"no answers to choose on a {answer_format} page"
    return {"answer": values[-1:] if answer_format == "choose_many" else values[-1]}


def answer_every_question(client) -> set[str]:
    formats = set()
    position = 1
    while True:
        answer_format, response = answer_question(client, position, an_answer)
        formats.add(answer_format)
        assert response.status_code == 302, (position, response.status_code)
        if not response.headers["Location"].startswith("/q/"):  # on to "talk to someone?"
            return formats
        position += 1


@pytest.mark.parametrize("audience", ["child_8_12", "young_13_17", "parent_carer"])
def test_stored_facts_equal_what_the_orm_hook_derives(app, client, runner, audience):
    join_and_start(client, load_demo(runner), audience)
    formats = answer_every_question(client)
    assert "top_three" in formats, "the demo flow should include a top-3 question"
    with app.app_context():
        answers = db.session.scalars(select(Answer).order_by(Answer.id)).all()
        assert len(answers) >= 3
        for stored in answers:
            again = Answer(
                participant_id=stored.participant_id,
                version_id=stored.version_id,
                skipped=stored.skipped,
                value=stored.value,
            )
            derive_facts(db.session, [(again, True)])
            stored_choices = db.session.execute(
                select(AnswerChoice.rank, AnswerChoice.domain_id)
                .where(AnswerChoice.answer_id == stored.id)
                .order_by(AnswerChoice.rank)
            ).all()
            assert stored.score == again.score, stored.value
            assert [tuple(c) for c in stored_choices] == [
                (c.rank, c.domain_id) for c in again.choices
            ]
        assert any(stored.score is not None for stored in answers)

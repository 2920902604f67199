"""The priorities engine counting in the database (SQLite and PostgreSQL): the same
figures as worked out by hand for the same people, for every filter and breakdown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select

from tests.support.journey import load_demo
from tests.support.priorities import add_area, add_person, domain_keys, version_ids
from tests.support.sessions import make_session
from tests.support.staff import make_staff
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    AnswerChoice,
    Audience,
    GroupSession,
    OutcomeDomain,
    OutcomeFramework,
    Participant,
    RetainedDomainTally,
    RetainedRespondents,
    Role,
    SessionStatus,
    StaffArea,
)
from voice_app.periods import Quarter
from voice_app.priorities import FilterError, Filters, compute

JULY = datetime(2026, 7, 10, 10, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def people(app, runner):
    """Five young people in the demo area in July (as in the unit tests' FIVE), two
    parents in a second area in April, one young person who skipped the top 3."""
    load_demo(runner)
    versions = version_ids(app)
    a, b, c, d = domain_keys(app)[:4]
    top = versions["top_three"]
    with app.app_context():
        demo_session = db.session.scalar(select(GroupSession.id).order_by(GroupSession.id))
    east = add_area(app, "E2", "East")
    user_id = make_staff(app, "second-area-facilitator", Role.FACILITATOR)
    with app.app_context():
        db.session.add(StaffArea(user_id=user_id, area_id=east))
        db.session.commit()
    east_session = make_session(app, user_id, SessionStatus.OPEN, area_id=east)
    faces = versions[f"faces:{domain_keys(app)[0]}"]
    yes_maybe_no = versions["yes_maybe_no:being_listened_to"]
    for picks, scaled in [
        ([a, b, c], {faces: 5}),
        ([b, a], {faces: 3}),
        ([a], {yes_maybe_no: "maybe"}),
        ([c, b, a], {}),
        ([d, c, b], {faces: "dont_know"}),
    ]:
        add_person(app, demo_session, started_at=JULY, answers={top: picks, **scaled})
    add_person(app, demo_session, started_at=JULY, answers={top: None, faces: 1})
    for picks in ([a], [b, a]):
        add_person(
            app,
            east_session,
            audience=Audience.PARENT_CARER,
            started_at=APRIL,
            answers={top: picks},
        )
    return {"keys": (a, b, c, d), "demo": demo_session, "east": east_session, "faces": faces}


def rows(group):
    return {d.key: d for d in group.domains}


def test_the_total_matches_the_hand_computation(app, people):
    a, b, c, d = people["keys"]
    with app.app_context():
        figures = compute(db.session, Filters(1))
    total = rows(figures.total)
    assert figures.total.people == 7  # the person who skipped the top 3 is not counted
    # a: 1st x2 (+1 parent), 2nd x1 (+1 parent), 3rd x1 -> (3, 2, 1), 6 of 7 people
    assert total[a].ranked == (3, 2, 1) and total[a].chose == 6
    assert total[a].score.estimate == pytest.approx((9 + 4 + 1) / 7)
    assert total[b].ranked == (2, 2, 1)
    assert total[c].ranked == (1, 1, 1) and total[d].ranked == (1, 0, 0)
    assert [r.key for r in figures.total.domains][:4] == [a, b, c, d]
    assert total[a].rank == 1 and total[d].rank == 4
    assert total[a].share.estimate == pytest.approx(6 / 7)


def test_linked_answers_are_averaged_on_the_common_scale(app, people):
    first_domain = domain_keys(app)[0]
    with app.app_context():
        figures = compute(db.session, Filters(1))
    scaled = rows(figures.total)
    # faces 5 -> 1.0, 3 -> 0.5, 1 -> 0.0 (the skipper), "don't know" has no score
    assert scaled[first_domain].scale_answers == 3
    assert scaled[first_domain].scale_people == 3
    assert scaled[first_domain].scale_mean == pytest.approx(0.5)
    assert scaled["being_listened_to"].scale_mean == pytest.approx(0.5)


def test_breakdowns_split_the_same_people(app, people):
    a = people["keys"][0]
    with app.app_context():
        figures = compute(db.session, Filters(1), ["audience", "area", "quarter", "session"])
    by = {dim: {g.value: g for g in groups} for dim, groups in figures.breakdowns.items()}
    assert {k: g.people for k, g in by["audience"].items()} == {
        "child_4_7": 0,
        "child_8_12": 0,
        "young_13_17": 5,
        "parent_carer": 2,
    }
    assert {k: g.people for k, g in by["area"].items()} == {"DEMO": 5, "E2": 2}
    assert {k: g.people for k, g in by["quarter"].items()} == {"2026-Q2": 2, "2026-Q3": 5}
    assert by["session"][str(people["east"])].people == 2
    assert rows(by["area"]["E2"])[a].ranked == (1, 1, 0)


@pytest.mark.parametrize(
    ("filters", "expected_people"),
    [
        ({"audiences": (Audience.PARENT_CARER,)}, 2),
        ({"area_codes": ("E2",)}, 2),
        ({"area_codes": ("DEMO", "E2")}, 7),
        ({"first_quarter": Quarter(2026, 3)}, 5),
        ({"last_quarter": Quarter(2026, 2)}, 2),
        ({"first_quarter": Quarter(2027, 1)}, 0),
    ],
)
def test_filters_choose_the_people(app, people, filters, expected_people):
    with app.app_context():
        assert compute(db.session, Filters(1, **filters)).total.people == expected_people


def test_a_session_filter_counts_that_session_only(app, people):
    with app.app_context():
        figures = compute(db.session, Filters(1, session_ids=(people["east"],)))
    assert figures.total.people == 2


def test_unknown_framework_or_area_is_refused(app, people):
    with app.app_context():
        with pytest.raises(FilterError) as error:
            compute(db.session, Filters(99))
        assert error.value.code == "framework"
        with pytest.raises(FilterError) as error:
            compute(db.session, Filters(1, area_codes=("NOPE",)))
        assert error.value.code == "area"


def test_changing_an_answer_replaces_its_picks(app, people):
    a, _b, _c, d = people["keys"]
    with app.app_context():
        answer = db.session.scalar(
            select(Answer).join(AnswerChoice).where(AnswerChoice.rank == 1).order_by(Answer.id)
        )
        answer.value = [d]  # after Back, a new top 3 of one
        db.session.commit()
        assert [choice.rank for choice in answer.choices] == [1]
        figures = compute(db.session, Filters(1))
    assert rows(figures.total)[d].ranked == (2, 0, 0)
    assert rows(figures.total)[a].ranked == (2, 2, 1)


def test_withdrawn_people_take_their_picks_with_them(app, people):
    with app.app_context():
        person = db.session.scalar(
            select(Participant).where(Participant.audience == Audience.PARENT_CARER)
        )
        db.session.execute(delete(Answer).where(Answer.participant_id == person.id))
        db.session.delete(person)
        db.session.commit()
        assert compute(db.session, Filters(1)).total.people == 6
        assert (
            db.session.scalar(
                select(AnswerChoice).where(AnswerChoice.answer_id.not_in(select(Answer.id)))
            )
            is None
        )


def test_tallies_kept_after_a_purge_are_added_to_live_answers(app, people):
    a = people["keys"][0]
    with app.app_context():
        framework_id = db.session.scalar(select(OutcomeFramework.id))
        demo = db.session.get(GroupSession, people["demo"])
        domain_id = db.session.scalar(select(OutcomeDomain.id).where(OutcomeDomain.key == a))
        common = {
            "framework_id": framework_id,
            "session_id": demo.id,
            "area_id": demo.area_id,
            "audience": Audience.CHILD_8_12,
            "started_on": date(2025, 11, 3),
        }
        db.session.add(RetainedRespondents(**common, people=4))
        db.session.add(
            RetainedDomainTally(
                **common,
                domain_id=domain_id,
                first=1,
                second=2,
                third=0,
                scale_people=2,
                scale_answers=3,
                scale_sum=1.5,
            )
        )
        db.session.commit()
        figures = compute(db.session, Filters(1), ["quarter", "audience"])
        assert figures.total.people == 11
        assert rows(figures.total)[a].ranked == (4, 4, 1)
        quarters = {g.value: g.people for g in figures.breakdowns["quarter"]}
        assert quarters == {"2025-Q4": 4, "2026-Q1": 0, "2026-Q2": 2, "2026-Q3": 5}
        # Filters apply to the tallies too.
        assert compute(db.session, Filters(1, first_quarter=Quarter(2026, 1))).total.people == 7

"""Retention: a purge deletes people past the period as whole people, and every figure
the priorities engine gives stays exactly the same (the counts move to the retained
tallies). A dry run changes nothing; safeguarding flags survive.

Runs on SQLite and PostgreSQL (the suite runs both).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from tests.support.participants import load_demo
from voice_app.demo import DEMO_SESSION_VENUE
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    AnswerChoice,
    AnswerFormat,
    Area,
    Audience,
    AuditEvent,
    Base,
    FlagKind,
    FlagStatus,
    GroupSession,
    Participant,
    Question,
    QuestionVersion,
    RetainedDomainTally,
    RetainedRespondents,
    SafeguardingFlag,
    SessionStatus,
    VersionStatus,
    new_public_id,
)
from voice_app.periods import Quarter
from voice_app.priorities import DIMENSIONS, Figures, Filters, compute
from voice_app.retention import PurgeReport, purge
from voice_app.session_codes import new_session_code

CUTOFF = datetime(2025, 8, 14, 12, 0, tzinfo=UTC)  # mid-quarter, mid-day
FIRST_DAY = datetime(2024, 1, 3, 9, 0, tzinfo=UTC)
LAST_DAY = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
DOMAINS = (
    "feeling_safe",
    "being_listened_to",
    "family_supported",
    "health_wellbeing",
    "learning_school",
    "friends_belonging",
    "stable_home",
    "right_help",
)
FACES = {Audience.CHILD_4_7: (1, 3, 5, "dont_know")}


@dataclass(frozen=True)
class World:
    sessions: tuple[int, ...]  # two in the demo area, one in the north
    versions: dict[str, int]  # question key -> version id; "what_matters_most_2" too


def _version_ids(session: Any) -> dict[str, int]:
    rows = session.execute(
        select(Question.key, QuestionVersion.id, QuestionVersion.format).join(
            QuestionVersion, QuestionVersion.question_id == Question.id
        )
    ).all()
    versions = {key: version_id for key, version_id, _format in rows}
    formats = {key: answer_format for key, _id, answer_format in rows}
    # The demo has faces and yes/maybe/no questions linked to domains; check, not assume.
    assert formats["feel_safe_home"] is AnswerFormat.FACES
    assert formats["listened_to"] is AnswerFormat.YES_MAYBE_NO
    assert formats["what_matters_most"] is AnswerFormat.TOP_THREE
    return versions


@pytest.fixture
def world(app: Flask, runner: FlaskCliRunner) -> World:
    """The demo content, a second area, three sessions, and a second "what matters most"
    version (so one person can place a domain twice: only their best place counts)."""
    load_demo(runner)
    with app.app_context():
        demo = db.session.scalar(
            select(GroupSession).where(GroupSession.venue == DEMO_SESSION_VENUE)
        )
        north = Area(code="NORTH", name="Northshire Partnership")
        db.session.add(north)
        db.session.flush()
        extra = [
            GroupSession(
                code=new_session_code(),
                area_id=area_id,
                flow_id=demo.flow_id,
                status=SessionStatus.OPEN,
                languages=["en_GB"],
                audiences=[a.value for a in Audience],
            )
            for area_id in (demo.area_id, north.id)
        ]
        db.session.add_all(extra)
        versions = _version_ids(db.session)
        top_three = db.session.get(QuestionVersion, versions["what_matters_most"])
        again = QuestionVersion(
            question_id=top_three.question_id,
            number=2,
            format=AnswerFormat.TOP_THREE,
            status=VersionStatus.APPROVED,
        )
        db.session.add(again)
        db.session.commit()
        versions["what_matters_most_2"] = again.id
        return World((demo.id, extra[0].id, extra[1].id), versions)


def add_person(
    app: Flask,
    world: World,
    *,
    session_index: int,
    audience: Audience,
    started_at: datetime,
    answers: dict[str, Any],
    answered_at: datetime | None = None,
) -> str:
    """One person and their answers (None = skipped); score and picks derive on flush."""
    with app.app_context():
        group_session = db.session.get(GroupSession, world.sessions[session_index])
        person = Participant(
            session_id=group_session.id,
            area_id=group_session.area_id,
            audience=audience,
            language="en_GB",
            started_at=started_at,
        )
        db.session.add(person)
        db.session.flush()
        for key, value in answers.items():
            is_text = key == "anything_else"  # free text lives apart from the value
            db.session.add(
                Answer(
                    participant_id=person.id,
                    version_id=world.versions[key],
                    skipped=value is None,
                    value=None if is_text else value,
                    free_text=value if is_text else None,
                    submission_id=new_public_id(),
                    answered_at=answered_at or started_at + timedelta(minutes=5),
                )
            )
        db.session.commit()
        return person.id


def add_crowd(app: Flask, world: World, people: int = 64, seed: int = 7) -> None:
    """People at many dates (both sides of CUTOFF), in every audience and session, with
    top-3, faces and yes/maybe/no answers, some skips and some second top-3 answers."""
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).total_seconds()
    for index in range(people):
        audience = list(Audience)[index % 4]
        started_at = FIRST_DAY + timedelta(seconds=rng.uniform(0, span))
        faces = FACES.get(audience, (1, 2, 3, 4, 5))
        answers: dict[str, Any] = {
            "feel_safe_home": rng.choice(faces),
            "feel_about_school": rng.choice([*faces, None]),
            "listened_to": rng.choice(["yes", "maybe", "no", None]),
            "explain_things": rng.choice(["yes", "maybe", "no"]),
        }
        if index % 9 != 0:  # some people have no "what matters most" answer at all
            answers["what_matters_most"] = (
                None if index % 13 == 0 else rng.sample(DOMAINS, rng.choice([1, 2, 3, 3]))
            )
        if index % 5 == 0:
            answers["what_matters_most_2"] = rng.sample(DOMAINS, 3)
        add_person(
            app,
            world,
            session_index=index % 3,
            audience=audience,
            started_at=started_at,
            answers=answers,
        )


def figures(app: Flask, filters: Filters, breakdowns: tuple[str, ...]) -> Figures:
    with app.app_context():
        return compute(db.session, filters, breakdowns)


def run_purge(app: Flask, cutoff: datetime, *, apply: bool) -> PurgeReport:
    with app.app_context():
        report = purge(db.session, cutoff, apply=apply)
        db.session.commit()
        return report


def snapshot(app: Flask) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as text, in a stable order."""
    with app.app_context():
        result = {}
        for table in Base.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            result[table.name] = sorted(tuple(map(repr, row)) for row in rows)
        return result


def people_started(app: Flask, before: datetime | None = None) -> set[str]:
    with app.app_context():
        query = select(Participant.id)
        if before is not None:
            query = query.where(Participant.started_at < before)
        return set(db.session.scalars(query))


def all_filters(world: World) -> list[Filters]:
    return [
        Filters(1),
        Filters(1, audiences=(Audience.CHILD_4_7, Audience.PARENT_CARER)),
        Filters(1, audiences=(Audience.YOUNG_13_17,)),
        Filters(1, area_codes=("NORTH",)),
        Filters(1, area_codes=("DEMO",)),
        Filters(1, session_ids=(world.sessions[1],)),
        Filters(1, first_quarter=Quarter(2025, 3), last_quarter=Quarter(2026, 1)),
        Filters(1, last_quarter=Quarter(2025, 2)),
        Filters(1, first_quarter=Quarter(2025, 3), audiences=(Audience.CHILD_8_12,)),
    ]


def every_figure(app: Flask, world: World) -> list[Figures]:
    """The total and a breakdown by every dimension (each computed on its own groups)."""
    return [figures(app, filters, DIMENSIONS) for filters in all_filters(world)]


# --- the figures stay ----------------------------------------------------------------------


def test_purge_keeps_every_figure_while_old_answers_and_people_go(app, world):
    add_crowd(app, world)
    # Someone who placed a domain in both top-3 answers: only their best place counts.
    add_person(
        app,
        world,
        session_index=2,
        audience=Audience.YOUNG_13_17,
        started_at=CUTOFF - timedelta(days=3),
        answers={
            "what_matters_most": ["family_supported", "right_help", "stable_home"],
            "what_matters_most_2": ["stable_home", "family_supported"],
        },
    )
    old = people_started(app, before=CUTOFF)
    kept = people_started(app) - old
    assert len(old) >= 20 and len(kept) >= 20  # both sides of the cutoff have people
    before = every_figure(app, world)
    assert before[0].total.people > 40
    with app.app_context():
        kept_answers = db.session.execute(
            select(Answer.id, Answer.value, Answer.score).where(Answer.participant_id.in_(kept))
        ).all()
        kept_choices = db.session.execute(
            select(AnswerChoice.answer_id, AnswerChoice.rank, AnswerChoice.domain_id)
            .join(Answer)
            .where(Answer.participant_id.in_(kept))
        ).all()

    report = run_purge(app, CUTOFF, apply=True)

    assert report.applied and report.participants == len(old)
    assert [(f.framework_version, f.people > 0) for f in report.frameworks] == [(1, True)]
    after = every_figure(app, world)
    for was, now in zip(before, after, strict=True):
        assert now == was, (was.filters, tuple(was.breakdowns))
    assert people_started(app, before=CUTOFF) == set()
    assert people_started(app) == kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == len(kept_answers)
        assert sorted(
            db.session.execute(select(Answer.id, Answer.value, Answer.score)).all()
        ) == sorted(kept_answers)
        assert sorted(
            db.session.execute(
                select(AnswerChoice.answer_id, AnswerChoice.rank, AnswerChoice.domain_id)
            ).all()
        ) == sorted(kept_choices)
        assert db.session.scalar(select(func.count()).select_from(RetainedRespondents)) > 0
        assert db.session.scalar(select(func.count()).select_from(RetainedDomainTally)) > 0
        # Nothing kept is dated on or after the cutoff's day: only old people were folded.
        latest = db.session.scalar(select(func.max(RetainedRespondents.started_on)))
        assert latest <= CUTOFF.date()


def test_purging_in_two_steps_adds_to_the_kept_rows_and_still_keeps_every_figure(app, world):
    add_crowd(app, world, people=40, seed=11)
    # Two people on the cutoff's day, either side of a first cutoff at 10:00.
    day = CUTOFF.replace(hour=0)
    for hour in (9, 11):
        add_person(
            app,
            world,
            session_index=0,
            audience=Audience.CHILD_8_12,
            started_at=day + timedelta(hours=hour),
            answers={"what_matters_most": ["right_help", "feeling_safe"], "listened_to": "yes"},
        )
    before = every_figure(app, world)

    run_purge(app, day + timedelta(hours=10), apply=True)
    assert every_figure(app, world) == before
    with app.app_context():
        rows_then = db.session.scalar(select(func.count()).select_from(RetainedRespondents))

    second = run_purge(app, CUTOFF, apply=True)
    assert second.participants == 1  # the 11:00 person, in a day already kept: added to
    assert every_figure(app, world) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RetainedRespondents)) == (
            rows_then
        )
        that_day = db.session.scalars(
            select(RetainedRespondents.people).where(
                RetainedRespondents.started_on == day.date(),
                RetainedRespondents.audience == Audience.CHILD_8_12,
                RetainedRespondents.session_id == world.sessions[0],
            )
        ).all()
        assert sum(that_day) >= 2


def test_a_second_purge_finds_nothing_and_changes_nothing(app, world):
    add_crowd(app, world, people=24, seed=3)
    run_purge(app, CUTOFF, apply=True)
    before = snapshot(app)

    again = run_purge(app, CUTOFF, apply=True)

    assert (again.participants, again.answers, again.frameworks) == (0, 0, ())
    after = snapshot(app)
    events = after.pop("audit_event")
    assert len(events) == len(before.pop("audit_event")) + 1  # the second run is recorded
    assert after == before


# --- a dry run ------------------------------------------------------------------------------


def test_dry_run_counts_what_would_go_and_changes_nothing(app, world):
    add_crowd(app, world, people=30, seed=5)
    old = people_started(app, before=CUTOFF)
    with app.app_context():
        old_answers = db.session.scalar(
            select(func.count()).select_from(Answer).where(Answer.participant_id.in_(old))
        )
    before = snapshot(app)

    report = run_purge(app, CUTOFF, apply=False)

    assert snapshot(app) == before
    assert not report.applied
    assert (report.participants, report.answers) == (len(old), old_answers)
    applied = run_purge(app, CUTOFF, apply=True)
    assert (applied.participants, applied.answers, applied.frameworks) == (
        report.participants,
        report.answers,
        report.frameworks,
    )


# --- whole people, flags and the audit ------------------------------------------------------


def test_a_person_goes_or_stays_whole_by_when_they_started(app, world):
    answers = {"what_matters_most": ["stable_home"], "feel_safe_home": 4, "listened_to": "no"}
    second = timedelta(seconds=1)
    # Started just before the cutoff but answered after it: all of them goes.
    straddler = add_person(
        app,
        world,
        session_index=1,
        audience=Audience.PARENT_CARER,
        started_at=CUTOFF - second,
        answered_at=CUTOFF + timedelta(hours=2),
        answers=answers,
    )
    stayer = add_person(
        app,
        world,
        session_index=1,
        audience=Audience.PARENT_CARER,
        started_at=CUTOFF + second,
        answers=answers,
    )
    whole = Filters(1)
    before = figures(app, whole, DIMENSIONS)
    assert before.total.people == 2

    report = run_purge(app, CUTOFF, apply=True)

    assert (report.participants, report.answers) == (1, 3)
    assert people_started(app) == {stayer}
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Answer).where(Answer.participant_id == straddler)
            )
            == 0
        )
        assert (
            db.session.scalar(
                select(func.count()).select_from(Answer).where(Answer.participant_id == stayer)
            )
            == 3
        )
    assert figures(app, whole, DIMENSIONS) == before


def test_safeguarding_flags_survive_the_purge_without_their_links(app, world):
    person = add_person(
        app,
        world,
        session_index=0,
        audience=Audience.YOUNG_13_17,
        started_at=CUTOFF - timedelta(days=30),
        answers={"what_matters_most": ["feeling_safe"], "anything_else": "I am scared at home"},
    )
    with app.app_context():
        answer_id = db.session.scalar(select(Answer.id).where(Answer.participant_id == person))
        flag = SafeguardingFlag(
            session_id=world.sessions[0],
            participant_id=person,
            answer_id=answer_id,
            kind=FlagKind.SCREENED_TEXT,
            device_label="Tablet 2",
            status=FlagStatus.ACKNOWLEDGED,
            flagged_text="I am scared at home",
        )
        talk = SafeguardingFlag(
            session_id=world.sessions[0], participant_id=person, kind=FlagKind.WANTS_TO_TALK
        )
        db.session.add_all([flag, talk])
        db.session.commit()
        flag_ids = (flag.id, talk.id)

    run_purge(app, CUTOFF, apply=True)

    assert people_started(app) == set()
    with app.app_context():
        flags = [db.session.get(SafeguardingFlag, i) for i in flag_ids]
        assert [(f.participant_id, f.answer_id) for f in flags] == [(None, None), (None, None)]
        assert flags[0].flagged_text == "I am scared at home"
        assert flags[0].status is FlagStatus.ACKNOWLEDGED
        assert flags[0].device_label == "Tablet 2"
        assert flags[1].kind is FlagKind.WANTS_TO_TALK


def test_the_purge_is_audited_with_counts_and_no_content(app, world):
    add_person(
        app,
        world,
        session_index=2,
        audience=Audience.CHILD_4_7,
        started_at=CUTOFF - timedelta(days=400),
        answers={"what_matters_most": ["health_wellbeing", "right_help"], "feel_safe_home": 5},
    )
    purges = select(func.count()).where(AuditEvent.action == "retention.purge")
    run_purge(app, CUTOFF, apply=False)
    with app.app_context():
        assert db.session.scalar(purges) == 0  # a dry run changes nothing, the log included

    run_purge(app, CUTOFF, apply=True)

    with app.app_context():
        assert db.session.scalar(purges) == 1
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purge"))
        assert event.actor_id is None
        assert event.detail == {
            "cli": True,
            "cutoff": CUTOFF.isoformat(),
            "participants": 1,
            "answers": 2,
            "frameworks": [{"version": 1, "people": 1}],
            "without_audience": 0,
        }


def test_people_with_no_audience_go_and_are_reported_as_not_kept(app, world):
    person = add_person(
        app,
        world,
        session_index=0,
        audience=Audience.CHILD_8_12,
        started_at=CUTOFF - timedelta(days=9),
        answers={"what_matters_most": ["feeling_safe"], "listened_to": "yes"},
    )
    with app.app_context():
        db.session.get(Participant, person).audience = None
        db.session.commit()

    report = run_purge(app, CUTOFF, apply=True)

    assert (report.participants, report.answers, report.without_audience) == (1, 2, 1)
    assert report.frameworks == ()
    assert people_started(app) == set()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RetainedRespondents)) == 0


def test_a_cutoff_without_a_time_zone_is_refused(app, world):
    with app.app_context(), pytest.raises(ValueError):
        purge(db.session, CUTOFF.replace(tzinfo=None), apply=True)


# --- the command --------------------------------------------------------------------------


def _day(days_ago: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def old_and_new(app: Flask, world: World) -> dict[str, str]:
    now = datetime.now(UTC)
    answers = {"what_matters_most": ["learning_school"], "feel_about_school": 2}
    return {
        "old": add_person(
            app,
            world,
            session_index=0,
            audience=Audience.CHILD_8_12,
            started_at=now - timedelta(days=800),
            answers=answers,
        ),
        "recent": add_person(
            app,
            world,
            session_index=0,
            audience=Audience.CHILD_8_12,
            started_at=now - timedelta(days=10),
            answers=answers,
        ),
    }


def test_command_is_a_dry_run_by_default_over_the_configured_period(app, runner, old_and_new):
    before = snapshot(app)

    result = runner.invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"Dry run: would delete 2 answers from 1 person started before {_day(730)}; "
        "the figures stay. Run again with --apply to delete."
    )
    assert 'Framework version 1: 1 person\'s "what matters most" answers' in result.output
    assert snapshot(app) == before


def test_command_applies_and_keeps_the_figures(app, runner, old_and_new):
    before = figures(app, Filters(1), DIMENSIONS)

    result = runner.invoke(args=["purge", "--apply"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"Deleted 2 answers from 1 person started before {_day(730)}; the figures stay."
    )
    assert people_started(app) == {old_and_new["recent"]}
    assert figures(app, Filters(1), DIMENSIONS) == before

    shorter = runner.invoke(args=["purge", "--older-than-days", "5", "--apply"])
    assert shorter.exit_code == 0, shorter.output
    assert shorter.output.startswith("Deleted 2 answers from 1 person started before")
    assert people_started(app) == set()
    assert figures(app, Filters(1), DIMENSIONS) == before


def test_command_refuses_a_period_that_is_not_a_positive_whole_number(app, runner, old_and_new):
    before = snapshot(app)
    for days in ["0", "-3", "abc", "2.5", "", "99999999", "١٢"]:
        result = runner.invoke(args=["purge", "--older-than-days", days, "--apply"])

        assert result.exit_code == 2, days
        assert "--older-than-days must be a whole number of days from 1 to 36500" in (result.output)
        assert "Traceback" not in result.output
    assert snapshot(app) == before


def test_command_refuses_a_broken_retention_setting(app, runner, old_and_new):
    app.config["RETENTION_DAYS"] = "two years"
    before = snapshot(app)

    result = runner.invoke(args=["purge", "--apply"])

    assert result.exit_code == 1
    assert "The RETENTION_DAYS setting must be a whole number of days" in result.output
    assert snapshot(app) == before


def test_command_with_nothing_to_purge_says_so(app, runner, world):
    result = runner.invoke(args=["purge", "--apply"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Deleted 0 answers from 0 people started before")

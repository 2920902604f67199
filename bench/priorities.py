"""Benchmark: the research dashboard's figures over 1,000,000 answers from 100,000 people.

Builds a fresh database through the real migrations (SQLite in a temporary folder, and
a PostgreSQL database it creates and drops), fills it in bulk, then times, in the same
run, what the dashboard asks for (``voice_app.disclosure.published_figures``) against a
plain ``SELECT COUNT(*) FROM answer``. See bench/README.md.

    .venv/bin/python bench/priorities.py [--participants N] [--databases sqlite,postgres]
        [--repeat K] [--each-repeat J] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench's own modules

from _sites import postgres_reachable, throwaway_postgres

from voice_app import demo, migrate
from voice_app.database import make_engine
from voice_app.disclosure import Published, Rules, published_figures
from voice_app.models import (
    Audience,
    GroupSession,
    OutcomeDomain,
    Question,
    QuestionOption,
    QuestionVersion,
    SessionStatus,
)
from voice_app.priorities import Filters, compute

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ANSWERS_PER_PERSON = 10
AREAS = 6
PEOPLE_PER_SESSION = 25  # a facilitated group; each session runs on one day
FIRST_DAY = datetime(2025, 1, 1)  # naive UTC, as stored: eight quarters from here
DAYS = 730
BATCH = 10_000  # people per batch: 100,000 answer rows
SKIP_TOP_THREE = 0.05  # share of people who skip "what matters most"
SKIP_OTHER = 0.08  # share of other questions skipped
# The ten questions everyone is asked: "what matters most", three faces, four
# yes/maybe/no (faces and yes/maybe/no are linked to domains), and two picture choices.
FACES = ("feel_safe_home", "feel_about_school", "feel_healthy")
YES_MAYBE_NO = ("listened_to", "explain_things", "help_in_time", "have_friends")
CHOOSE_ONE = "talk_to_first"
CHOOSE_MANY = "who_helps"
TOP_THREE = "what_matters_most"
# What the dashboard shows: the total with breakdowns by audience, area and quarter.
DASHBOARD = ("audience", "area", "quarter")
VARIANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("total + audience, area, quarter", DASHBOARD),
    ("total only", ()),
    ("by audience", ("audience",)),
    ("by area", ("area",)),
    ("by quarter", ("quarter",)),
)

PARTICIPANT_COLUMNS = (
    "id",
    "session_id",
    "area_id",
    "audience",
    "language",
    "mode",
    "status",
    "device_label",
    "started_at",
)
ANSWER_COLUMNS = (
    "id",
    "participant_id",
    "version_id",
    "skipped",
    "value",
    "submission_id",
    "answered_at",
    "score",
)
CHOICE_COLUMNS = ("answer_id", "rank", "domain_id")


@dataclass
class Result:
    database: str
    participants: int = 0
    sessions: int = 0
    answers: int = 0
    choices: int = 0
    expected_people: int = 0  # people with a "what matters most" answer, as generated
    build_seconds: float = 0.0
    figures_seconds: dict[str, float] = field(default_factory=dict)  # variant -> median
    count_seconds: float = 0.0
    counted_answers: int = 0
    computed_people: int = 0  # the engine's raw total
    published: Published | None = None  # the dashboard's figures, last run
    skipped: str = ""  # why the database was not benchmarked

    @property
    def ratio(self) -> float:
        return self.figures_seconds[VARIANTS[0][0]] / self.count_seconds


# --- the content: real starter questions, several areas and sessions --------------------


@dataclass(frozen=True)
class Content:
    versions: dict[str, int]  # question key -> version id
    options: dict[str, list[str]]  # question key -> option keys
    domain_ids: list[int]
    domain_keys: dict[int, str]
    sessions: list[tuple[int, int, date]]  # (session id, area id, the day it ran)


def load_content(engine: Engine, sessions: int, seed: int = 2024) -> Content:
    """The starter framework and questions (as ``flask demo`` loads them), AREAS areas,
    and ``sessions`` one-day sessions spread over the eight quarters."""
    rng = random.Random(seed)
    with Session(engine) as session:
        framework = demo.load_framework(session)
        flow = demo.load_starter_questions(session, framework)
        areas = [
            demo.ensure_area(session, f"AREA{n:02d}", f"Bench partnership {n}")
            for n in range(1, AREAS + 1)
        ]
        made = [
            GroupSession(
                code=f"B{number:07d}",  # unique without drawing random codes
                area=areas[number % AREAS],
                flow=flow,
                session_date=FIRST_DAY.date() + timedelta(days=rng.randrange(DAYS)),
                status=SessionStatus.CLOSED,
                languages=["en_GB"],
                audiences=[a.value for a in Audience],
            )
            for number in range(sessions)
        ]
        session.add_all(made)
        session.commit()
        versions = dict(
            session.execute(
                select(Question.key, QuestionVersion.id).join(
                    QuestionVersion, QuestionVersion.question_id == Question.id
                )
            ).all()
        )
        options: dict[str, list[str]] = {}
        for key in (CHOOSE_ONE, CHOOSE_MANY):
            options[key] = list(
                session.scalars(
                    select(QuestionOption.key)
                    .where(QuestionOption.version_id == versions[key])
                    .order_by(QuestionOption.position)
                )
            )
        domains = session.execute(
            select(OutcomeDomain.id, OutcomeDomain.key)
            .where(OutcomeDomain.framework_id == framework.id)
            .order_by(OutcomeDomain.position)
        ).all()
        return Content(
            versions,
            options,
            [d.id for d in domains],
            {d.id: d.key for d in domains},
            [(s.id, s.area_id, s.session_date) for s in made],
        )


# --- the rows: written as the app would store them, facts (score, picks) included ---------


@dataclass
class Batch:
    participants: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[tuple[Any, ...]] = field(default_factory=list)
    choices: list[tuple[Any, ...]] = field(default_factory=list)
    people_with_top_three: int = 0


def _face(rng: random.Random, audience: Audience) -> int:
    return rng.choice((1, 3, 5)) if audience is Audience.CHILD_4_7 else rng.randint(1, 5)


def _skip(rng: random.Random, value: Any) -> Any:
    return None if rng.random() < SKIP_OTHER else value


def _one_persons_answers(
    rng: random.Random, content: Content, audience: Audience, weights: Sequence[float]
) -> list[tuple[str, Any, float | None, list[int]]]:
    """(question key, value or None for a skip, score, top-3 domain ids) x 10."""
    planned: list[tuple[str, Any, float | None, list[int]]] = []
    for key in FACES:
        face = _skip(rng, _face(rng, audience))
        planned.append((key, face, None if face is None else (face - 1) / 4, []))
    for key in YES_MAYBE_NO:
        said = _skip(rng, rng.choice(("yes", "maybe", "no")))
        planned.append((key, said, {"yes": 1.0, "maybe": 0.5, "no": 0.0}.get(said or ""), []))
    planned.append((CHOOSE_ONE, _skip(rng, rng.choice(content.options[CHOOSE_ONE])), None, []))
    many = rng.sample(content.options[CHOOSE_MANY], rng.randint(1, 3))
    planned.append((CHOOSE_MANY, _skip(rng, many), None, []))
    if rng.random() < SKIP_TOP_THREE:
        planned.append((TOP_THREE, None, None, []))
        return planned
    picked: list[int] = []
    while len(picked) < 3:
        domain = rng.choices(content.domain_ids, weights)[0]
        if domain not in picked:
            picked.append(domain)
    picked = picked[: 3 if rng.random() < 0.85 else rng.randint(1, 2)]
    # The value holds domain keys; the same picks are rows, as the app derives them.
    planned.append((TOP_THREE, [content.domain_keys[d] for d in picked], None, picked))
    return planned


def generate(content: Content, participants: int, seed: int = 2024) -> Iterator[Batch]:
    """People in batches, each in a session (started on its day) and an audience, with
    ten answers. Each answer carries its score and top-3 picks, as the app derives."""
    rng = random.Random(seed)
    audiences = list(Audience)
    # Each audience leans towards different domains, so the order differs between groups.
    weights = {
        audience: [rng.uniform(0.5, 3.0) for _ in content.domain_ids] for audience in audiences
    }
    answer_id = 0
    for start in range(0, participants, BATCH):
        batch = Batch()
        for number in range(start, min(start + BATCH, participants)):
            person_id = f"{number:032x}"
            session_id, area_id, day = content.sessions[rng.randrange(len(content.sessions))]
            audience = audiences[rng.randrange(len(audiences))]
            started = datetime(day.year, day.month, day.day, 9) + timedelta(
                seconds=rng.randrange(8 * 3600)
            )
            person = (person_id, session_id, area_id, audience.value)
            batch.participants.append((*person, "en_GB", "tablet", "finished", "", started))
            planned = _one_persons_answers(rng, content, audience, weights[audience])
            for at, (key, value, score, picked) in enumerate(planned, start=1):
                answer_id += 1
                batch.answers.append(
                    (
                        answer_id,
                        person_id,
                        content.versions[key],
                        value is None,
                        None if value is None else json.dumps(value),
                        f"bench-{answer_id:09d}",  # in order: cheap to index
                        started + timedelta(seconds=30 * at),
                        score,
                    )
                )
                batch.choices.extend((answer_id, r, d) for r, d in enumerate(picked, start=1))
            batch.people_with_top_three += planned[-1][1] is not None
        yield batch


# --- writing in bulk --------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as SQLAlchemy stores a DateTime on SQLite
        return value.isoformat(sep=" ", timespec="microseconds")
    return value


def insert_rows(engine: Engine, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """SQLite: one executemany through the driver. PostgreSQL: COPY through psycopg."""
    if not rows:
        return
    names = ", ".join(columns)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            marks = ", ".join("?" for _ in columns)
            connection.exec_driver_sql(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 (fixed names)
                [tuple(_sqlite_value(v) for v in row) for row in rows],
            )
            return
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def build(engine: Engine, result: Result, participants: int, say: Callable[[str], None]) -> None:
    started = time.perf_counter()
    migrate.upgrade(engine)
    result.sessions = max(AREAS, -(-participants // PEOPLE_PER_SESSION))
    content = load_content(engine, result.sessions)
    say(f"schema and content ready in {time.perf_counter() - started:.1f} s")
    step = max(1, participants // BATCH // 5)
    for index, batch in enumerate(generate(content, participants)):
        insert_rows(engine, "participant", PARTICIPANT_COLUMNS, batch.participants)
        insert_rows(engine, "answer", ANSWER_COLUMNS, batch.answers)
        insert_rows(engine, "answer_choice", CHOICE_COLUMNS, batch.choices)
        result.participants += len(batch.participants)
        result.answers += len(batch.answers)
        result.choices += len(batch.choices)
        result.expected_people += batch.people_with_top_three
        if (index + 1) % step == 0 or result.participants == participants:
            say(
                f"inserted {result.participants:,} people, {result.answers:,} answers "
                f"({time.perf_counter() - started:.1f} s)"
            )
    # Fresh statistics, as autovacuum (PostgreSQL) or a routine ANALYZE would give.
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    result.build_seconds = time.perf_counter() - started
    say(f"built in {result.build_seconds:.1f} s")


# --- timing -------------------------------------------------------------------------------


def _median_seconds(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def measure(
    engine: Engine, result: Result, plan: argparse.Namespace, say: Callable[[str], None]
) -> None:
    filters = Filters(framework_version=1)
    rules = Rules()
    with Session(engine) as session:
        # Right before fast: the engine's raw total must be everyone who gave a "what
        # matters most" answer. Untimed, so it is also the warm-up run.
        result.computed_people = compute(session, filters).total.people
        session.rollback()
        if result.computed_people != result.expected_people:
            raise SystemExit(
                f"{result.database}: the engine counted {result.computed_people} people, "
                f"the data has {result.expected_people}"
            )
        say(f"checked: the engine counts {result.computed_people:,} people (untimed warm-up)")
        for name, breakdowns in VARIANTS:
            runs = plan.repeat if breakdowns == DASHBOARD else plan.each_repeat
            if runs < 1:
                continue

            def figures(breakdowns: tuple[str, ...] = breakdowns) -> Published:
                return published_figures(session, filters, breakdowns, rules, datetime.now(UTC))

            seconds, published = _median_seconds(figures, runs)
            result.figures_seconds[name] = seconds
            if breakdowns == DASHBOARD:
                result.published = published
            say(f"figures, {name}: {seconds:.3f} s")
            session.rollback()  # a fresh snapshot each time, as a new request would have

        def count() -> int:
            return session.execute(text("SELECT COUNT(*) FROM answer")).scalar_one()

        result.count_seconds, result.counted_answers = _median_seconds(count, max(plan.repeat, 5))
        say(f"COUNT(*): {result.count_seconds:.4f} s")


# --- databases ----------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    folder = Path(tempfile.mkdtemp(prefix="voice-bench-"))
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    try:
        yield engine
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_database(server_url: str) -> Iterator[Engine]:
    """A database of its own on the server, dropped afterwards."""
    with throwaway_postgres(server_url) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def run_one(database: str, plan: argparse.Namespace) -> Result:
    result = Result(database)

    def say(message: str) -> None:
        print(f"[{database}] {message}", flush=True)

    if database == "postgres":
        why = postgres_reachable(plan.postgres_url)
        if why:
            result.skipped = f"not reachable at {_safe_url(plan.postgres_url)}: {why}"
            say(f"skipped: {result.skipped}")
            return result
        opened = postgres_database(plan.postgres_url)
    else:
        opened = sqlite_database()
    with opened as engine:
        build(engine, result, plan.participants, say)
        measure(engine, result, plan, say)
    return result


# --- the report -------------------------------------------------------------------------


def _runs(number: int) -> str:
    return f"{number} run{'' if number == 1 else 's'}"


def report(results: Sequence[Result], plan: argparse.Namespace) -> str:
    measured = [r for r in results if not r.skipped]
    lines = [
        "",
        f"Priorities benchmark: figures = published_figures for the total + breakdowns by "
        f"audience, area and quarter (median of {_runs(plan.repeat)}); COUNT(*) = a plain "
        f"count of the answer table (median of {_runs(max(plan.repeat, 5))})",
        f"{'database':<10}{'people':>10}{'answers':>12}{'top-3 rows':>12}{'build s':>10}"
        f"{'figures s':>11}{'COUNT(*) s':>12}{'ratio':>9}",
    ]
    for r in measured:
        lines.append(
            f"{r.database:<10}{r.participants:>10,}{r.answers:>12,}{r.choices:>12,}"
            f"{r.build_seconds:>10.1f}{r.figures_seconds[VARIANTS[0][0]]:>11.3f}"
            f"{r.count_seconds:>12.4f}{r.ratio:>8.0f}x"
        )
    for r in results:
        if r.skipped:
            lines.append(f"{r.database:<10}skipped: {r.skipped}")
    if measured and plan.each_repeat:
        lines += ["", f"Each on its own, seconds (median of {_runs(plan.each_repeat)}):"]
        lines.append(f"{'database':<10}" + "".join(f"{name:>14}" for name, _ in VARIANTS[1:]))
        for r in measured:
            lines.append(
                f"{r.database:<10}"
                + "".join(f"{r.figures_seconds[name]:>14.3f}" for name, _ in VARIANTS[1:])
            )
    if measured:
        lines.append("")
        for r in measured:
            shown = r.published.total.people if r.published else None
            figures = r.figures_seconds[VARIANTS[0][0]]
            lines.append(
                f"{r.database}: ratio {r.ratio:.0f}x (figures {figures:.3f} s / COUNT(*) "
                f"{r.count_seconds:.4f} s over {r.counted_answers:,} answers); "
                f"{r.computed_people:,} people answered what matters most "
                f"(published as {shown:,}) in {r.sessions:,} sessions"
            )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines.append(f"Load average at the end: {load} on {os.cpu_count()} CPUs")
    return "\n".join(lines)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--participants",
        type=int,
        default=100_000,
        help=f"people to make (default 100000; answers = {ANSWERS_PER_PERSON} x people)",
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgres",
        help="comma-separated: sqlite, postgres (default both)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of the dashboard's figures (median)"
    )
    parser.add_argument(
        "--each-repeat",
        type=int,
        default=1,
        help="timed runs of the total and of each breakdown on its own (0 skips them)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("VOICE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL server to make a throwaway database on "
        f"(default {DEFAULT_POSTGRES_URL})",
    )
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - {"sqlite", "postgres"}
    if unknown or not args.databases:
        parser.error(f"--databases takes sqlite and/or postgres, not {','.join(sorted(unknown))}")
    if args.participants < 1 or args.repeat < 1 or args.each_repeat < 0:
        parser.error("--participants and --repeat must be at least 1, --each-repeat at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> list[Result]:
    args = parse_args(argv)
    print(
        f"Building {args.participants:,} people and "
        f"{args.participants * ANSWERS_PER_PERSON:,} answers on: {', '.join(args.databases)}",
        flush=True,
    )
    results = [run_one(database, args) for database in args.databases]
    print(report(results, args), flush=True)
    return results


if __name__ == "__main__":
    main()

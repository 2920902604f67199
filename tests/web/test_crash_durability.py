"""Answers survive the server being killed: none acknowledged is lost, none is doubled.

The app runs under gunicorn (2 workers, 4 threads each) on a fresh database of the pass's
kind (SQLite, or PostgreSQL on the PostgreSQL pass), loaded with ``migrate`` and the demo.
60 simulated tablets walk whole journeys for 30 seconds; the server is killed with
SIGKILL (master and workers, the whole process group) twice in the middle and started
again. A tablet sends a POST again, unchanged (same cookie, CSRF token and submission
id), on a refused or broken connection or a 5xx, as a browser's retry or a person
tapping Next again would.

"Acknowledged" means the tablet received the server's redirect onward (302/303 to the
next question or to the talk page) for that answer's POST: the point at which the person
sees the next page and would not send it again. Anything the tablet never saw answered
may or may not be stored, and may only be stored once.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url

from tests.support.database import _create_worker_database, _server
from tests.support.forms import csrf_token
from tests.support.participants import load_demo, post_page
from tests.support.tablets import Gunicorn, Sent, Tablet, Tally, free_port, server_environ
from voice_app import create_app, migrate
from voice_app.database import make_engine
from voice_app.extensions import db
from voice_app.models import Answer, Participant, WebSession
from voice_app.server_session import hash_session_id

TABLETS = 60
RUN_SECONDS = 30
KILL_AT_SECONDS = (10, 20)
MAX_TRIES = 150  # 0.2 s apart: a tablet waits at least 30 s for the server to come back
GRACE_AFTER_RESTART_S = 1.0  # replies to requests sent just before the kill may come late
MIN_ACKNOWLEDGED_BETWEEN_KILLS = 30
STALL_S = 10  # how much longer a phase may run on a slow machine to reach that


def wait_until(moment: float, tally: Tally, more_answers: int) -> None:
    """Until ``moment`` and ``more_answers`` acknowledged since now (at most STALL_S late)."""
    with tally.lock:
        wanted = tally.acknowledged + more_answers
    give_up_at = moment + STALL_S
    while time.monotonic() < give_up_at:
        with tally.lock:
            enough = tally.acknowledged >= wanted
        if enough and time.monotonic() >= moment:
            return
        time.sleep(0.1)


@pytest.fixture
def crash_database_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own for the server: never the suite's shared one."""
    if os.environ.get("VOICE_TEST_DATABASE") != "postgres":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # The suite's own helper for a database beside the given one, as for each xdist worker.
    url = _create_worker_database(os.environ["VOICE_TEST_POSTGRES_URL"], f"crash_{worker}")
    try:
        yield url
    finally:
        server = _server(url)
        with server.connect() as connection:
            name = make_url(url).database
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def prepare(database_url: str, instance: Path, environ: dict[str, str]) -> str:
    """Migrate and load the demo, as an operator would; returns the open session's code."""
    settings = {name: environ[f"VOICE_{name}"] for name in ("ENV", "SECRET_KEY", "PSEUDONYM_KEY")}
    app = create_app({**settings, "DATABASE_URL": database_url}, str(instance))
    with app.app_context():
        migrate.upgrade(db.engine)
    result = app.test_cli_runner().invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    app.extensions["voice_db"].dispose()
    return json.loads(result.output)["session_code"]


@pytest.mark.long
def test_no_acknowledged_answer_is_lost_or_stored_twice_when_the_server_is_killed(
    crash_database_url: str, tmp_path: Path
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    # Memory storage: this test is about the database; the limits have their own tests.
    environ = server_environ(crash_database_url, RATELIMIT_STORAGE_URL="memory://")
    code = prepare(crash_database_url, instance, environ)
    port = free_port()
    server = Gunicorn(port, instance, environ, tmp_path / "gunicorn.log")
    server.start()

    tally = Tally()
    stop = threading.Event()
    tablets = [Tablet(n, port, code, tally, MAX_TRIES) for n in range(TABLETS)]
    threads = [threading.Thread(target=t.run, args=(stop,), daemon=True) for t in tablets]
    started = time.monotonic()
    down: list[tuple[float, float]] = []  # (killed, answering again + grace)
    try:
        for thread in threads:
            thread.start()
        for kill_at in KILL_AT_SECONDS:
            # On a busy machine the server is slow: kill only once it has taken answers.
            wait_until(started + kill_at, tally, MIN_ACKNOWLEDGED_BETWEEN_KILLS)
            killed = time.monotonic()
            server.kill()
            server.start()
            down.append((killed, time.monotonic() + GRACE_AFTER_RESTART_S))
        wait_until(started + RUN_SECONDS, tally, MIN_ACKNOWLEDGED_BETWEEN_KILLS)
        stop.set()
        for thread in threads:
            thread.join(timeout=MAX_TRIES * 0.2 + 20)
        assert not any(thread.is_alive() for thread in threads), "a tablet never finished"
    finally:
        stop.set()
        server.kill()

    sent: dict[str, Sent] = {s.submission_id: s for t in tablets for s in t.sent}
    acknowledged = {sid: s for sid, s in sent.items() if s.acknowledged_at is not None}
    engine = make_engine(crash_database_url)
    with engine.connect() as connection:
        rows = {
            row.submission_id: row
            for row in connection.execute(
                select(
                    Answer.submission_id,
                    Answer.participant_id,
                    Answer.skipped,
                    Answer.free_text,
                )
            )
        }
        stored_per_id = connection.execute(
            select(func.count(), func.count(func.distinct(Answer.submission_id)))
        ).one()
        doubled_questions = connection.execute(
            select(Answer.participant_id, Answer.version_id)
            .group_by(Answer.participant_id, Answer.version_id)
            .having(func.count() > 1)
        ).all()
        participants = connection.scalar(select(func.count()).select_from(Participant))
        without_answers = connection.scalar(
            select(func.count())
            .select_from(Participant)
            .where(~select(Answer.id).where(Answer.participant_id == Participant.id).exists())
        )
    engine.dispose()

    lost = sorted(sid for sid in acknowledged if sid not in rows)
    changed = sorted(
        sid
        for sid, s in acknowledged.items()
        if sid in rows and (rows[sid].skipped, rows[sid].free_text) != (s.skipped, s.free_text)
    )
    never_sent = sorted(sid for sid in rows if sid not in sent)
    unexplained = sorted(
        sid
        for sid in rows
        if sid in sent and not sent[sid].acknowledged_at and not sent[sid].gave_up
    )
    people_per_journey: dict[str, set[str]] = defaultdict(set)
    for sid, s in acknowledged.items():
        if sid in rows:
            people_per_journey[s.journey].add(rows[sid].participant_id)
    split_journeys = sorted(j for j, people in people_per_journey.items() if len(people) > 1)
    server_errors_up = [
        at
        for at in tally.server_errors_at
        if not any(killed <= at <= back for killed, back in down)
    ]
    after_last_restart = sum(1 for s in acknowledged.values() if s.acknowledged_at > down[-1][1])

    kills = ", ".join(
        f"{killed - started:.0f} s (down {back - killed:.1f} s)" for killed, back in down
    )
    print(f"\n{TABLETS} tablets for {time.monotonic() - started:.0f} s, killed at {kills}")
    print(
        f"  journeys started {sum(t.journeys_started for t in tablets)}, "
        f"finished {sum(t.journeys_finished for t in tablets)}"
    )
    print(
        f"  answers sent {len(sent)}, acknowledged {len(acknowledged)}, stored {len(rows)} "
        f"(rows {stored_per_id[0]}, distinct ids {stored_per_id[1]}), "
        f"acknowledged after the last restart {after_last_restart}"
    )
    print(f"  stored but never acknowledged (tablet gave up) {len(rows) - len(acknowledged)}")
    print(f"  participants {participants}, with no answer yet {without_answers}")
    print(
        f"  retried and then answered: {tally.errors.get('POST answered after a retry', 0)} "
        f"POSTs, {tally.errors.get('GET answered after a retry', 0)} GETs"
    )
    for kind, n in sorted(tally.errors.items()):
        print(f"  {kind}: {n}")

    assert lost == [], f"acknowledged answers missing from the database: {lost[:5]}"
    assert stored_per_id[0] == stored_per_id[1] == len(rows)
    assert doubled_questions == [], "a person has two answers to one question"
    assert changed == [], f"stored answers differ from what was sent: {changed[:5]}"
    assert never_sent == [] and unexplained == [], (never_sent[:5], unexplained[:5])
    assert split_journeys == [], f"one journey's answers went to two people: {split_journeys}"
    assert server_errors_up == [], f"{len(server_errors_up)} 5xx while the server was up"
    journeys = sum(t.journeys_started for t in tablets)
    assert participants <= journeys, f"{participants} participants for {journeys} journeys"
    assert len(acknowledged) >= MIN_ACKNOWLEDGED_BETWEEN_KILLS, "too few answers to judge"
    assert after_last_restart > 0, "nothing was answered after the last restart"


def test_start_pressed_again_after_a_lost_reply_counts_one_participant(app, client, runner):
    """The crash test's rarest case, made on purpose: the participant was committed but
    the server died before it saved the session, so the retry arrives with the session
    as it was before the press."""
    code = load_demo(runner)
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/join", data={"csrf_token": token, "code": code}).status_code == 302
    client.get("/language")
    assert post_page(client, "/who", {"answer": "parent_carer"}).status_code == 302
    page = client.get("/about")
    start = {"csrf_token": csrf_token(page.get_data(as_text=True)), "assent": "yes"}
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    row = WebSession.id_sha256 == hash_session_id(cookie)
    with app.app_context():
        before_the_press = db.session.scalar(select(WebSession.data).where(row))

    assert client.post("/about", data=start).headers["Location"] == "/q/1"
    with app.app_context():
        db.session.execute(update(WebSession).where(row).values(data=before_the_press))
        db.session.commit()
    assert client.post("/about", data=start).headers["Location"] == "/q/1"

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1

"""On SQLite, requests that read and then write at the same time all succeed.

A transaction that begins (deferred) before its reads asks for the write lock only at
its first write; when another connection wrote meanwhile, SQLite refuses at once with
"database is locked", however long the busy timeout. The app sends BEGIN IMMEDIATE just
before a transaction's first write instead: a second writer waits its turn, and reads
never wait for a writer.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, event, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from voice_app.database import make_engine
from voice_app.models import Area

pytestmark = pytest.mark.skipif(
    os.environ.get("VOICE_TEST_DATABASE") == "postgres",
    reason="SQLite's locking; PostgreSQL's transactions are unchanged",
)
BOTH_HAVE_READ_WITHIN_S = 2.0


def read_then_write_at_once(engine: Engine) -> list[str]:
    """Two threads: each reads the area, waits until both have read, then renames it.

    Returns "ok" or the database's error for each, in the order they finished.
    """
    both_have_read = threading.Barrier(2, timeout=BOTH_HAVE_READ_WITHIN_S)
    outcomes: list[str] = []

    def writer(name: str) -> None:
        try:
            with Session(engine) as session:
                session.scalar(select(Area.name))
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_have_read.wait()
                session.execute(update(Area).values(name=name))
                time.sleep(0.2)  # hold the lock a moment: the other must wait, not fail
                session.commit()
        except OperationalError as error:
            outcomes.append(str(error.orig))
        else:
            outcomes.append("ok")

    threads = [threading.Thread(target=writer, args=(f"Area {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    """A SQLite file of its own, with one area to write to."""
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        Area.__table__.create(connection)
        connection.execute(text("INSERT INTO area (code, name) VALUES ('N1', 'North')"))
    engine.dispose()
    return url


def test_two_sessions_reading_then_writing_at_once_both_succeed(sqlite_file: str) -> None:
    engine = make_engine(sqlite_file)
    assert read_then_write_at_once(engine) == ["ok", "ok"]
    with engine.connect() as connection:
        assert connection.scalar(select(Area.name)) in {"Area 1", "Area 2"}
    engine.dispose()


def test_the_same_work_in_deferred_transactions_fails_one_at_once(sqlite_file: str) -> None:
    # What BEGIN IMMEDIATE avoids: the transaction begins before the reads (SQLAlchemy's
    # recipe with a plain BEGIN, or Python 3.12's sqlite3 with autocommit=False).
    engine = make_engine(sqlite_file)

    @event.listens_for(engine, "begin")
    def _deferred_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    started = time.monotonic()
    outcomes = read_then_write_at_once(engine)
    assert sorted(outcomes) == ["database is locked", "ok"]
    assert time.monotonic() - started < 4, "it failed at once, not after the busy timeout"
    engine.dispose()


def test_reading_never_waits_for_a_writer(sqlite_file: str) -> None:
    engine = make_engine(sqlite_file)
    with Session(engine) as writer, Session(engine) as reader:
        writer.execute(update(Area).values(name="Renamed, not yet committed"))
        started = time.monotonic()
        assert reader.scalar(select(Area.name)) == "North"  # the last commit
        assert time.monotonic() - started < 1
        writer.commit()
        assert reader.scalar(select(Area.name)) == "Renamed, not yet committed"
    engine.dispose()

"""The database: one engine per app, one SQLAlchemy session per app context.

SQLite runs in WAL mode with a busy timeout, foreign keys on and ``synchronous=FULL``;
PostgreSQL runs through psycopg 3 with the same code. Models live in ``voice_app.models``.

SQLite write transactions begin with ``BEGIN IMMEDIATE``, sent just before a
transaction's first write: it takes the write lock, waiting up to the busy timeout for
it. Reads before that run on their own and never wait or hold a lock; each sees the
latest commit, as under PostgreSQL's READ COMMITTED. A transaction that begins (deferred)
before its reads and writes later would be refused at once with "database is locked"
whenever another worker wrote in between, however long the busy timeout. So the write
lock is held from the first write to the commit, never while a page renders. The
request's session ends in ``after_request``, before the server-side session row is saved
on a connection of its own, so a request never waits for a lock it holds itself.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask, Response, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

# Register the hooks that derive every answer's aggregate facts when it is written, and
# that move the question-page content counter on whenever that content changes.
from voice_app import answer_facts, content_generation  # noqa: F401


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs, as operators usually write them."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# Statements, written as text, that only read (or begin a transaction themselves):
# anything else is taken as a write.
_READ_ONLY_WORDS = frozenset({"SELECT", "PRAGMA", "EXPLAIN", "VALUES", "BEGIN"})


def _writes(statement: str, context: Any) -> bool:
    compiled = getattr(context, "compiled", None)
    if compiled is not None and not context.is_text:
        return bool(context.is_crud or context.isddl)
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() not in _READ_ONLY_WORDS


def make_engine(url: str, *, sqlite_busy_timeout_ms: int = 5000, pool_size: int = 5) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_timeout_ms / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
            # We say when transactions begin (below); pysqlite's own BEGIN is deferred.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(sqlite_busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            # FULL: an acknowledged answer survives a power cut, not only a crash.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "before_cursor_execute")
        def _begin_immediate_before_first_write(
            connection: Connection,
            cursor: sqlite3.Cursor,
            statement: str,
            _parameters: Any,
            context: Any,
            _executemany: bool,
        ) -> None:
            if connection.connection.dbapi_connection.in_transaction:
                return
            if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return
            if _writes(statement, context):
                cursor.execute("BEGIN IMMEDIATE")

        return engine
    # PostgreSQL: a connection per worker thread (gunicorn.conf.py sets DB_POOL_SIZE to the
    # threads) and as many again for a thread that briefly holds two; pre-ping replaces
    # connections the server closed, recycle retires them before a firewall's idle timeout
    # does, and a request waits 10 s at most for one.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_timeout=10,
    )


class Database:
    """Created unbound at import time; ``init_app`` attaches it to an app."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"],
            sqlite_busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
            pool_size=int(app.config.get("DB_POOL_SIZE", 5)),
        )
        app.extensions["voice_db"] = engine
        app.after_request(self._end_request_session)
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["voice_db"]

    @property
    def session(self) -> Session:
        """The session of the current app context, opened on first use."""
        if "db_session" not in g:
            g.db_session = Session(self.engine, expire_on_commit=False)
        return g.db_session

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def _end_request_session(self, response: Response) -> Response:
        # Registered first, so it runs after every other after_request function and
        # before the session row is saved: that write must not wait for this lock.
        self._close_session(None)
        return response

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

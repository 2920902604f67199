"""Which database the suite runs on, and how tests get a clean one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, delete, text
from sqlalchemy.engine import make_url

from voice_app.database import normalise_url
from voice_app.models import Base

# Rendering checks (axe, layout, words on pages) do not depend on the database: they run
# once, on the SQLite pass, so the PostgreSQL pass keeps to what the database changes.
rendering_only = pytest.mark.skipif(
    os.environ.get("VOICE_TEST_DATABASE") == "postgres",
    reason="rendering check: database-independent, run once on SQLite",
)


# What JavaScript adds happens in the browser: without it the same answers reach the
# database by plain forms, which the PostgreSQL pass still walks.
javascript_only = pytest.mark.skipif(
    os.environ.get("VOICE_TEST_DATABASE") == "postgres",
    reason="JavaScript's part is database-independent; the no-JS walk runs on PostgreSQL",
)


def database_url_for_tests(tmp_dir: Path) -> str:
    """SQLite in a temporary folder, or PostgreSQL when VOICE_TEST_DATABASE=postgres.

    With pytest-xdist each worker gets a database of its own (on PostgreSQL, one made
    next to the given one and dropped by ``drop_worker_database``).
    """
    kind = os.environ.get("VOICE_TEST_DATABASE", "sqlite")
    if kind == "postgres":
        url = os.environ.get("VOICE_TEST_POSTGRES_URL")
        if not url:
            raise RuntimeError("VOICE_TEST_DATABASE=postgres needs VOICE_TEST_POSTGRES_URL")
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker:
            url = _create_worker_database(url, worker)
        return url
    return f"sqlite:///{tmp_dir / 'voice-test.db'}"


def _server(url: str) -> Engine:
    admin = make_url(normalise_url(url)).set(database="postgres")
    return create_engine(admin, isolation_level="AUTOCOMMIT")


def _create_worker_database(url: str, worker: str) -> str:
    parsed = make_url(normalise_url(url))
    name = f"{parsed.database}_{worker}"
    server = _server(url)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_worker_database(url: str) -> None:
    if not url.startswith("postgresql") or not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    server = _server(url)
    with server.connect() as connection:
        name = make_url(url).database
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def drop_everything(engine: Engine) -> None:
    """Leave the database empty, Alembic's own table included."""
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def empty_all_tables(engine: Engine) -> None:
    # DELETE, not TRUNCATE: on tables this small PostgreSQL's TRUNCATE is far slower.
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))

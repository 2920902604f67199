"""Which database the suite runs on, and how tests get a clean one."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, delete, text

from voice_app.models import Base


def database_url_for_tests(tmp_dir: Path) -> str:
    """SQLite in a temporary folder, or PostgreSQL when VOICE_TEST_DATABASE=postgres."""
    kind = os.environ.get("VOICE_TEST_DATABASE", "sqlite")
    if kind == "postgres":
        url = os.environ.get("VOICE_TEST_POSTGRES_URL")
        if not url:
            raise RuntimeError("VOICE_TEST_DATABASE=postgres needs VOICE_TEST_POSTGRES_URL")
        return url
    return f"sqlite:///{tmp_dir / 'voice-test.db'}"


def drop_everything(engine: Engine) -> None:
    """Leave the database empty, Alembic's own table included."""
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def empty_all_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(delete(table))

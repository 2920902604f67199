"""Migrations from an empty database reach exactly the models' schema."""

from __future__ import annotations

from sqlalchemy import inspect

from voice_app import migrate
from voice_app.models import Base


def test_migrations_from_empty_match_the_models(migrated_engine):
    # migrated_engine was built from nothing by running every migration.
    assert migrate.schema_differences(migrated_engine) == []


def test_every_model_table_exists_after_migrating(migrated_engine):
    tables = set(inspect(migrated_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_running_migrations_again_changes_nothing(migrated_engine):
    migrate.upgrade(migrated_engine)
    assert migrate.schema_differences(migrated_engine) == []

"""Fixtures: app, client, runner, and staff for each role. Helpers live in tests/support."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine

from tests.support.database import (
    database_url_for_tests,
    drop_everything,
    drop_worker_database,
    empty_all_tables,
)
from tests.support.pages import CheckedClient
from tests.support.staff import log_in, make_staff
from voice_app import create_app, migrate
from voice_app.database import make_engine
from voice_app.models import Role


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pytest-xdist hands tests out in collection order: a test of several minutes met
    # last leaves the other worker idle until it ends. Started first, it overlaps the rest.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return database_url_for_tests(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """The schema is built once per run through the real migrations."""
    engine = make_engine(database_url)
    drop_everything(engine)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    drop_worker_database(database_url)


@pytest.fixture
def instance_dir(tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    path.mkdir()
    return path


@pytest.fixture
def app(migrated_engine: Engine, database_url: str, instance_dir: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "PSEUDONYM_KEY": "test-pseudonym-key-" + "y" * 32,
            # Cheap hashes keep the suite fast; test_passwords checks the real parameters.
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
        },
        instance_path=str(instance_dir),
    )
    app.test_client_class = CheckedClient
    yield app
    app.extensions["voice_db"].dispose()
    empty_all_tables(migrated_engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def staff(app: Flask) -> dict[Role, str]:
    """One account per role, named after the role."""
    for role in Role:
        make_staff(app, role.value.replace("_", "-"), role)
    return {role: role.value.replace("_", "-") for role in Role}


@pytest.fixture
def login_as(client: FlaskClient, staff: dict[Role, str]) -> Callable[[Role], FlaskClient]:
    def login(role: Role) -> FlaskClient:
        response = log_in(client, staff[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return login

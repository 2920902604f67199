"""Every route x every method x everyone: the outcome the access table says, nothing more.

The table is tests/support/access_rules.py (one line per endpoint); the world it runs
against (two areas, sessions A and B with different facilitators, a flag, recordings,
a tablet link, studio content, an API client) is tests/support/access_world.py.
"""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support.access_matrix import check_access
from tests.support.access_rules import ACCESS
from tests.support.access_world import Who, World, build_world


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.mark.parametrize("who", list(Who), ids=lambda who: who.value)
def test_everyone_gets_exactly_what_the_access_table_says_from_every_route(
    app: Flask, world: World, who: Who
) -> None:
    problems = check_access(app, world, ACCESS, who)
    assert problems == [], "\n".join(problems)

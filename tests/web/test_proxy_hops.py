"""Rate limits count per client behind a proxy, and a client cannot dodge them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.support.forms import csrf_token
from voice_app import create_app


@pytest.fixture
def app_with_hops(app: Flask, instance_dir) -> Callable[[int], Flask]:
    def make(hops: int) -> Flask:
        config = {k: app.config[k] for k in ("ENV", "TESTING", "DATABASE_URL")}
        config.update(
            SECRET_KEY=app.config["SECRET_KEY"],
            PSEUDONYM_KEY=app.config["PSEUDONYM_KEY"],
            PROXY_HOPS=hops,
        )
        made = create_app(config, instance_path=str(instance_dir))
        return made

    return make


def _wrong_codes(app: Flask, forwarded_for: str, tries: int) -> list[int]:
    client = app.test_client()
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_token(client.get("/", headers=headers).get_data(as_text=True))
    return [
        client.post(
            "/join", data={"csrf_token": token, "code": "AAAAAA"}, headers=headers
        ).status_code
        for _ in range(tries)
    ]


def test_behind_one_proxy_each_client_address_has_its_own_limit(app_with_hops):
    app = app_with_hops(1)
    assert _wrong_codes(app, "203.0.113.1", 11) == [400] * 10 + [429]
    # Another family's phone behind the same proxy is not locked out with them.
    assert _wrong_codes(app, "203.0.113.2", 1) == [400]
    assert _wrong_codes(app, "203.0.113.1", 1) == [429]


def test_without_a_proxy_a_forged_forwarded_header_does_not_reset_the_limit(app_with_hops):
    app = app_with_hops(0)
    assert _wrong_codes(app, "203.0.113.1", 10) == [400] * 10
    assert _wrong_codes(app, "198.51.100.7", 1) == [429]

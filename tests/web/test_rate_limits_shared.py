"""Guessing is limited per client, also when the app runs as several processes.

Two real app processes (gunicorn, one worker each, on two ports) share the suite's
database, so a cookie made on one works on the other. With memory storage each process
counts alone: a client locked out by one is still let in by the other, which is why a
deployment with several workers sets ``VOICE_RATELIMIT_STORAGE_URL=redis://...``. With
Redis the two count together: ten failures spread over both lock the client out of both.

Redis is the one on 127.0.0.1:6379, with a key prefix of this run's own (its keys are
deleted at the end). Without it these tests are skipped locally, and fail in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient

from tests.support.forms import csrf_token
from tests.support.tablets import Browser, Gunicorn, Tally, free_port, server_environ
from voice_app.config import Defaults
from voice_app.models import Role

# CI always has Redis here; VOICE_TEST_REDIS_URL points the tests at another one.
REDIS_URL = os.environ.get("VOICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = pytest.mark.skipif(
    os.environ.get("VOICE_TEST_DATABASE") == "postgres",
    reason="rate limits are counted in memory or Redis, not the database: run on SQLite only",
)


def allowed_failures(limit: str) -> int:
    """10 from "10 per 5 minutes"."""
    return int(limit.split()[0])


@dataclass(frozen=True)
class Storage:
    name: str
    url: str
    key_prefix: str
    redis: redis.Redis | None = None

    @property
    def shared(self) -> bool:
        return self.redis is not None

    def keys(self) -> list[bytes]:
        assert self.redis is not None
        return list(self.redis.scan_iter(match=f"*{self.key_prefix}*"))


def reachable_redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI always has Redis at {REDIS_URL}, but: {error}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); CI runs these")
    return client


@pytest.fixture(scope="module", params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> Iterator[Storage]:
    prefix = f"family-voice-test-{uuid.uuid4().hex}"
    if request.param == "memory":
        yield Storage("memory", "memory://", prefix)
        return
    storage = Storage("redis", REDIS_URL, prefix, reachable_redis())
    try:
        yield storage
    finally:
        keys = storage.keys()
        if keys:
            storage.redis.delete(*keys)
        storage.redis.close()


@pytest.fixture(scope="module")
def two_processes(
    storage: Storage, database_url: str, migrated_engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, int]]:
    """Two app processes on two ports, with the same keys, database and limit storage."""
    folder = tmp_path_factory.mktemp(f"limits-{storage.name}")
    environ = server_environ(
        database_url,
        RATELIMIT_STORAGE_URL=storage.url,
        RATELIMIT_KEY_PREFIX=storage.key_prefix,
    )
    servers = []
    try:
        for name in ("a", "b"):
            instance = folder / name
            instance.mkdir()
            server = Gunicorn(
                free_port(), instance, environ, folder / f"{name}.log", workers=1, threads=2
            )
            servers.append(server)
            server.launch()
        for server in servers:
            server.wait_until_ready()
        yield servers[0].port, servers[1].port
    finally:
        for server in servers:
            server.kill()


# --- one failed attempt of each kind, sent to either process ---------------------------------


class Client:
    """One person's browser (one cookie), able to reach either process."""

    def __init__(self, ports: tuple[int, int], cookies: dict[str, str] | None = None) -> None:
        self.ports = ports
        self.browsers = [Browser(port, Tally(), max_tries=1) for port in ports]
        for browser in self.browsers:
            browser.cookies = dict(cookies or {})

    def page_token(self, process: int, path: str) -> str:
        reply = self._browser(process).request("GET", path)
        assert reply.status == 200, (path, reply.status)
        return csrf_token(reply.body)

    def post(self, process: int, path: str, data: dict[str, object]) -> tuple[int, str]:
        reply = self._browser(process).request("POST", path, data)
        return reply.status, reply.body

    def _browser(self, process: int) -> Browser:
        browser = self.browsers[process]
        # Both processes share the session, so both keep the newest cookie.
        other = self.browsers[1 - process]
        browser.cookies.update(other.cookies)
        return browser


@dataclass(frozen=True)
class Guess:
    """A kind of guessing: where it is sent, what a wrong guess is, and its limit."""

    path: str
    limit: str
    wrong: Callable[[int], dict[str, object]]
    signed_in_as: Role | None = None


GUESSES = {
    # A wrong password is refused before any second step, so only passwords count here.
    "password at sign-in": Guess(
        "/staff/login",
        Defaults.LOGIN_FAILURES_LIMIT,
        lambda n: {"username": f"nobody-{n}", "password": f"wrong-password-{n}"},
    ),
    "session code at /join": Guess(
        "/join", Defaults.JOIN_CODE_FAILURES_LIMIT, lambda _n: {"code": "AAAAAA"}
    ),
    "withdrawal code": Guess(
        "/facilitate/withdraw",
        Defaults.WITHDRAWAL_CODE_FAILURES_LIMIT,
        lambda _n: {"code": "ACEF-HJKM"},
        signed_in_as=Role.RESEARCHER,
    ),
}
FORM_PAGE = {"/join": "/"}  # the page whose form posts there, when it is another


@pytest.mark.parametrize("kind", list(GUESSES))
def test_guesses_lock_a_client_out_after_the_configured_number(
    kind: str,
    storage: Storage,
    two_processes: tuple[int, int],
    login_as: Callable[[Role], FlaskClient],
) -> None:
    guess = GUESSES[kind]
    cookies = {}
    if guess.signed_in_as is not None:
        signed_in = login_as(guess.signed_in_as)
        name = signed_in.application.config["SESSION_COOKIE_NAME"]
        cookies[name] = signed_in.get_cookie(name).value
    person = Client(two_processes, cookies)
    token = person.page_token(0, FORM_PAGE.get(guess.path, guess.path))
    attempts = iter(range(1000))

    def send(process: int) -> int:
        data = {"csrf_token": token, **guess.wrong(next(attempts))}
        return person.post(process, guess.path, data)[0]

    allowed = allowed_failures(guess.limit)
    assert allowed == 10
    if storage.shared:
        # Alternately to each process: neither alone sees more than half the failures.
        statuses = [send(attempt % 2) for attempt in range(allowed)]
        assert statuses == [400] * allowed
        assert (send(0), send(1)) == (429, 429), "the count is not shared between processes"
        status, page = person.post(0, guess.path, {"csrf_token": token, **guess.wrong(0)})
        assert status == 429 and "Too many tries" in page
        assert storage.keys(), "no rate-limit keys with this run's prefix in Redis"
    else:
        statuses = [send(0) for _attempt in range(allowed)]
        assert statuses == [400] * allowed
        assert send(0) == 429
        # Memory storage counts per process: the other one has seen nothing yet.
        assert send(1) == 400


def test_with_redis_down_each_process_still_limits_and_nothing_fails(
    database_url: str, migrated_engine, tmp_path: Path
) -> None:
    # Nothing listens on port 1: every call to this "Redis" is refused.
    environ = server_environ(database_url, RATELIMIT_STORAGE_URL="redis://127.0.0.1:1/0")
    server = Gunicorn(free_port(), tmp_path, environ, tmp_path / "server.log", workers=1)
    server.start()
    try:
        person = Client((server.port, server.port))
        token = person.page_token(0, "/")
        wrong = {"csrf_token": token, "code": "AAAAAA"}
        statuses = [person.post(0, "/join", wrong)[0] for _attempt in range(11)]
    finally:
        server.kill()
    allowed = allowed_failures(Defaults.JOIN_CODE_FAILURES_LIMIT)
    assert statuses == [400] * allowed + [429]


def test_redis_storage_and_key_prefix_come_from_the_environment(tmp_path: Path) -> None:
    from voice_app.config import build_config

    environ = {
        "VOICE_RATELIMIT_STORAGE_URL": "redis://redis.internal:6379/2",
        "VOICE_RATELIMIT_KEY_PREFIX": "family-voice-north",
    }
    config = build_config(tmp_path, environ, {"SECRET_KEY": "k" * 40, "PSEUDONYM_KEY": "p" * 40})
    assert config["RATELIMIT_STORAGE_URI"] == "redis://redis.internal:6379/2"
    assert config["RATELIMIT_KEY_PREFIX"] == "family-voice-north"
    defaults = build_config(tmp_path, {}, {"SECRET_KEY": "k" * 40, "PSEUDONYM_KEY": "p" * 40})
    assert defaults["RATELIMIT_STORAGE_URI"] == "memory://"

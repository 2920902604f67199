"""Layered configuration: defaults, then instance/config.py, then VOICE_* variables.

Secrets are never in the repository. In development and testing the app creates
its keys on first run in ``instance/`` (mode 600); in production it refuses to start
without real keys, so a deployment can never run on a key anyone could guess.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KNOWN_WEAK_KEYS = frozenset(
    {"", "dev", "development", "secret", "changeme", "change-me", "default", "test", "key"}
)
MIN_KEY_LENGTH = 32
KEY_FILES = {"SECRET_KEY": "secret_key", "PSEUDONYM_KEY": "pseudonym_key"}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to do."""


class Defaults:
    """Values every deployment starts from. Override in instance/config.py or VOICE_*."""

    ENV = "development"  # development | testing | production
    DATABASE_URL: str | None = None  # default: SQLite file in instance/
    SQLITE_BUSY_TIMEOUT_MS = 5000
    SESSION_COOKIE_NAME = "voice_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    STAFF_IDLE_MINUTES = 30
    PARTICIPANT_IDLE_MINUTES = 30
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the server-side session
    BABEL_DEFAULT_LOCALE = "en_GB"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    BABEL_TRANSLATION_DIRECTORIES = "../translations"
    MIN_CELL_SIZE = 10
    LIVE_ROOM_MIN_CELL_SIZE = 5
    ROUND_COUNTS_TO = 5
    RETENTION_DAYS = 730
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_KIB = 65536
    RATELIMIT_STORAGE_URL = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    JOIN_CODE_FAILURES_LIMIT = "10 per 5 minutes"
    LOGIN_FAILURES_LIMIT = "10 per 5 minutes"  # per client, on top of the account lock
    LOGIN_LOCKOUT_FAILURES = 5  # wrong passwords in a row that lock an account
    LOGIN_LOCKOUT_MINUTES = 15
    WITHDRAWAL_CODE_FAILURES_LIMIT = "10 per 5 minutes"


def build_config(
    instance_path: Path, environ: Mapping[str, str], overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return the effective configuration for an app whose instance folder is given.

    Kept free of Flask so the rules can be tested on their own; the factory copies
    the result into ``app.config``.
    """
    config: dict[str, Any] = {k: v for k, v in vars(Defaults).items() if k.isupper()}
    config.update(_read_instance_config(instance_path / "config.py"))
    config.update(_read_prefixed_env(environ))
    config.update(overrides or {})

    env = str(config["ENV"])
    if env not in {"development", "testing", "production"}:
        raise ConfigError(f"VOICE_ENV must be development, testing or production, not {env!r}.")
    config["RATELIMIT_STORAGE_URI"] = config["RATELIMIT_STORAGE_URL"]
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'voice.db'}"

    for name, filename in KEY_FILES.items():
        config[name] = _resolve_key(name, config.get(name), instance_path / filename, env)

    if env == "production" and (
        int(config["ARGON2_TIME_COST"]) < 2 or int(config["ARGON2_MEMORY_KIB"]) < 19456
    ):
        raise ConfigError(
            "ARGON2_TIME_COST and ARGON2_MEMORY_KIB are below the OWASP minimum "
            "(time 2, memory 19456 KiB) for argon2id."
        )
    if env != "development":
        # Browsers only accept a __Host- cookie that is Secure, host-only and path=/.
        config["SESSION_COOKIE_SECURE"] = True
        if not str(config["SESSION_COOKIE_NAME"]).startswith("__Host-"):
            config["SESSION_COOKIE_NAME"] = "__Host-" + str(config["SESSION_COOKIE_NAME"])
    return config


def _read_instance_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102 - the operator's own file  # nosec B102
    return {k: v for k, v in namespace.items() if k.isupper()}


def _read_prefixed_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """VOICE_FOO=bar sets FOO. Whole numbers and true/false are converted."""
    values: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith("VOICE_") or key.startswith("VOICE_TEST_"):
            continue
        name = key.removeprefix("VOICE_")
        value: Any = raw
        if raw.lower() in {"true", "false"}:
            value = raw.lower() == "true"
        elif raw.isdigit():
            value = int(raw)
        values[name] = value
    return values


def _resolve_key(name: str, given: Any, key_file: Path, env: str) -> str:
    if given:
        key = str(given)
    elif key_file.exists():
        key = key_file.read_text(encoding="utf-8").strip()
    elif env == "production":
        raise ConfigError(
            f"{name} is missing. Set VOICE_{name} or write a random value of at least "
            f"{MIN_KEY_LENGTH} characters to {key_file} (mode 600). "
            "Production never generates keys by itself."
        )
    else:
        key = _generate_key_file(key_file)
    if env == "production" and (key.lower() in KNOWN_WEAK_KEYS or len(key) < MIN_KEY_LENGTH):
        raise ConfigError(
            f"{name} is too short or a well-known default. Use at least "
            f"{MIN_KEY_LENGTH} random characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    return key


def _generate_key_file(key_file: Path) -> str:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting at once must not overwrite each other's key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key

"""Layered configuration: defaults, then instance/config.py, then VOICE_* variables.

Secrets are never in the repository. In development and testing the app creates
its keys on first run in ``instance/`` (mode 600); in production it refuses to start
without real keys, so a deployment can never run on a key anyone could guess. In every
environment a missing pseudonymisation key stops the app when the database already
holds hashes made with it: a fresh key would silently break every one of them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from voice_app.pseudonyms import PseudonymKeys

KNOWN_WEAK_KEYS = frozenset(
    {"", "dev", "development", "secret", "changeme", "change-me", "default", "test", "key"}
)
MIN_KEY_LENGTH = 32
# File names in instance/. pseudonym_key holds one key, before any rotation;
# pseudonym_keys holds the key ring, oldest first, once the key has been rotated.
KEY_FILES = {
    "SECRET_KEY": "secret_key",
    "PSEUDONYM_KEY": "pseudonym_key",
    "PSEUDONYM_KEYS": "pseudonym_keys",
}


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
    # memory:// counts per worker process; with several workers or servers set
    # VOICE_RATELIMIT_STORAGE_URL=redis://host:6379/0 so they share one count.
    RATELIMIT_STORAGE_URL = "memory://"
    # Keys in a shared Redis start with this: one value per deployment on the same Redis.
    RATELIMIT_KEY_PREFIX = "family-voice"
    # Redis unreachable: count in each worker's memory meanwhile, never answer 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    JOIN_CODE_FAILURES_LIMIT = "10 per 5 minutes"
    LOGIN_FAILURES_LIMIT = "10 per 5 minutes"  # per client, on top of the account lock
    LOGIN_LOCKOUT_FAILURES = 5  # wrong passwords in a row that lock an account
    LOGIN_LOCKOUT_MINUTES = 15
    WITHDRAWAL_CODE_FAILURES_LIMIT = "10 per 5 minutes"
    # How many reverse proxies (TLS terminator, load balancer) stand in front of the app.
    # Limits count per client address: behind a proxy every client would share the
    # proxy's one address unless X-Forwarded-For is trusted for exactly this many hops.
    # 0 trusts no forwarded header, so a client cannot dodge a limit by sending its own.
    PROXY_HOPS = 0


def build_config(
    instance_path: Path,
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None,
    *,
    keyed_hashes_stored: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """Return the effective configuration for an app whose instance folder is given.

    Kept free of Flask so the rules can be tested on their own; the factory copies
    the result into ``app.config``. ``keyed_hashes_stored(database_url)`` says whether
    the database holds pseudonymised hashes; it is asked only when no pseudonymisation
    key is found, before one would be generated.
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

    config["SECRET_KEY"] = _resolve_key(
        "SECRET_KEY", config.get("SECRET_KEY"), instance_path / KEY_FILES["SECRET_KEY"], env
    )
    ring, source = _resolve_pseudonym_keys(config, instance_path, env, keyed_hashes_stored)
    config["PSEUDONYM_KEYS"] = ring
    config["PSEUDONYM_KEYS_SOURCE"] = source
    config["PSEUDONYM_KEY"] = ring.current

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
        raise ConfigError(_missing_key_message(name, key_file))
    else:
        key = _generate_key_file(key_file)
    if env == "production":
        _refuse_weak_key(name, key)
    return key


def _missing_key_message(name: str, key_file: Path) -> str:
    return (
        f"{name} is missing. Set VOICE_{name} or write a random value of at least "
        f"{MIN_KEY_LENGTH} characters to {key_file} (mode 600). "
        "Production never generates keys by itself."
    )


def is_weak_key(key: str) -> bool:
    """Too short to resist guessing, or a default anyone could try."""
    return key.lower() in KNOWN_WEAK_KEYS or len(key) < MIN_KEY_LENGTH


def _refuse_weak_key(name: str, key: str) -> None:
    if is_weak_key(key):
        raise ConfigError(
            f"{name} is too short or a well-known default. Use at least "
            f"{MIN_KEY_LENGTH} random characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )


def read_key_ring_file(path: Path) -> tuple[str, ...]:
    """One key a line, oldest first; blank lines ignored."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip())


def _hashes_stored(config: Mapping[str, Any], keyed_hashes_stored: Callable[[str], bool]) -> bool:
    try:
        return keyed_hashes_stored(str(config["DATABASE_URL"]))
    except Exception as error:  # any failure: we cannot tell, so make no key
        raise ConfigError(
            "PSEUDONYM_KEY is missing, and the database could not be checked for hashes "
            f"that depend on it ({type(error).__name__}). Start the database and try "
            "again, or restore the key file."
        ) from error


def _resolve_pseudonym_keys(
    config: Mapping[str, Any],
    instance_path: Path,
    env: str,
    keyed_hashes_stored: Callable[[str], bool] | None,
) -> tuple[PseudonymKeys, str]:
    """The key ring and where it came from (a file path, or which setting).

    In order: PSEUDONYM_KEYS (VOICE_PSEUDONYM_KEYS, keys separated by spaces or commas,
    oldest first), instance/pseudonym_keys, PSEUDONYM_KEY, instance/pseudonym_key.
    """
    ring_file = instance_path / KEY_FILES["PSEUDONYM_KEYS"]
    single_file = instance_path / KEY_FILES["PSEUDONYM_KEY"]
    given_ring = config.get("PSEUDONYM_KEYS")
    given_key = str(config["PSEUDONYM_KEY"]) if config.get("PSEUDONYM_KEY") else ""
    if given_ring:
        if isinstance(given_ring, str):
            keys = tuple(given_ring.replace(",", " ").split())
        else:
            keys = tuple(str(key) for key in given_ring)
        source = "PSEUDONYM_KEYS setting"
    elif ring_file.exists():
        keys, source = read_key_ring_file(ring_file), str(ring_file)
    elif given_key:
        keys, source = (given_key,), "PSEUDONYM_KEY setting"
    elif single_file.exists():
        keys, source = (single_file.read_text(encoding="utf-8").strip(),), str(single_file)
    else:
        keys, source = (), ""
    if not keys or not all(keys):
        if keyed_hashes_stored is not None and _hashes_stored(config, keyed_hashes_stored):
            raise ConfigError(
                f"PSEUDONYM_KEY is missing ({single_file} and {ring_file} do not exist and "
                "VOICE_PSEUDONYM_KEY is not set), but the database already holds linkage "
                "references and withdrawal codes hashed with it. Restore the key file from "
                "your backup (or set VOICE_PSEUDONYM_KEY) and start again. A new key would "
                "make every stored code unusable, so the app will not make one."
            )
        if env == "production":
            raise ConfigError(_missing_key_message("PSEUDONYM_KEY", single_file))
        keys, source = (_generate_key_file(single_file),), str(single_file)
    if given_key and given_key not in keys:
        raise ConfigError(
            f"PSEUDONYM_KEY is not one of the keys in {source}. Remove VOICE_PSEUDONYM_KEY "
            "(the key ring's newest key is used) or restore the matching key ring."
        )
    if env == "production":
        _refuse_weak_key("PSEUDONYM_KEY", keys[-1])
    return PseudonymKeys(keys), source


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

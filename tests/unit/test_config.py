"""Configuration rules: keys made on first run in development, refused in production."""

from __future__ import annotations

import stat

import pytest

from voice_app.config import ConfigError, build_config


def test_first_run_in_development_writes_private_key_files(tmp_path):
    config = build_config(tmp_path, {}, None)
    for name in ("secret_key", "pseudonym_key"):
        path = tmp_path / name
        assert path.exists()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert len(config["SECRET_KEY"]) >= 32
    assert config["SECRET_KEY"] != config["PSEUDONYM_KEY"]


def test_second_run_reuses_the_same_keys(tmp_path):
    first = build_config(tmp_path, {}, None)
    second = build_config(tmp_path, {}, None)
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["PSEUDONYM_KEY"] == second["PSEUDONYM_KEY"]


def test_production_refuses_to_start_without_keys_and_makes_none(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is missing"):
        build_config(tmp_path, {"VOICE_ENV": "production"}, None)
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("weak", ["dev", "changeme", "short-key"])
def test_production_refuses_a_default_or_short_key(tmp_path, weak):
    env = {"VOICE_ENV": "production", "VOICE_SECRET_KEY": weak, "VOICE_PSEUDONYM_KEY": "p" * 48}
    with pytest.raises(ConfigError, match="too short or a well-known default"):
        build_config(tmp_path, env, None)


def test_production_uses_a_secure_host_only_cookie(tmp_path):
    env = {"VOICE_ENV": "production", "VOICE_SECRET_KEY": "s" * 48, "VOICE_PSEUDONYM_KEY": "p" * 48}
    config = build_config(tmp_path, env, None)
    assert config["SESSION_COOKIE_NAME"] == "__Host-voice_session"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_layers_apply_in_order_defaults_instance_environment_overrides(tmp_path):
    (tmp_path / "config.py").write_text("MIN_CELL_SIZE = 20\nROUND_COUNTS_TO = 10\n")
    config = build_config(tmp_path, {"VOICE_ROUND_COUNTS_TO": "3"}, {"RETENTION_DAYS": 1})
    assert config["MIN_CELL_SIZE"] == 20  # instance/config.py
    assert config["ROUND_COUNTS_TO"] == 3  # environment beats instance
    assert config["RETENTION_DAYS"] == 1  # test overrides beat everything


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    config = build_config(tmp_path, {}, None)
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'voice.db'}"


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="VOICE_ENV"):
        build_config(tmp_path, {"VOICE_ENV": "prod"}, None)


# --- the pseudonymisation key: never a fresh one over hashes that depend on the old ---


@pytest.mark.parametrize("env", ["development", "testing", "production"])
def test_a_missing_pseudonym_key_with_stored_hashes_stops_the_app_and_makes_no_key(tmp_path, env):
    asked: list[str] = []

    def hashes_stored(url: str) -> bool:
        asked.append(url)
        return True

    environ = {"VOICE_ENV": env, "VOICE_SECRET_KEY": "s" * 48}
    with pytest.raises(ConfigError) as caught:
        build_config(tmp_path, environ, None, keyed_hashes_stored=hashes_stored)
    message = str(caught.value)
    assert str(tmp_path / "pseudonym_key") in message
    assert "already holds" in message and "Restore the key file" in message
    assert not (tmp_path / "pseudonym_key").exists()
    assert asked == [f"sqlite:///{tmp_path / 'voice.db'}"]


def test_a_missing_pseudonym_key_with_no_stored_hashes_is_generated_outside_production(tmp_path):
    config = build_config(tmp_path, {}, None, keyed_hashes_stored=lambda _url: False)
    assert config["PSEUDONYM_KEY"] == (tmp_path / "pseudonym_key").read_text().strip()
    assert config["PSEUDONYM_KEYS"].keys == (config["PSEUDONYM_KEY"],)


def test_the_database_is_not_asked_when_the_key_is_there(tmp_path):
    (tmp_path / "pseudonym_key").write_text("k" * 48 + "\n")

    def must_not_be_asked(_url: str) -> bool:
        raise AssertionError("asked the database although the key exists")

    config = build_config(tmp_path, {}, None, keyed_hashes_stored=must_not_be_asked)
    assert config["PSEUDONYM_KEY"] == "k" * 48


def test_a_key_ring_file_wins_and_its_newest_key_hashes_new_values(tmp_path):
    (tmp_path / "pseudonym_key").write_text("old" * 16 + "\n")
    (tmp_path / "pseudonym_keys").write_text("old" * 16 + "\n\n" + "new" * 16 + "\n")
    config = build_config(tmp_path, {}, None)
    assert config["PSEUDONYM_KEYS"].keys == ("old" * 16, "new" * 16)
    assert config["PSEUDONYM_KEY"] == "new" * 16
    assert config["PSEUDONYM_KEYS_SOURCE"] == str(tmp_path / "pseudonym_keys")


def test_a_key_ring_can_come_from_the_environment_oldest_first(tmp_path):
    env = {"VOICE_PSEUDONYM_KEYS": f"{'a' * 40}, {'b' * 40}"}
    config = build_config(tmp_path, env, None)
    assert config["PSEUDONYM_KEYS"].keys == ("a" * 40, "b" * 40)
    assert not (tmp_path / "pseudonym_key").exists()


def test_a_pseudonym_key_setting_that_is_not_in_the_ring_is_refused(tmp_path):
    (tmp_path / "pseudonym_keys").write_text("a" * 40 + "\n" + "b" * 40 + "\n")
    with pytest.raises(ConfigError, match="not one of the keys"):
        build_config(tmp_path, {"VOICE_PSEUDONYM_KEY": "c" * 40}, None)


def test_no_key_is_made_when_the_database_cannot_be_checked(tmp_path):
    def unreachable(_url: str) -> bool:
        raise OSError("connection refused")

    with pytest.raises(ConfigError, match="could not be checked"):
        build_config(tmp_path, {}, None, keyed_hashes_stored=unreachable)
    assert not (tmp_path / "pseudonym_key").exists()

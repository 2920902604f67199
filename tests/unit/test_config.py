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

"""argon2id parameters: the defaults meet OWASP, and old hashes are upgraded."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from voice_app import passwords
from voice_app.config import ConfigError, build_config


@pytest.fixture(autouse=True)
def production_parameters():
    passwords.configure(passwords.DEFAULT_TIME_COST, passwords.DEFAULT_MEMORY_KIB)
    yield
    passwords.configure(passwords.DEFAULT_TIME_COST, passwords.DEFAULT_MEMORY_KIB)


def test_default_parameters_are_at_or_above_the_owasp_recommendation():
    hashed = passwords.hash_password("a long enough passphrase")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert passwords.DEFAULT_MEMORY_KIB >= passwords.OWASP_MIN_MEMORY_KIB
    assert passwords.DEFAULT_TIME_COST >= passwords.OWASP_MIN_TIME_COST


def test_a_right_password_with_old_parameters_gets_a_new_hash():
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("passphrase here")
    result = passwords.check_password(old, "passphrase here")
    assert result.ok and result.new_hash and "m=65536,t=3" in result.new_hash


def test_wrong_or_missing_hash_never_matches():
    good = passwords.hash_password("passphrase here")
    assert not passwords.check_password(good, "something else").ok
    assert not passwords.check_password(None, "passphrase here").ok
    assert not passwords.check_password("not a hash", "passphrase here").ok


def test_production_refuses_parameters_below_owasp(tmp_path):
    env = {
        "VOICE_ENV": "production",
        "VOICE_SECRET_KEY": "s" * 48,
        "VOICE_PSEUDONYM_KEY": "p" * 48,
        "VOICE_ARGON2_MEMORY_KIB": "4096",
    }
    with pytest.raises(ConfigError, match="OWASP"):
        build_config(tmp_path, env, None)

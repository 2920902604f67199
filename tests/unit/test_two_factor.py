"""The second factor's rules without a database: drift, replay, code shapes, hashing,
and the NCSC password rules (length and the breached list, no composition rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from voice_app import two_factor
from voice_app.accounts import PasswordProblem, password_problem
from voice_app.passwords import is_breached

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 12, 6, 12, 0, 10, tzinfo=UTC)
STEP = two_factor.time_step(NOW)


def code_at(step: int) -> str:
    return pyotp.TOTP(SECRET).generate_otp(step)


def test_the_code_the_app_shows_now_matches_the_current_step():
    app_code = pyotp.TOTP(SECRET).at(NOW)
    assert two_factor.matching_step(SECRET, app_code, NOW, None) == STEP


@pytest.mark.parametrize("drift", [-1, 1])
def test_one_step_of_clock_drift_either_way_is_allowed(drift):
    assert two_factor.matching_step(SECRET, code_at(STEP + drift), NOW, None) == STEP + drift


@pytest.mark.parametrize("drift", [-2, 2, -10])
def test_codes_further_out_are_refused(drift):
    assert two_factor.matching_step(SECRET, code_at(STEP + drift), NOW, None) is None


def test_a_used_code_is_refused_the_second_time():
    first = two_factor.matching_step(SECRET, code_at(STEP), NOW, None)
    assert first == STEP
    assert two_factor.matching_step(SECRET, code_at(STEP), NOW, last_step=first) is None
    # Nor does a code older than the one used work, though it is within the drift.
    assert two_factor.matching_step(SECRET, code_at(STEP - 1), NOW, last_step=first) is None
    # The next code does, once the clock gets there.
    later = NOW + timedelta(seconds=two_factor.STEP_SECONDS)
    assert two_factor.matching_step(SECRET, code_at(STEP + 1), later, last_step=first) == STEP + 1


@pytest.mark.parametrize(
    "typed",
    ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5x", "' OR 1=1 --", "\x00" * 6],
)
def test_anything_but_six_digits_is_no_code(typed):
    assert two_factor.normalise_code(typed) is None
    assert two_factor.matching_step(SECRET, typed, NOW, None) is None


def test_spaces_in_a_typed_code_are_ignored():
    spaced = code_at(STEP)[:3] + " " + code_at(STEP)[3:]
    assert two_factor.matching_step(SECRET, spaced, NOW, None) == STEP


def test_the_secret_is_shown_in_groups_of_four_and_the_qr_link_names_the_account():
    assert two_factor.grouped_secret("ABCDEFGHIJ") == "ABCD EFGH IJ"
    uri = two_factor.provisioning_uri(SECRET, "amira")
    assert uri.startswith("otpauth://totp/Family%20Voice:amira?")
    assert f"secret={SECRET}" in uri and "issuer=Family%20Voice" in uri


def test_recovery_codes_are_random_readable_and_hashed_without_the_code_itself():
    codes = {two_factor.new_recovery_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 19 and code.count("-") == 3
        assert set(code.replace("-", "")) <= set(two_factor.RECOVERY_ALPHABET)
    code = next(iter(codes))
    digest = two_factor.hash_recovery_code(code)
    assert len(digest) == 64 and code not in digest and code.replace("-", "") not in digest


def test_a_recovery_code_typed_in_capitals_without_dashes_or_with_o_for_0_still_matches():
    code = "0ab1-cdef-gh23-jkmn"
    typed = " OAB1 CDEF GH23 JKMN "
    assert two_factor.hash_recovery_code(typed) == two_factor.hash_recovery_code(code)
    assert two_factor.hash_recovery_code("0ab1-cdef-gh23-jkmp") != two_factor.hash_recovery_code(
        code
    )


@pytest.mark.parametrize(
    "password",
    [
        "qwerty123456",  # on the list as it is
        "QWERTY123456",  # capitals do not help
        "leavemealone",
        "Password2024!",  # a listed word with digits and symbols added
        "dragondragondragon",  # a listed word said over and over
        "aaaaaaaaaaaaaa",
        "123456789012",
    ],
)
def test_breached_and_common_passwords_are_refused(password):
    assert is_breached(password)
    assert password_problem(password) is PasswordProblem.BREACHED


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "all lower case and no digits at all",  # no composition rules
        "9vX!p2#Lq7$w",
        "çalışkan köpek yürüyor",
    ],
)
def test_long_unlisted_passwords_are_accepted_whatever_characters_they_use(password):
    assert password_problem(password) is None


def test_length_rules_are_at_least_twelve_and_at_most_256_characters():
    assert password_problem("x7#kq2!mzp9") is PasswordProblem.TOO_SHORT  # 11
    assert password_problem("x7#kq2!mzp9w") is None  # 12
    long_one = "correct horse battery staple " * 9
    assert password_problem(long_one[:256]) is None
    assert password_problem(long_one[:257]) is PasswordProblem.TOO_LONG

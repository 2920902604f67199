"""Keyed hashes and the key ring: a rotated value still matches what the person types."""

from __future__ import annotations

import pytest

from voice_app.pseudonyms import (
    LINKAGE,
    WITHDRAWAL,
    PseudonymKeyError,
    PseudonymKeys,
    generation_of,
    keyed_hash,
    lookup_hashes,
    rewrapped,
    stored_hash,
)

FIRST, SECOND, THIRD = ("a" * 40, "b" * 40, "c" * 40)


def test_one_key_stores_the_same_hex_hmac_as_before_rotation_existed():
    ring = PseudonymKeys((FIRST,))
    assert stored_hash(ring, WITHDRAWAL, "AC3FKM9X") == keyed_hash(FIRST, WITHDRAWAL, "AC3FKM9X")
    assert stored_hash(FIRST, WITHDRAWAL, "AC3FKM9X") == stored_hash(ring, WITHDRAWAL, "AC3FKM9X")
    assert len(stored_hash(ring, WITHDRAWAL, "AC3FKM9X")) == 64


def test_a_value_rewrapped_after_each_rotation_matches_the_typed_value_under_the_new_ring():
    old = stored_hash(PseudonymKeys((FIRST,)), LINKAGE, "local-ref-17")
    two = PseudonymKeys((FIRST, SECOND))
    three = two.with_new_key(THIRD)
    once = rewrapped(two, LINKAGE, old)
    assert once == stored_hash(two, LINKAGE, "local-ref-17")
    assert rewrapped(three, LINKAGE, once) == stored_hash(three, LINKAGE, "local-ref-17")
    # Skipping a generation gives the same value as rotating twice.
    assert rewrapped(three, LINKAGE, old) == stored_hash(three, LINKAGE, "local-ref-17")


def test_rewrapping_a_current_value_changes_nothing_so_a_rerun_is_harmless():
    ring = PseudonymKeys((FIRST, SECOND))
    current = stored_hash(ring, WITHDRAWAL, "AC3FKM9X")
    assert rewrapped(ring, WITHDRAWAL, current) == current


def test_lookups_find_a_value_at_any_generation_and_nothing_else():
    ring = PseudonymKeys((FIRST, SECOND, THIRD))
    forms = lookup_hashes(ring, WITHDRAWAL, "AC3FKM9X")
    assert [generation_of(form) for form in forms] == [1, 2, 3]
    assert all(len(form) <= 64 for form in forms)  # fits the existing columns
    assert set(forms).isdisjoint(lookup_hashes(ring, WITHDRAWAL, "AC3FKM9Y"))
    assert set(forms).isdisjoint(lookup_hashes(ring, LINKAGE, "AC3FKM9X"))


def test_a_value_from_a_newer_key_than_the_ring_holds_is_refused_not_guessed():
    newer = stored_hash(PseudonymKeys((FIRST, SECOND)), WITHDRAWAL, "AC3FKM9X")
    with pytest.raises(PseudonymKeyError, match="generation 2"):
        rewrapped(PseudonymKeys((FIRST,)), WITHDRAWAL, newer)


def test_a_key_ring_never_shows_its_keys_when_printed():
    ring = PseudonymKeys((FIRST, SECOND))
    assert FIRST not in repr(ring) and SECOND not in str(ring)

"""Rotating the pseudonymisation key: codes and references typed later still match.

People finish the real journey and keep their withdrawal codes; a facilitator's local
reference is stored as a linkage hash. After ``keys rotate-pseudonym`` and a restart,
both still match what is typed, nothing else changed, and a rotation that stopped
halfway finishes when run again. A missing key over stored hashes stops the app.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.pages import CheckedClient
from tests.support.participants import load_demo
from tests.support.studio import staff_client
from tests.web.test_withdrawal import ANSWERS, DONE, URL, finish_journey, withdraw
from voice_app import create_app, key_rotation
from voice_app.config import ConfigError
from voice_app.extensions import db
from voice_app.models import AuditEvent, Participant, Role
from voice_app.pseudonyms import LINKAGE, generation_of, lookup_hashes, stored_hash

REFERENCE = "FAC-REF-0042"  # what a facilitator types to link a person across sessions


def restarted(app: Flask, **changes: object) -> Flask:
    """The same deployment started again: same database, same instance folder."""
    settings = {
        name: app.config[name]
        for name in ("ENV", "TESTING", "DATABASE_URL", "SECRET_KEY", "ARGON2_TIME_COST")
    }
    settings |= {"ARGON2_MEMORY_KIB": app.config["ARGON2_MEMORY_KIB"]}
    settings |= {"PSEUDONYM_KEY": app.config["PSEUDONYM_KEYS"].keys[0]} | changes
    settings = {name: value for name, value in settings.items() if value is not None}
    again = create_app(settings, instance_path=app.instance_path)
    again.test_client_class = CheckedClient
    return again


def stored_hashes(app: Flask) -> dict[str, tuple[str | None, str | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(Participant.id, Participant.linkage_hmac, Participant.withdrawal_code_hmac)
        )
        return {row_id: (linkage, code) for row_id, linkage, code in rows}


def linked_people(app: Flask, reference: str) -> list[str]:
    with app.app_context():
        forms = lookup_hashes(app.config["PSEUDONYM_KEYS"], LINKAGE, reference)
        return list(
            db.session.scalars(select(Participant.id).where(Participant.linkage_hmac.in_(forms)))
        )


@pytest.fixture
def room(app: Flask, runner):
    """Two young people with withdrawal codes; the second also has a linkage reference."""
    session_code = load_demo(runner)
    first = finish_journey(app, session_code, ANSWERS["first"], talk="no")
    second = finish_journey(app, session_code, ANSWERS["second"], talk="no")
    with app.app_context():
        db.session.get(Participant, second.participant_id).linkage_hmac = stored_hash(
            app.config["PSEUDONYM_KEYS"], LINKAGE, REFERENCE
        )
        db.session.commit()
    return first, second


def rotation_events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "pseudonym_key.rotated")
            )
        )


def test_after_rotation_withdrawal_codes_and_linkage_references_still_match(app, runner, room):
    first, second = room
    before = stored_hashes(app)
    ring_file = Path(app.instance_path) / "pseudonym_keys"

    result = runner.invoke(args=["keys", "rotate-pseudonym", "--generate"])
    assert result.exit_code == 0, result.output
    assert "re-keyed 1 linkage references and 2 withdrawal codes" in result.output

    keys = ring_file.read_text().split()
    assert keys[0] == app.config["PSEUDONYM_KEYS"].keys[0] and len(keys) == 2
    assert stat.S_IMODE(ring_file.stat().st_mode) == 0o600
    assert keys[1] not in result.output  # the new key is never printed
    after = stored_hashes(app)
    assert after.keys() == before.keys()
    assert all(
        new != old and generation_of(new) == 2
        for row_id in before
        for old, new in zip(before[row_id], after[row_id], strict=True)
        if old is not None
    )
    [event] = rotation_events(app)
    assert event.detail == {"linkage_references": 1, "withdrawal_codes": 2}
    assert event.target_id == "2"

    again = restarted(app)
    assert again.config["PSEUDONYM_KEYS"].generation == 2
    assert linked_people(again, REFERENCE) == [second.participant_id]
    assert linked_people(again, "FAC-REF-0043") == []
    researcher = staff_client(again, "rosa", Role.RESEARCHER)
    done = withdraw(researcher, first.code)
    assert done.status_code == 302 and done.headers["Location"] == URL
    assert DONE in researcher.get(URL).get_data(as_text=True)
    assert set(stored_hashes(again)) == {second.participant_id}
    again.extensions["voice_db"].dispose()


def test_a_rotation_that_failed_midway_changed_nothing_and_finishes_when_run_again(
    app, runner, room, monkeypatch
):
    first, _second = room
    before = stored_hashes(app)

    def crash_before_commit(db_session, ring, **kwargs):
        key_rotation.rekey_stored_hashes(db_session, ring, **kwargs)
        raise OSError("the disk filled up")

    monkeypatch.setattr("voice_app.keys_cli.rekey_stored_hashes", crash_before_commit)
    failed = runner.invoke(args=["keys", "rotate-pseudonym", "--generate"])
    assert failed.exit_code == 1
    assert "changed nothing in the database" in failed.output
    assert "Run the command again" in failed.output
    assert stored_hashes(app) == before and rotation_events(app) == []
    monkeypatch.undo()

    # Started again meanwhile, the app already holds the new key: old codes still work.
    meanwhile = restarted(app)
    assert meanwhile.config["PSEUDONYM_KEYS"].generation == 2
    finished = meanwhile.test_cli_runner().invoke(args=["keys", "rotate-pseudonym"])
    assert finished.exit_code == 0, finished.output
    assert "had not finished: re-keyed 3 stored hashes to key generation 2" in finished.output
    assert all(
        generation_of(value) == 2 for pair in stored_hashes(app).values() for value in pair if value
    )
    # Nothing is left behind, so running it again is a fresh rotation, not a double wrap.
    third = meanwhile.test_cli_runner().invoke(args=["keys", "rotate-pseudonym", "--generate"])
    assert third.exit_code == 0, third.output
    assert [event.target_id for event in rotation_events(app)] == ["2", "3"]
    meanwhile.extensions["voice_db"].dispose()

    latest = restarted(app)
    assert withdraw(staff_client(latest, "rosa", Role.RESEARCHER), first.code).status_code == 302
    latest.extensions["voice_db"].dispose()


def test_in_production_the_new_key_comes_from_the_operator_and_is_never_echoed(app, tmp_path):
    production = restarted(
        app,
        ENV="production",
        PSEUDONYM_KEY="p" * 48,
        SECRET_KEY="s" * 48,
        ARGON2_TIME_COST=2,
        ARGON2_MEMORY_KIB=19456,
    )
    cli = production.test_cli_runner()
    refused = cli.invoke(args=["keys", "rotate-pseudonym", "--generate"])
    assert refused.exit_code == 2 and "the new key comes from you" in refused.output
    weak = tmp_path / "weak"
    weak.write_text("changeme\n")
    too_weak = cli.invoke(args=["keys", "rotate-pseudonym", "--new-key-file", str(weak)])
    assert too_weak.exit_code == 1 and "at least 32 random characters" in too_weak.output
    assert not (Path(app.instance_path) / "pseudonym_keys").exists()

    new_key = "operator-chosen-" + "q" * 40
    prompted = cli.invoke(args=["keys", "rotate-pseudonym"], input=f"{new_key}\n{new_key}\n")
    assert prompted.exit_code == 0, prompted.output
    assert new_key not in prompted.output
    ring = (Path(app.instance_path) / "pseudonym_keys").read_text().split()
    assert ring == ["p" * 48, new_key]
    production.extensions["voice_db"].dispose()


def test_a_missing_key_over_stored_hashes_stops_the_app_naming_the_file(app, room):
    with pytest.raises(ConfigError) as caught:
        restarted(app, PSEUDONYM_KEY=None)
    assert str(Path(app.instance_path) / "pseudonym_key") in str(caught.value)
    assert not (Path(app.instance_path) / "pseudonym_key").exists()


def test_a_fresh_key_is_made_only_while_no_stored_hash_depends_on_it(app):
    fresh = restarted(app, PSEUDONYM_KEY=None)
    assert (Path(app.instance_path) / "pseudonym_key").read_text().strip() == fresh.config[
        "PSEUDONYM_KEY"
    ]
    fresh.extensions["voice_db"].dispose()


def test_stored_hashes_behind_the_ring_are_counted_and_only_they_are_rewrapped(app, room):
    with app.app_context():
        ring = app.config["PSEUDONYM_KEYS"].with_new_key("n" * 40)
        assert key_rotation.hashes_behind(db.session, ring) == 3
        report = key_rotation.rekey_stored_hashes(db.session, ring)
        assert (report.linkage_references, report.withdrawal_codes) == (1, 2)
        assert key_rotation.hashes_behind(db.session, ring) == 0
        assert key_rotation.rekey_stored_hashes(db.session, ring).total == 0
        db.session.rollback()

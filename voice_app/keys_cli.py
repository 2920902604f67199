"""``flask --app voice_app keys rotate-pseudonym``: change the pseudonymisation key.

The new key comes from the operator (a hidden prompt, or a file they keep), and is never
printed. Outside production ``--generate`` makes one. Order matters for a crash: the key
ring file is written first, then every stored hash is re-keyed in one transaction; run
the command again after any failure and it finishes the job (voice_app/key_rotation.py).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from voice_app.config import KEY_FILES
from voice_app.extensions import db
from voice_app.key_rotation import (
    KeyRotationError,
    RekeyReport,
    checked_new_key,
    hashes_behind,
    rekey_stored_hashes,
    write_key_ring,
)
from voice_app.pseudonyms import PseudonymKeyError, PseudonymKeys


@click.group("keys")
def keys_command() -> None:
    """Manage the keys kept outside the database."""


def _new_key(ring: PseudonymKeys, key_file: Path | None, generate: bool) -> str:
    if generate:
        if current_app.config["ENV"] == "production":
            raise click.UsageError(
                "In production the new key comes from you: use --new-key-file or the prompt, "
                "and keep a copy where your backups of the key ring are."
            )
        return secrets.token_urlsafe(48)
    if key_file is not None:
        raw = key_file.read_text(encoding="utf-8")
    else:
        raw = click.prompt("New pseudonymisation key", hide_input=True, confirmation_prompt=True)
    try:
        return checked_new_key(ring, raw)
    except KeyRotationError as error:
        raise click.ClickException(str(error)) from error


def _rekey(ring: PseudonymKeys) -> RekeyReport:
    try:
        report = rekey_stored_hashes(db.session, ring)
        db.session.commit()
    except PseudonymKeyError as error:
        db.session.rollback()
        raise click.ClickException(f"{error} Restore the full key ring first.") from error
    except Exception as error:
        db.session.rollback()
        raise click.ClickException(
            "Re-keying stopped and changed nothing in the database "
            f"({type(error).__name__}). The key ring already holds the new key, and stored "
            "codes keep working. Run the command again to finish."
        ) from error
    current_app.config.update(PSEUDONYM_KEYS=ring, PSEUDONYM_KEY=ring.current)
    return report


@keys_command.command("rotate-pseudonym")
@with_appcontext
@click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the new key from this file (yours to keep safe) instead of a prompt.",
)
@click.option("--generate", is_flag=True, help="Make a random new key (not in production).")
def rotate_pseudonym_command(new_key_file: Path | None, generate: bool) -> None:
    """Rotate the pseudonymisation key and re-key every stored linkage hash.

    Safe to run again after a failure: a rotation that did not finish is finished
    first, without asking for another key.
    """
    ring: PseudonymKeys = current_app.config["PSEUDONYM_KEYS"]
    if current_app.config["PSEUDONYM_KEYS_SOURCE"] == "PSEUDONYM_KEYS setting":
        raise click.ClickException(
            "The key ring comes from VOICE_PSEUDONYM_KEYS, which this command cannot change. "
            "Add a new key at the end of VOICE_PSEUDONYM_KEYS yourself and run this command "
            "again to re-key, or move the keys into instance/pseudonym_keys."
        )
    behind = hashes_behind(db.session, ring)
    db.session.rollback()
    if behind:
        report = _rekey(ring)
        click.echo(
            f"An earlier rotation had not finished: re-keyed {report.total} stored hashes "
            f"to key generation {report.generation}. Run the command again to rotate to a "
            "new key."
        )
        return
    new_ring = ring.with_new_key(_new_key(ring, new_key_file, generate))
    instance = Path(current_app.instance_path)
    ring_file = instance / KEY_FILES["PSEUDONYM_KEYS"]
    write_key_ring(ring_file, new_ring)
    if current_app.config["PSEUDONYM_KEYS_SOURCE"] == str(instance / KEY_FILES["PSEUDONYM_KEY"]):
        # Its key is now the ring's first: one file to back up, and no stale one to fall
        # back on if the ring went missing.
        (instance / KEY_FILES["PSEUDONYM_KEY"]).unlink()
    report = _rekey(new_ring)
    click.echo(
        f"Rotated to key generation {report.generation}: re-keyed "
        f"{report.linkage_references} linkage references and {report.withdrawal_codes} "
        f"withdrawal codes in one transaction. The key ring is {ring_file} "
        "(mode 600): back it up, and restart the app so every worker uses the new key."
    )

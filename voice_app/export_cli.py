"""``flask --app voice_app export``: the research downloads from the command line.

The same filter parser and the same disclosure control as the web downloads and the
API, so a file made here holds the numbers a researcher would download.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from voice_app import exports
from voice_app.audit import record_event
from voice_app.disclosure import Rules, published_for_args
from voice_app.extensions import db
from voice_app.models import Audience
from voice_app.priorities import DIMENSIONS, FilterError

FORMATS = ("csv", "json", "datapackage")
STDOUT = "-"

# What was wrong, by FilterError.code (the argument's name); the CLI speaks English only.
PROBLEMS = {
    "framework": "--framework must be the version number of an outcome framework that exists.",
    "audience": "--audience must be one of: " + ", ".join(a.value for a in Audience) + ".",
    "area": "--area must be the code of an area that exists.",
    "session": "--session must be the id of a session.",
    "from": "--from must be a quarter such as 2026-Q1.",
    "to": "--to must be a quarter such as 2026-Q4, no earlier than --from.",
    "by": "--by must be one of: " + ", ".join(DIMENSIONS) + ".",
}


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="csv, json, or datapackage (a zip with datapackage.json and the CSV files).",
)
@click.option(
    "--output",
    required=True,
    help="File to write; '-' writes csv or json to standard output.",
)
@click.option("--framework", default=None, help="Outcome framework version (default: newest).")
@click.option("--audience", "audiences", multiple=True, help="Only this audience (repeatable).")
@click.option("--area", "areas", multiple=True, help="Only this area code (repeatable).")
@click.option("--session", "sessions", multiple=True, help="Only this session id (repeatable).")
@click.option("--from", "first", default=None, help="First quarter, such as 2026-Q1.")
@click.option("--to", "last", default=None, help="Last quarter (inclusive), such as 2026-Q4.")
@click.option(
    "--by",
    "breakdown",
    multiple=True,
    help="Break down by audience, area, session or quarter (repeatable).",
)
@with_appcontext
def export_command(
    fmt: str,
    output: str,
    framework: str | None,
    audiences: tuple[str, ...],
    areas: tuple[str, ...],
    sessions: tuple[str, ...],
    first: str | None,
    last: str | None,
    breakdown: tuple[str, ...],
) -> None:
    """Export the published priorities figures (after disclosure control)."""
    if output == STDOUT and fmt == "datapackage":
        raise click.BadParameter(
            "a data package is a zip file: give a file name.", param_hint="--output"
        )
    args = {
        "framework": [framework] if framework is not None else [],
        "audience": list(audiences),
        "area": list(areas),
        "session": list(sessions),
        "from": [first] if first is not None else [],
        "to": [last] if last is not None else [],
        "by": list(breakdown),
    }
    rules = Rules.from_config(current_app.config)
    try:
        published = published_for_args(db.session, args, rules, datetime.now(UTC))
    except FilterError as error:
        db.session.rollback()
        if error.code == "framework" and not args["framework"]:
            raise click.ClickException(
                "There is no outcome framework yet: load one (flask demo) first."
            ) from error
        raise click.ClickException(PROBLEMS.get(error.code, "Check the filters.")) from error

    if fmt == "csv":
        body: bytes = exports.to_csv(published).encode("utf-8")
    elif fmt == "json":
        body = (json.dumps(exports.to_json(published), indent=2, ensure_ascii=False) + "\n").encode(
            "utf-8"
        )
    else:
        body = exports.datapackage(published)

    if output == STDOUT:
        click.echo(body, nl=False)  # bytes go to the binary stream, unchanged
    else:
        try:
            Path(output).write_bytes(body)
        except OSError as error:
            raise click.ClickException(f"Could not write {output}: {error.strerror}") from error

    record_event(
        db.session,
        "priorities.export",
        actor_id=None,
        cli=True,
        format=fmt,
        breakdowns=list(published.breakdowns),
        **published.filters,
    )
    db.session.commit()
    if output != STDOUT:
        click.echo(
            f"Wrote {output} ({fmt}, outcome framework version {published.framework_version})."
        )

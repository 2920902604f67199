"""``flask --app voice_app purge``: delete raw answers past the retention period.

A dry run unless ``--apply`` is given. The figures stay: voice_app/retention.py folds
what the priorities engine counts into the retained tallies before anything goes.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from voice_app.extensions import db
from voice_app.retention import PurgeError, PurgeReport, cutoff_for, purge

# A hundred years: any longer is a typing slip, and would overflow the date arithmetic.
MAX_DAYS = 36_500


def _checked_days(value: object, source: str, error: type[click.ClickException]) -> int:
    """A whole number of days from 1 to MAX_DAYS, or a clear error naming ``source``."""
    text = "" if value is None or isinstance(value, bool) else str(value).strip()
    days = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= days <= MAX_DAYS:
        raise error(f"{source} must be a whole number of days from 1 to {MAX_DAYS}, not {value!r}.")
    return days


def _summary(report: PurgeReport) -> list[str]:
    day = report.cutoff.date().isoformat()
    answers = f"{report.answers} answer{'' if report.answers == 1 else 's'}"
    people = f"{report.participants} {'person' if report.participants == 1 else 'people'}"
    if report.applied:
        lines = [f"Deleted {answers} from {people} started before {day}; the figures stay."]
    else:
        lines = [
            # Words for the operator, not SQL.
            f"Dry run: would delete {answers} from {people} started before {day}; "  # nosec B608
            "the figures stay. Run again with --apply to delete."
        ]
    for framework in report.frameworks:
        lines.append(
            f"  Framework version {framework.framework_version}: {framework.people} "
            f"{'person' if framework.people == 1 else 'people'}'s "
            '"what matters most" answers kept as totals.'
        )
    if report.without_audience:
        lines.append(
            f"  {report.without_audience} of them had no audience recorded: "
            "their answers cannot be kept as totals."
        )
    return lines


@click.command("purge")
@click.option(
    "--older-than-days",
    "days_text",
    default=None,
    metavar="N",
    help="Delete people who started more than N days ago (default: RETENTION_DAYS).",
)
@click.option("--apply", is_flag=True, help="Really delete. Without it, only say what would go.")
@with_appcontext
def purge_command(days_text: str | None, apply: bool) -> None:
    """Delete raw answers past the retention period, keeping the figures. Dry run by default."""
    if days_text is None:
        setting = current_app.config.get("RETENTION_DAYS")
        days = _checked_days(setting, "The RETENTION_DAYS setting", click.ClickException)
    else:
        days = _checked_days(days_text, "--older-than-days", click.UsageError)
    session = db.session
    try:
        report = purge(session, cutoff_for(days), apply=apply)
    except PurgeError as error:
        session.rollback()
        raise click.ClickException(
            "Answers changed while the purge ran, so nothing was deleted. Run it again."
        ) from error
    if apply:
        session.commit()
    else:
        session.rollback()
    for line in _summary(report):
        click.echo(line)

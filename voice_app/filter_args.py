"""Read research filters from query arguments: one parser for the dashboard, the exports
and the API, so the same URL means the same figures everywhere. No Flask imports.

Arguments (each may repeat where it takes a list):
``framework`` (version number; default the newest), ``audience``, ``area`` (code),
``session`` (id), ``from`` and ``to`` (quarters such as ``2026-Q3``, inclusive).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from voice_app.models import Audience
from voice_app.periods import Quarter
from voice_app.priorities import DIMENSIONS, FilterError, Filters

MAX_VALUES = 200  # per argument: more than any real filter, fewer than a flood
BREAKDOWN_ARGUMENT = "by"


_AREA_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def _is_number(text: str) -> bool:
    # ASCII only: "²".isdigit() is true, but int("²") fails.
    return text.isascii() and text.isdigit() and len(text) <= 9


def _values(args: Mapping[str, Sequence[str]], name: str) -> list[str]:
    values = [v.strip() for v in args.get(name) or [] if v and v.strip()]
    if len(values) > MAX_VALUES:
        raise FilterError(name)
    return list(dict.fromkeys(values))  # repeated values count once


def parse_filters(
    args: Mapping[str, Sequence[str]],
    newest_framework: Callable[[], int | None],
    allowed_areas: Iterable[str] | None = None,
) -> Filters:
    """Filters from ``args`` (name -> list of strings). Raises FilterError with the
    argument's name as its code when a value is not valid.

    ``allowed_areas``, when given, limits the areas (an API token's scope): no area
    asked for means all allowed ones, and asking for another is refused.
    """
    framework_values = _values(args, "framework")
    if len(framework_values) > 1:
        raise FilterError("framework")
    if framework_values:
        if not _is_number(framework_values[0]):
            raise FilterError("framework")
        framework = int(framework_values[0])
    else:
        newest = newest_framework()
        if newest is None:
            raise FilterError("framework")
        framework = newest

    try:
        audiences = tuple(Audience(v) for v in _values(args, "audience"))
    except ValueError as error:
        raise FilterError("audience") from error

    areas = tuple(_values(args, "area"))
    if not all(_AREA_CODE.match(a) for a in areas):
        raise FilterError("area")
    if allowed_areas is not None:
        allowed = tuple(sorted(set(allowed_areas)))
        if any(a not in allowed for a in areas):
            raise FilterError("area_scope")
        areas = areas or allowed
        if not areas:
            raise FilterError("area_scope")

    sessions = _values(args, "session")
    if not all(_is_number(s) for s in sessions):
        raise FilterError("session")

    quarters: list[Quarter | None] = []
    for name in ("from", "to"):
        values = _values(args, name)
        if len(values) > 1:
            raise FilterError(name)
        try:
            quarters.append(Quarter.parse(values[0]) if values else None)
        except ValueError as error:
            raise FilterError(name) from error
    first, last = quarters
    if first and last and first > last:
        raise FilterError("to")

    return Filters(
        framework_version=framework,
        audiences=audiences,
        area_codes=areas,
        session_ids=tuple(int(s) for s in sessions),
        first_quarter=first,
        last_quarter=last,
    )


def parse_breakdowns(args: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """``by`` arguments: any of audience, area, session, quarter (default none)."""
    values = _values(args, BREAKDOWN_ARGUMENT)
    if any(v not in DIMENSIONS for v in values):
        raise FilterError(BREAKDOWN_ARGUMENT)
    return tuple(values)

"""Published figures as files for the shared outcome framework: CSV, JSON and a
Frictionless data package. No Flask imports.

Everything here starts from a ``disclosure.Published`` object, so nothing leaves the
app without disclosure control. A hidden figure is always an empty cell (CSV) or
``null`` (JSON), never 0, and a ``shown`` flag beside it says it was hidden on purpose.
The fields are documented in docs/outcome-framework-interface.md; change that file, the
schema below and ``EXPORT_FORMAT_VERSION`` together.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from voice_app.disclosure import Published, PublishedDomain, PublishedGroup
from voice_app.priorities import DIMENSIONS

# The version of this file layout (not of the outcome framework): the minor number goes
# up when fields are added, the major number when a field changes or goes.
EXPORT_FORMAT_VERSION = "1.0"
NAME_LANGUAGE = "en_GB"  # the CSV's domain names; the JSON and package carry every language
PACKAGE_NAME = "family-voice-priorities"
CSV_NAME = "priorities.csv"
NAMES_CSV_NAME = "domain-names.csv"
ALL = "all"  # the value of a filter list that is not limited, and of the total's group

# Spreadsheets run a cell starting with one of these as a formula: such text gets a
# leading apostrophe. Area codes and domain names never start this way in practice.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _field(
    name: str, type_: str, title: str, description: str, **constraints: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "type": type_,
        "title": title,
        "description": description,
    }
    if type_ == "boolean":
        spec["trueValues"] = ["true"]
        spec["falseValues"] = ["false"]
    if type_ == "datetime":
        spec["format"] = "%Y-%m-%dT%H:%M:%SZ"
    if constraints:
        spec["constraints"] = constraints
    return spec


_HIDDEN = " Empty when hidden by disclosure control (see `shown`)."
_SCALE_HIDDEN = " Empty when hidden by disclosure control (see `scale_shown`)."
_GROUP_HIDDEN = " Empty when the whole group is hidden (see `group_shown`)."

# The Table Schema of priorities.csv: one row per group and domain, columns in this order.
PRIORITIES_FIELDS: tuple[dict[str, Any], ...] = (
    _field(
        "framework_version",
        "integer",
        "Outcome framework version",
        "Version of the shared outcome framework whose domains were ranked.",
        required=True,
        minimum=1,
    ),
    _field(
        "dimension",
        "string",
        "Breakdown",
        "What the group is a part of: `all` for everyone the filters select, or the "
        "breakdown it belongs to (audience, area, session, quarter).",
        required=True,
        enum=[ALL, *DIMENSIONS],
    ),
    _field(
        "group",
        "string",
        "Group",
        "The group within its breakdown: `all` for the total, an audience "
        "(child_4_7, child_8_12, young_13_17, parent_carer), an area code, a session id "
        "or a quarter such as 2026-Q3.",
        required=True,
    ),
    _field(
        "group_shown",
        "boolean",
        "Group shown",
        "false when the group has too few people to publish anything about it.",
        required=True,
    ),
    _field(
        "group_people",
        "integer",
        "People in the group",
        "People in the group who answered the top-3 question, rounded to the nearest "
        "`round_to`." + _GROUP_HIDDEN,
        minimum=0,
    ),
    _field(
        "domain_key",
        "string",
        "Domain key",
        "Stable key of the outcome domain within the framework version.",
        required=True,
    ),
    _field(
        "domain_position",
        "integer",
        "Domain position",
        "Where the domain comes in the framework (1 = first), for a stable order.",
        required=True,
        minimum=0,
    ),
    _field(
        "domain_name",
        "string",
        "Domain name (English)",
        "The domain's English name; domain-names.csv has every language.",
        required=True,
    ),
    _field(
        "shown",
        "boolean",
        "Figures shown",
        "false when this domain's top-3 figures in this group are hidden by disclosure "
        "control: then rank, people_choosing, share and score columns are empty.",
        required=True,
    ),
    _field(
        "rank",
        "integer",
        "Rank",
        "Order among the shown domains of the group by score (1 = matters most); equal "
        "scores share a rank." + _HIDDEN,
        minimum=1,
    ),
    _field(
        "people_choosing",
        "integer",
        "People choosing",
        "People who put the domain in their top 3, rounded to the nearest `round_to`." + _HIDDEN,
        minimum=0,
    ),
    *(
        _field(
            name,
            "number",
            title,
            f"{what} the share of the group's people who put the domain in their top 3, "
            "as a proportion from 0 to 1." + _HIDDEN,
            minimum=0,
            maximum=1,
        )
        for name, title, what in (
            ("share", "Share choosing", "Estimate of"),
            (
                "share_low",
                "Share choosing, lower bound",
                "Lower bound of the Wilson 95% interval of",
            ),
            (
                "share_high",
                "Share choosing, upper bound",
                "Upper bound of the Wilson 95% interval of",
            ),
        )
    ),
    *(
        _field(
            name,
            "number",
            title,
            f"{what} the rank-weighted score: mean points per person, 3 for putting the "
            "domain 1st, 2 for 2nd, 1 for 3rd, 0 otherwise (0 to 3)." + _HIDDEN,
            minimum=0,
            maximum=3,
        )
        for name, title, what in (
            ("score", "Score", "Estimate of"),
            ("score_low", "Score, lower bound", "Lower bound of the 95% bootstrap interval of"),
            ("score_high", "Score, upper bound", "Upper bound of the 95% bootstrap interval of"),
        )
    ),
    _field(
        "scale_shown",
        "boolean",
        "Scale shown",
        "false when the mean of the domain's linked questions is hidden by disclosure "
        "control: then scale_mean and scale_people are empty.",
        required=True,
    ),
    _field(
        "scale_mean",
        "number",
        "Mean on the common scale",
        "Mean of the answers to the questions linked to the domain, each mapped to a "
        "common scale from 0 (the least positive answer) to 1 (the most positive)." + _SCALE_HIDDEN,
        minimum=0,
        maximum=1,
    ),
    _field(
        "scale_people",
        "integer",
        "People on the scale",
        "People who answered a linked question, rounded to the nearest `round_to`." + _SCALE_HIDDEN,
        minimum=0,
    ),
    _field(
        "filter_audiences",
        "string",
        "Audiences filter",
        "Audiences the figures are limited to, separated by spaces; `all` when not limited.",
        required=True,
    ),
    _field(
        "filter_areas",
        "string",
        "Areas filter",
        "Area codes the figures are limited to, separated by spaces; `all` when not limited.",
        required=True,
    ),
    _field(
        "filter_sessions",
        "string",
        "Sessions filter",
        "Session ids the figures are limited to, separated by spaces; `all` when not limited.",
        required=True,
    ),
    _field(
        "filter_from",
        "string",
        "First quarter",
        "First quarter counted, such as 2026-Q1; empty when there is no lower limit.",
        pattern=r"[0-9]{4}-Q[1-4]",
    ),
    _field(
        "filter_to",
        "string",
        "Last quarter",
        "Last quarter counted (inclusive), such as 2026-Q4; empty when there is no upper limit.",
        pattern=r"[0-9]{4}-Q[1-4]",
    ),
    _field(
        "min_people",
        "integer",
        "Minimum cell size",
        "Disclosure control: no figure is published about fewer people than this.",
        required=True,
        minimum=1,
    ),
    _field(
        "round_to",
        "integer",
        "Rounding base",
        "Disclosure control: every published count is rounded to the nearest multiple.",
        required=True,
        minimum=1,
    ),
    _field(
        "generated_at",
        "datetime",
        "Exported at",
        "When the figures were computed, in UTC (ISO 8601).",
        required=True,
    ),
)
PRIORITIES_COLUMNS = tuple(f["name"] for f in PRIORITIES_FIELDS)

NAMES_FIELDS: tuple[dict[str, Any], ...] = (
    _field(
        "framework_version",
        "integer",
        "Outcome framework version",
        "Version of the shared outcome framework.",
        required=True,
        minimum=1,
    ),
    _field(
        "domain_key",
        "string",
        "Domain key",
        "Key of the outcome domain, as in priorities.csv.",
        required=True,
    ),
    _field(
        "language",
        "string",
        "Language",
        "Language of the name, as a locale identifier such as en_GB or cy.",
        required=True,
        pattern=r"[a-z]{2,3}(_[A-Z]{2})?",
    ),
    _field("name", "string", "Name", "The domain's name in that language.", required=True),
)
NAMES_COLUMNS = tuple(f["name"] for f in NAMES_FIELDS)


# --- plain values ----------------------------------------------------------------------


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, with a Z (what every output uses)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the app stores naive UTC
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_stem(published: Published) -> str:
    """A file name without extension: what it is, which framework, which day."""
    day = timestamp(published.generated_at)[:10]
    return f"{PACKAGE_NAME}-framework-{published.framework_version}-{day}"


def _listed(values: Any) -> str:
    return " ".join(str(v) for v in values) if values else ALL


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _cell(value: Any) -> str:
    """CSV text: empty for hidden (None), true/false, numbers as Python writes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _text(value)
    return str(value)


def groups(published: Published) -> Iterator[PublishedGroup]:
    """The total, then every breakdown's groups, in the order they were asked for."""
    yield published.total
    for dimension_groups in published.breakdowns.values():
        yield from dimension_groups


def _domain_figures(domain: PublishedDomain) -> dict[str, Any]:
    return {
        "shown": domain.shown,
        "rank": domain.rank,
        "people_choosing": domain.people_choosing,
        "share": domain.share,
        "share_low": domain.share_low,
        "share_high": domain.share_high,
        "score": domain.score,
        "score_low": domain.score_low,
        "score_high": domain.score_high,
        "scale_shown": domain.scale_shown,
        "scale_mean": domain.scale_mean,
        "scale_people": domain.scale_people,
    }


def rows(published: Published) -> Iterator[dict[str, Any]]:
    """One dict per group and domain, keyed by PRIORITIES_COLUMNS (None = empty)."""
    names = {d.key: d.name(NAME_LANGUAGE) for d in published.domains}
    filters = published.filters
    common = {
        "framework_version": published.framework_version,
        "filter_audiences": _listed(filters.get("audiences")),
        "filter_areas": _listed(filters.get("areas")),
        "filter_sessions": _listed(filters.get("sessions")),
        "filter_from": filters.get("first_quarter"),
        "filter_to": filters.get("last_quarter"),
        "min_people": published.min_people,
        "round_to": published.round_to,
        "generated_at": timestamp(published.generated_at),
    }
    for group in groups(published):
        for domain in group.domains:
            yield {
                **common,
                "dimension": group.dimension,
                "group": group.value,
                "group_shown": group.shown,
                "group_people": group.people,
                "domain_key": domain.key,
                "domain_position": domain.position,
                "domain_name": names.get(domain.key, domain.key),
                **_domain_figures(domain),
            }


def _write_csv(columns: tuple[str, ...], records: Iterator[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record[c]) for c in columns])
    return buffer.getvalue()


# --- the three formats -----------------------------------------------------------------


def to_csv(published: Published) -> str:
    """priorities.csv: every row says its framework, filters, minimum, rounding and time."""
    return _write_csv(PRIORITIES_COLUMNS, rows(published))


def names_csv(published: Published) -> str:
    """domain-names.csv: each domain's name in every language it has one in."""
    return _write_csv(
        NAMES_COLUMNS,
        (
            {
                "framework_version": published.framework_version,
                "domain_key": d.key,
                "language": language,
                "name": name,
            }
            for d in published.domains
            for language, name in sorted(d.names.items())
        ),
    )


def _group_json(group: PublishedGroup) -> dict[str, Any]:
    return {
        "dimension": group.dimension,
        "value": group.value,
        "shown": group.shown,
        "people": group.people,
        "domains": [{"key": d.key, **_domain_figures(d)} for d in group.domains],
    }


def to_json(published: Published) -> dict[str, Any]:
    """A JSON-ready dict: metadata, the framework's domains, the total and breakdowns."""
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "framework_version": published.framework_version,
        "generated_at": timestamp(published.generated_at),
        "filters": dict(published.filters),
        "disclosure": {"min_people": published.min_people, "round_to": published.round_to},
        "domains": [
            {"key": d.key, "position": d.position, "names": dict(sorted(d.names.items()))}
            for d in published.domains
        ],
        "total": _group_json(published.total),
        "breakdowns": {
            dimension: [_group_json(g) for g in dimension_groups]
            for dimension, dimension_groups in published.breakdowns.items()
        },
    }


def descriptor(published: Published) -> dict[str, Any]:
    """datapackage.json: a Tabular Data Package (v1 profile) with both tables' schemas."""
    created = timestamp(published.generated_at)
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": (
            "Family Voice: what matters to families, outcome framework version "
            f"{published.framework_version}"
        ),
        "description": (
            "How children, young people and parents ranked the domains of the shared "
            "outcome framework, after disclosure control: no figure about fewer than "
            f"{published.min_people} people, counts rounded to the nearest "
            f"{published.round_to}, hidden figures left empty. Field meanings: "
            "docs/outcome-framework-interface.md in the Family Voice repository."
        ),
        "version": EXPORT_FORMAT_VERSION,
        "created": created,
        "keywords": ["family voice", "outcome framework", "priorities"],
        # Not openly licensed: sharing is governed by the evaluation's data agreement.
        "family_voice": {
            "format_version": EXPORT_FORMAT_VERSION,
            "framework_version": published.framework_version,
            "filters": dict(published.filters),
            "breakdowns": list(published.breakdowns),
            "min_people": published.min_people,
            "round_to": published.round_to,
            "generated_at": created,
        },
        "resources": [
            {
                "name": "priorities",
                "path": CSV_NAME,
                "profile": "tabular-data-resource",
                "title": "Outcome domains by group",
                "description": "One row per group and outcome domain.",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": list(PRIORITIES_FIELDS),
                    "missingValues": [""],
                    "primaryKey": ["dimension", "group", "domain_key"],
                },
            },
            {
                "name": "domain-names",
                "path": NAMES_CSV_NAME,
                "profile": "tabular-data-resource",
                "title": "Outcome domain names",
                "description": "The name of each outcome domain in each language.",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": list(NAMES_FIELDS),
                    "missingValues": [""],
                    "primaryKey": ["domain_key", "language"],
                },
            },
        ],
    }


def datapackage(published: Published) -> bytes:
    """A zip holding datapackage.json and the two CSV files it describes."""
    stamp = published.generated_at
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("datapackage.json", json.dumps(descriptor(published), indent=2, ensure_ascii=False)),
            (CSV_NAME, to_csv(published)),
            (NAMES_CSV_NAME, names_csv(published)),
        ):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()

"""What matters to families: the researchers' dashboard.

One page, four views of the same filters: the order of the outcome domains; children,
young people and parents side by side; one area against all areas; and change over
time by quarter. Every figure comes from ``disclosure.published_figures`` and is drawn
twice, as a server-side SVG chart and as a data table with the same numbers. The filter
form is a GET form and the views are links, so everything works without JavaScript and
every state has its own URL (which the export links reuse).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from voice_app import charts
from voice_app.audit import record_event
from voice_app.auth.access import current_staff_user, staff_required
from voice_app.codesign.messages import AUDIENCE_NAMES
from voice_app.disclosure import (
    Published,
    PublishedDomain,
    PublishedGroup,
    Rules,
    published_figures,
)
from voice_app.extensions import db
from voice_app.filter_args import parse_filters
from voice_app.languages import LANGUAGES, SOURCE_LANGUAGE
from voice_app.models import Area, Audience, OutcomeFramework, Role, StaffUser
from voice_app.periods import Quarter
from voice_app.priorities import FilterError, Filters, newest_framework_version
from voice_app.research import bp
from voice_app.sanitise import plain_text_problem

# The views: "" is the order for the filters; the others are one breakdown each.
VIEWS = ("", "audience", "area", "quarter")
VIEW_NAMES = {
    "": _l("The order"),
    "audience": _l("Children, young people and parents"),
    "area": _l("One area against all areas"),
    "quarter": _l("Change over time"),
}
FILTER_ARGUMENTS = ("framework", "audience", "area", "session", "from", "to")
EXPORT_ENDPOINT = "research.export_file"
EXPORT_FORMATS = ("csv", "json", "zip")
SHOWN_BACK = 40  # characters of a typed value shown again after an error

FILTER_ERRORS = {
    "framework": _l("Choose a framework version from the list."),
    "audience": _l("Choose who answered from the list."),
    "area": _l("Choose areas from the list."),
    "session": _l("Enter a session number, like 12, using the digits 0 to 9."),
    "from": _l("Enter the first quarter as a year and a quarter, like 2026-Q1."),
    "to": _l("Enter the last quarter as a year and a quarter, like 2026-Q4."),
    "to_order": _l("The last quarter must be the same as the first quarter or after it."),
    "by": _l("Choose one of the views from the list."),
    "compare": _l("Choose an area to compare from the list."),
}


@dataclass(frozen=True)
class PageError:
    field: str  # the argument's name
    anchor: str  # the id of the control to link to
    message: str


@dataclass(frozen=True)
class Cell:
    text: str
    shown: bool = True


@dataclass(frozen=True)
class DomainRow:
    key: str
    name: str
    name_lang: str  # set when the name is not in the page's language
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    caption: str
    headings: tuple[str, ...]  # after the domain column
    people: tuple[Cell, ...]  # a row of people per column (group tables), or ()
    rows: tuple[DomainRow, ...]


@dataclass(frozen=True)
class ViewLink:
    label: str
    url: str
    current: bool


# --- reading the request ----------------------------------------------------------------


def _researcher() -> StaffUser:
    user = current_staff_user()
    if user is None:  # staff_required runs first, so this means the view lost its decorator
        abort(403)
    return user


def _arguments() -> dict[str, list[str]]:
    return {name: request.args.getlist(name) for name in request.args}


def _only_ascii_digits(args: Mapping[str, Sequence[str]]) -> None:
    """Numbers must be written with 0-9: "²" passes ``str.isdigit`` but not ``int``."""
    for name in ("framework", "session"):
        for value in args.get(name) or []:
            value = value.strip()
            if value and not (value.isascii() and value.isdigit()):
                raise FilterError(name)


def _view(args: Mapping[str, Sequence[str]]) -> str:
    values = [v for v in args.get("by") or [] if v]
    if len(values) > 1 or (values and values[0] not in VIEWS):
        raise FilterError("by")
    return values[0] if values else ""


def _compare_area(
    args: Mapping[str, Sequence[str]], filters: Filters, area_codes: Sequence[str]
) -> str | None:
    """The area shown against all areas: the one asked for, or the first one."""
    allowed = list(filters.area_codes) or list(area_codes)
    values = [v for v in args.get("compare") or [] if v]
    if not values:
        return allowed[0] if allowed else None
    if len(values) > 1 or values[0] not in allowed:
        raise FilterError("compare")
    return values[0]


def page_error(code: str, args: Mapping[str, Sequence[str]], areas: Sequence[Area]) -> PageError:
    if code == "to" and _parses_as_quarter(args.get("to")):
        return PageError("to", "to", str(FILTER_ERRORS["to_order"]))
    field = "area" if code == "area_scope" else code
    if field not in FILTER_ERRORS:  # the engine's own codes name nothing else on this form
        field = "framework"
    anchors = {
        "audience": f"audience-{next(iter(Audience)).value}",
        "area": "area-1" if areas else "framework",
        "by": "views",
    }
    return PageError(field, anchors.get(field, field), str(FILTER_ERRORS[field]))


def _parses_as_quarter(values: Sequence[str] | None) -> bool:
    try:
        return bool(values) and len(values) == 1 and bool(Quarter.parse(values[0]))
    except ValueError:
        return False


def _shown_back(values: Sequence[str] | None) -> str:
    """A typed value to show again in its box: short, without invisible controls."""
    value = (values or [""])[0][: SHOWN_BACK * 2]
    return "".join(ch for ch in value if not plain_text_problem(ch))[:SHOWN_BACK]


# --- words and numbers ------------------------------------------------------------------


def _percent(share: float) -> str:
    return format_percent(share, format="#,##0%")


def _level() -> str:
    """The intervals' confidence level, written the page's way ("95%", "95 %")."""
    return _percent(0.95)


def _percent_precise(share: float) -> str:
    return format_percent(share, format="#,##0.0%")


def _share_text(domain: PublishedDomain, precise: bool = False) -> str:
    write = _percent_precise if precise else _percent
    if domain.share_low is None or domain.share_high is None:
        return write(domain.share or 0.0)
    # TRANSLATORS: a figure and its 95% interval, for example "42% (31% to 54%)".
    return _(
        "%(value)s (%(low)s to %(high)s)",
        value=write(domain.share or 0.0),
        low=write(domain.share_low),
        high=write(domain.share_high),
    )


def _score_text(domain: PublishedDomain) -> str:
    score = format_decimal(domain.score or 0.0, format="0.00")
    if domain.score_low is None or domain.score_high is None:
        return score
    # TRANSLATORS: a score out of 3 and its 95% interval, for example "1.67 (1.23 to 2.10)".
    return _(
        "%(value)s (%(low)s to %(high)s)",
        value=score,
        low=format_decimal(domain.score_low, format="0.00"),
        high=format_decimal(domain.score_high, format="0.00"),
    )


def _people_cell(group: PublishedGroup | None) -> Cell:
    if group is None or group.people == 0:
        return Cell(_("No answers"), shown=False)
    if not group.shown or group.people is None:
        return Cell(_("Not shown"), shown=False)
    return Cell(format_decimal(group.people))


def _share_cell(group: PublishedGroup | None, key: str) -> Cell:
    if group is None or group.people == 0:
        return Cell(_("No answers"), shown=False)
    domain = next((d for d in group.domains if d.key == key), None)
    if domain is None or not domain.shown or domain.share is None:
        return Cell(_("Not shown"), shown=False)
    return Cell(_share_text(domain, precise=True))


@dataclass(frozen=True)
class DomainNames:
    names: dict[str, str]
    langs: dict[str, str]  # html lang of a name that fell back to English


def _domain_names(published: Published) -> DomainNames:
    """Names in the page's language, falling back to English (marked as English)."""
    language = str(get_locale())
    names, langs = {}, {}
    for domain in published.domains:
        name = domain.names.get(language)
        if not name:
            name = domain.names.get(SOURCE_LANGUAGE) or domain.key
            if language != SOURCE_LANGUAGE:
                langs[domain.key] = LANGUAGES[SOURCE_LANGUAGE].html_lang
        names[domain.key] = name
    return DomainNames(names, langs)


def _rtl() -> bool:
    language = LANGUAGES.get(str(get_locale()))
    return bool(language and language.rtl)


def _chart_text(chart_id: str, title: str, description: str, legend: str) -> charts.ChartText:
    return charts.ChartText(
        chart_id=chart_id,
        title=title,
        description=description,
        not_shown=_("Not shown"),
        no_answers=_("No answers"),
        legend=legend,
    )


# --- the four views ---------------------------------------------------------------------


def _order_view(published: Published, names: DomainNames) -> tuple[Markup, Table]:
    total = published.total
    chart = charts.share_bars(
        total,
        names.names,
        _chart_text(
            "chart-order",
            _("The share of people who put each outcome in their top 3"),
            _(
                "Bar chart of the outcomes in order, most important first, with the share of "
                "people who put each one in their top 3 and its %(level)s interval. The table "
                "below has the same figures.",
                level=_level(),
            ),
            _("Black lines show the %(level)s interval.", level=_level()),
        ),
        _share_text,
        _percent,
        name_langs=names.langs,
        rtl=_rtl(),
    )
    rows = []
    for domain in total.domains:
        if domain.shown:
            cells = [
                Cell(format_decimal(domain.rank) if domain.rank else ""),
                Cell(format_decimal(domain.people_choosing or 0)),
                Cell(_share_text(domain, precise=True)),
                Cell(_score_text(domain)),
            ]
        else:
            hidden = _("No answers") if total.people == 0 else _("Not shown")
            cells = [Cell(_("Not ranked"), False)] + [Cell(hidden, False)] * 3
        if domain.scale_shown and domain.scale_mean is not None:
            cells.append(Cell(format_decimal(domain.scale_mean * 100, format="0")))
        else:
            cells.append(Cell(_("Not shown"), False))
        rows.append(_row(domain.key, names, cells))
    table = Table(
        caption=_("The outcomes in order, with the same figures as the chart"),
        headings=(
            _("Rank"),
            _("People who put it in their top 3"),
            _("Share of people (%(level)s interval)", level=_level()),
            _("Score out of 3 (%(level)s interval)", level=_level()),
            _("Linked answers, out of 100"),
        ),
        people=(),
        rows=tuple(rows),
    )
    return chart, table


def _row(key: str, names: DomainNames, cells: Sequence[Cell]) -> DomainRow:
    return DomainRow(key, names.names[key], names.langs.get(key, ""), tuple(cells))


def _order(published: Published) -> list[str]:
    """Domains in the total's order: shown ones by rank, then hidden ones."""
    return [d.key for d in published.total.domains]


def _groups_view(
    published: Published,
    names: DomainNames,
    series: Sequence[charts.Series],
    chart_id: str,
    title: str,
    caption: str,
) -> tuple[Markup, Table]:
    order = _order(published)
    chart = charts.grouped_share_bars(
        order,
        names.names,
        series,
        _chart_text(
            chart_id,
            title,
            _(
                "Bar chart: for each outcome, one bar for each group, with the share of the "
                "group's people who put it in their top 3 and its %(level)s interval. The "
                "table below has the same figures.",
                level=_level(),
            ),
            _(
                "Each bar is named above it. Black lines show the %(level)s interval.",
                level=_level(),
            ),
        ),
        _share_text,
        _percent,
        name_langs=names.langs,
        rtl=_rtl(),
    )
    table = Table(
        caption=caption,
        headings=tuple(s.label for s in series),
        people=tuple(_people_cell(s.group) for s in series),
        rows=tuple(_row(key, names, [_share_cell(s.group, key) for s in series]) for key in order),
    )
    return chart, table


def _audience_view(published: Published, names: DomainNames) -> tuple[Markup, Table]:
    series = [
        charts.Series(str(AUDIENCE_NAMES[Audience(group.value)]), group)
        for group in published.breakdowns.get("audience", ())
    ]
    return _groups_view(
        published,
        names,
        series,
        "chart-audience",
        _("Children, young people and parents side by side"),
        _(
            "Share of each group's people who put the outcome in their top 3 (%(level)s interval)",
            level=_level(),
        ),
    )


def _area_view(
    published: Published, names: DomainNames, compare: str | None, areas: Mapping[str, str]
) -> tuple[Markup, Table]:
    groups = {g.value: g for g in published.breakdowns.get("area", ())}
    series = []
    if compare is not None:
        # An area nobody answered in has no group: it is shown as having no answers.
        chosen = groups.get(compare) or PublishedGroup("area", compare, True, 0, ())
        series.append(charts.Series(areas.get(compare, compare), chosen))
    all_label = _("All the areas chosen") if published.filters.get("areas") else _("All areas")
    series.append(charts.Series(all_label, published.total))
    return _groups_view(
        published,
        names,
        series,
        "chart-area",
        _("One area against all areas"),
        _(
            "Share of people who put the outcome in their top 3 (%(level)s interval)",
            level=_level(),
        ),
    )


def _quarter_view(published: Published, names: DomainNames) -> tuple[Markup, Table]:
    quarters = published.breakdowns.get("quarter", ())
    order = _order(published)
    chart = charts.share_over_time(
        order,
        names.names,
        quarters,
        _chart_text(
            "chart-quarter",
            _("Change over time, by quarter"),
            _(
                "Line charts, one for each outcome: the share of people who put it in their "
                "top 3 in each quarter, with its %(level)s interval. The table below has the "
                "same figures.",
                level=_level(),
            ),
            _(
                "Dots show the share each quarter and black lines the %(level)s interval. A "
                "dashed line marks a quarter with no figure shown.",
                level=_level(),
            ),
        ),
        lambda domain: _percent(domain.share or 0.0),
        _percent,
        name_langs=names.langs,
        rtl=_rtl(),
    )
    table = Table(
        caption=_(
            "Share of people who put the outcome in their top 3, by quarter (%(level)s interval)",
            level=_level(),
        ),
        headings=tuple(q.value for q in quarters),
        people=tuple(_people_cell(q) for q in quarters),
        rows=tuple(_row(key, names, [_share_cell(q, key) for q in quarters]) for key in order),
    )
    return chart, table


# --- the page ---------------------------------------------------------------------------


def _query(filters: Filters, view: str, compare: str | None = None) -> dict[str, Any]:
    """The URL arguments that mean these filters, for links and exports."""
    values = filters.as_dict()
    query: dict[str, Any] = {
        "framework": filters.framework_version,
        "audience": values["audiences"] or None,
        "area": values["areas"] or None,
        "session": values["sessions"] or None,
        "from": values["first_quarter"],
        "to": values["last_quarter"],
    }
    if view:
        query["by"] = view
    if view == "area" and compare:
        query["compare"] = compare
    return {k: v for k, v in query.items() if v is not None}


def _view_links(filters: Filters | None, current: str) -> list[ViewLink]:
    base = _query(filters, "") if filters else {}
    return [
        ViewLink(
            str(VIEW_NAMES[view]),
            url_for("research.priorities", **base, **({"by": view} if view else {})),
            view == current,
        )
        for view in VIEWS
    ]


def _export_links(filters: Filters, view: str) -> list[tuple[str, str]]:
    """Downloads of the same figures, once the export endpoint is there."""
    if EXPORT_ENDPOINT not in current_app.view_functions:
        return []
    query = _query(filters, view)
    labels = {"csv": _("CSV"), "json": _("JSON"), "zip": _("Data package (ZIP)")}
    return [(labels[f], url_for(EXPORT_ENDPOINT, fmt=f, **query)) for f in EXPORT_FORMATS]


@bp.get("/priorities")
@staff_required(Role.RESEARCHER)
def priorities() -> ResponseReturnValue:
    user = _researcher()
    args = _arguments()
    areas = db.session.scalars(select(Area).order_by(Area.name, Area.code)).all()
    area_names = {a.code: a.name for a in areas}
    frameworks = db.session.execute(
        select(OutcomeFramework.version, OutcomeFramework.title).order_by(
            OutcomeFramework.version.desc()
        )
    ).all()
    rules = Rules.from_config(current_app.config)
    form = {
        "framework": (args.get("framework") or [""])[0],
        "audiences": set(args.get("audience") or []),
        "areas": set(args.get("area") or []),
        "session": _shown_back(args.get("session")),
        "from": _shown_back(args.get("from")),
        "to": _shown_back(args.get("to")),
        "compare": (args.get("compare") or [""])[0],
    }
    context: dict[str, Any] = {
        "frameworks": frameworks,
        "areas": areas,
        "audiences": [(a.value, str(AUDIENCE_NAMES[a])) for a in Audience],
        "form": form,
        "rules": rules,
        "error": None,
        "published": None,
        "view": "",
        "view_links": _view_links(None, ""),
    }
    if not frameworks and not any(args.get(name) for name in FILTER_ARGUMENTS):
        return render_template("research/priorities.html", **context)  # nothing set up yet

    try:
        view = _view(args)
        context["view"] = view
        _only_ascii_digits(args)
        filters = parse_filters(args, lambda: newest_framework_version(db.session))
        if any(code not in area_names for code in filters.area_codes):
            raise FilterError("area")
        compare = _compare_area(args, filters, list(area_names)) if view == "area" else None
        published = published_figures(
            db.session, filters, (view,) if view else (), rules, datetime.now(UTC)
        )
    except FilterError as error:
        db.session.rollback()
        context["error"] = page_error(error.code, args, areas)
        return render_template("research/priorities.html", **context), 400

    names = _domain_names(published)
    if view == "audience":
        chart, table = _audience_view(published, names)
    elif view == "area":
        chart, table = _area_view(published, names, compare, area_names)
    elif view == "quarter":
        chart, table = _quarter_view(published, names)
    else:
        chart, table = _order_view(published, names)

    record_event(
        db.session,
        "priorities.view",
        actor_id=user.id,
        view=view or "order",
        compare=compare,
        **filters.as_dict(),
    )
    db.session.commit()
    form["framework"] = str(filters.framework_version)
    form["compare"] = compare or ""
    context.update(
        published=published,
        filters=filters,
        chart=chart,
        table=table,
        view_links=_view_links(filters, view),
        export_links=_export_links(filters, view),
        view_title=str(VIEW_NAMES[view]),
    )
    return render_template("research/priorities.html", **context)

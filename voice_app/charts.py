"""Charts for the research dashboard, drawn on the server as SVG. No Flask imports.

Every chart is drawn from published figures only (``voice_app.disclosure.Published``)
and comes with the same numbers in a data table on the page. The words in a chart
(title, description, "not shown", value labels) are passed in already translated, so
this module has no gettext; every text is escaped here.

What each chart promises, whatever it is given:

- ``role="img"`` and ``aria-labelledby`` naming its ``<title>`` and ``<desc>``, with ids
  made from the caller's ``chart_id`` (one per page);
- a ``viewBox`` and a ``width`` of ``WIDTH`` units, so the page's CSS can shrink it to a
  320 px screen, where ``FONT_SIZE`` units still draw at least 12 px;
- colours that stand out on white (3:1 or more) and carry no meaning alone: every bar
  and point has its value written beside it, and every series its name;
- a hidden figure is drawn as the words given for it, never as a bar of zero;
- no script, no style attribute, nothing from elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from voice_app.disclosure import PublishedDomain, PublishedGroup

WIDTH = 400  # viewBox units; drawn at most this many CSS px wide
NARROWEST_DRAWN = 290  # CSS px: a 320 px screen less the page's margins
FONT_SIZE = 17  # units: 17 x 290 / 400 = 12.3 px on the narrowest screen
LINE = 22  # units from one line of text to the next
PAD = 8  # units of margin on each side
BAR_MAX = 240  # units for a share of 100%, leaving room for the value after it
BAR_HEIGHT = 18
BAR_ROW = 28  # units for a row holding a bar
MAX_LINES = 3  # of a wrapped label; the table beside the chart has the whole name

INK = "#0b0c0c"  # text, whiskers and the axis: 19:1 on white
GRID = "#b1b4b6"  # gridlines only: they carry nothing the labels do not say
MUTED = "#505a5f"  # marks for "not shown": 7:1 on white
# Mid-tone fills: each 3:1 or more against white and against the black whisker over it.
SERIES_COLOURS = ("#5694ca", "#c7561d", "#00703c", "#a0479f")

# Characters XML 1.0 cannot hold (most C0 controls, lone surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class ChartText:
    """The words of one chart, translated by the caller."""

    chart_id: str  # unique on the page: the title and desc ids are made from it
    title: str
    description: str  # what the chart shows, and that the table has the same numbers
    not_shown: str  # written in place of a hidden figure
    no_answers: str = ""  # in place of a group nobody is in (default: ``not_shown``)
    legend: str = ""  # a line above the chart, such as what the whiskers mean


@dataclass(frozen=True)
class Series:
    """One group drawn side by side with others, such as one audience."""

    label: str
    group: PublishedGroup


ValueText = Callable[[PublishedDomain], str]  # "42% (31% to 54%)"
TickText = Callable[[float], str]  # 0.5 -> "50%"


# --- text -------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return _NOT_XML.sub("", str(text))


def _char_width(char: str) -> float:
    """A generous guess of a character's width in ems, so wrapped lines fit."""
    if unicodedata.combining(char) or unicodedata.category(char) in {"Mn", "Me", "Cf"}:
        return 0.0
    if unicodedata.east_asian_width(char) in {"W", "F"}:
        return 1.0
    if char.isupper() or char in "mwMW@%":
        return 0.72
    return 0.56


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """Estimated width of ``text`` in viewBox units."""
    return sum(_char_width(c) for c in text) * font_size


def wrap(
    text: str, width: float, font_size: float = FONT_SIZE, max_lines: int = MAX_LINES
) -> list[str]:
    """Lines of at most ``width`` units; a word longer than a line is broken. The last
    line ends with an ellipsis when the text does not fit in ``max_lines``."""
    lines: list[str] = []
    current = ""
    for word in _clean(text).split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font_size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:  # a word wider than a line is broken where it must be
            if text_width(current + char, font_size) > width and current:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", font_size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines or [""]


# --- drawing ----------------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate: short, and the same on every run."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Canvas:
    """SVG elements in left-to-right coordinates; mirrored for right-to-left pages."""

    def __init__(self, rtl: bool) -> None:
        self.rtl = rtl
        self.parts: list[str] = []

    def x(self, x: float) -> float:
        return WIDTH - x if self.rtl else x

    def rect(self, x: float, y: float, w: float, h: float, fill: str) -> None:
        left = WIDTH - x - w if self.rtl else x
        self.parts.append(
            f'<rect x="{_n(left)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"/>'
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 2, dash=""
    ) -> None:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{_n(self.x(x1))}" y1="{_n(y1)}" x2="{_n(self.x(x2))}" y2="{_n(y2)}" '
            f'stroke="{stroke}" stroke-width="{_n(width)}"{dashes}/>'
        )

    def polyline(self, points: Sequence[tuple[float, float]], stroke: str) -> None:
        coords = " ".join(f"{_n(self.x(x))},{_n(y)}" for x, y in points)
        self.parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="3"/>'
        )

    def circle(self, x: float, y: float, r: float, fill: str) -> None:
        self.parts.append(
            f'<circle cx="{_n(self.x(x))}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}" '
            f'stroke="{INK}" stroke-width="1.5"/>'
        )

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        anchor: str = "start",
        bold: bool = False,
        italic: bool = False,
        lang: str = "",
        halo: bool = False,
    ) -> None:
        """``y`` is the baseline. ``anchor`` is start/middle/end in reading order."""
        attributes = [f'x="{_n(self.x(x))}"', f'y="{_n(y)}"']
        if anchor != "start":
            attributes.append(f'text-anchor="{anchor}"')
        if bold:
            attributes.append('font-weight="700"')
        if italic:
            attributes.append('font-style="italic"')
        if lang:
            attributes.append(f'lang="{escape(lang)}"')
        if halo:  # a white outline keeps a value readable over a gridline
            attributes.append('stroke="#fff" stroke-width="4" paint-order="stroke"')
        self.parts.append(f"<text {' '.join(attributes)}>{escape(_clean(content))}</text>")

    def lines(self, x: float, y: float, lines: Iterable[str], **options) -> float:
        """Wrapped text from the top edge ``y``; returns the y below the last line."""
        for line in lines:
            y += LINE
            self.text(x, y - 5, line, **options)
        return y


def _svg(canvas: _Canvas, height: float, text: ChartText, kind: str) -> Markup:
    ident = escape(_clean(text.chart_id))
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fv-chart__svg fv-chart__svg--{kind}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" width="{WIDTH}" height="{_n(height)}" '
        f'font-size="{FONT_SIZE}" fill="{INK}" direction="{"rtl" if canvas.rtl else "ltr"}">'
        f'<title id="{ident}-title">{escape(_clean(text.title))}</title>'
        f'<desc id="{ident}-desc">{escape(_clean(text.description))}</desc>'
    )
    # Every piece was escaped as it was drawn.
    return Markup(head + "".join(canvas.parts) + "</svg>")  # noqa: S704  # nosec B704


def _legend(canvas: _Canvas, text: ChartText, y: float) -> float:
    if not text.legend:
        return y
    return canvas.lines(PAD, y, wrap(text.legend, WIDTH - 2 * PAD, max_lines=8)) + 6


def _axis(canvas: _Canvas, y: float, tick_text: TickText) -> float:
    """Tick labels for 0, 50% and 100% along the bars; returns the y below them."""
    y += LINE
    for share, anchor in ((0.0, "start"), (0.5, "middle"), (1.0, "middle")):
        canvas.text(PAD + share * BAR_MAX, y - 5, tick_text(share), anchor=anchor)
    return y + 4


def _grid(canvas: _Canvas, top: float, bottom: float) -> None:
    for share in (0.0, 0.5, 1.0):
        x = PAD + share * BAR_MAX
        canvas.line(x, top, x, bottom, GRID if share else INK, 1 if share else 2)


def _drawn(domain: PublishedDomain | None) -> bool:
    return domain is not None and domain.shown and domain.share is not None


def _bar_row(
    canvas: _Canvas,
    y: float,
    domain: PublishedDomain | None,
    fill: str,
    value_text: ValueText,
    hidden_words: str,
) -> float:
    """One bar with its whisker and value, or the hidden words; returns the y below."""
    if not _drawn(domain):
        canvas.text(PAD, y + BAR_ROW - 9, hidden_words, italic=True)
        return y + BAR_ROW
    _grid(canvas, y, y + BAR_ROW)
    top = y + (BAR_ROW - BAR_HEIGHT) / 2
    middle = top + BAR_HEIGHT / 2
    canvas.rect(PAD, top, max(domain.share * BAR_MAX, 1.0), BAR_HEIGHT, fill)
    low = domain.share_low if domain.share_low is not None else domain.share
    high = domain.share_high if domain.share_high is not None else domain.share
    x_low, x_high = PAD + low * BAR_MAX, PAD + high * BAR_MAX
    canvas.line(x_low, middle, x_high, middle, INK)
    for x in (x_low, x_high):
        canvas.line(x, middle - 6, x, middle + 6, INK)
    label = value_text(domain)
    after = max(PAD + domain.share * BAR_MAX, x_high) + 6
    if after + text_width(label) <= WIDTH - PAD:
        canvas.text(after, y + BAR_ROW - 9, label, halo=True)
        return y + BAR_ROW
    # No room after the bar (a long translation): the value goes on a line of its own.
    return canvas.lines(PAD, y + BAR_ROW, wrap(label, WIDTH - 2 * PAD, max_lines=2))


# --- (a) the order, for one group -------------------------------------------------------


def share_bars(
    group: PublishedGroup,
    names: Mapping[str, str],
    text: ChartText,
    value_text: ValueText,
    tick_text: TickText,
    *,
    name_langs: Mapping[str, str] | None = None,
    rtl: bool = False,
) -> Markup:
    """Horizontal bars of the share who put each domain in their top 3, with 95%
    interval whiskers, in the group's order (shown by rank, then hidden ones)."""
    canvas = _Canvas(rtl)
    y = _legend(canvas, text, 0)
    if any(_drawn(d) for d in group.domains):
        y = _axis(canvas, y, tick_text)
    hidden = text.no_answers if group.people == 0 and text.no_answers else text.not_shown
    for domain in group.domains:
        y = canvas.lines(
            PAD,
            y,
            wrap(names.get(domain.key, domain.key), WIDTH - 2 * PAD),
            lang=(name_langs or {}).get(domain.key, ""),
        )
        y = _bar_row(canvas, y, domain, SERIES_COLOURS[0], value_text, hidden) + 8
    return _svg(canvas, y + PAD, text, "bars")


# --- (b) groups side by side ------------------------------------------------------------


def grouped_share_bars(
    order: Sequence[str],
    names: Mapping[str, str],
    series: Sequence[Series],
    text: ChartText,
    value_text: ValueText,
    tick_text: TickText,
    *,
    name_langs: Mapping[str, str] | None = None,
    rtl: bool = False,
) -> Markup:
    """For each domain (in ``order``), one bar per series, each named in words and
    with its value written beside it."""
    canvas = _Canvas(rtl)
    y = _legend(canvas, text, 0)
    if any(_drawn(d) for s in series for d in s.group.domains):
        y = _axis(canvas, y, tick_text)
    by_series = [{d.key: d for d in s.group.domains} for s in series]
    for key in order:
        y = canvas.lines(
            PAD,
            y + 4,
            wrap(names.get(key, key), WIDTH - 2 * PAD),
            bold=True,
            lang=(name_langs or {}).get(key, ""),
        )
        for index, (item, domains) in enumerate(zip(series, by_series, strict=True)):
            hidden = (
                text.no_answers if item.group.people == 0 and text.no_answers else text.not_shown
            )
            y = canvas.lines(PAD, y, wrap(item.label, WIDTH - 2 * PAD, max_lines=2))
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            y = _bar_row(canvas, y - 4, domains.get(key), colour, value_text, hidden)
        y += 10
    return _svg(canvas, y + PAD, text, "grouped")


# --- (c) change over time ---------------------------------------------------------------

PLOT_HEIGHT = 110
PLOT_LEFT = PAD + 52  # room for the 0% / 50% / 100% labels
PLOT_RIGHT = WIDTH - PAD - 12
LABEL_EVERY_POINT = 6  # more quarters than this: only the first and last values are written
LABEL_EVERY_QUARTER = 4


def share_over_time(
    order: Sequence[str],
    names: Mapping[str, str],
    quarters: Sequence[PublishedGroup],
    text: ChartText,
    point_text: ValueText,
    tick_text: TickText,
    *,
    name_langs: Mapping[str, str] | None = None,
    rtl: bool = False,
) -> Markup:
    """Small multiples, one per domain (in ``order``): the share each quarter as a
    point with its interval, joined by a line. A quarter without a shown figure is a
    gap, marked by a dashed line (``text.legend`` should say so)."""
    canvas = _Canvas(rtl)
    y = _legend(canvas, text, 0)
    count = max(len(quarters), 1)
    step = (PLOT_RIGHT - PLOT_LEFT) / count
    xs = [PLOT_LEFT + step * (i + 0.5) for i in range(len(quarters))]
    by_quarter = [{d.key: d for d in q.domains} for q in quarters]
    for key in order:
        y = canvas.lines(
            PAD,
            y + 6,
            wrap(names.get(key, key), WIDTH - 2 * PAD),
            bold=True,
            lang=(name_langs or {}).get(key, ""),
        )
        top = y + LINE  # room for a value written above a point at 100%
        bottom = top + PLOT_HEIGHT

        def y_of(share: float, top: float = top) -> float:
            return top + (1 - share) * PLOT_HEIGHT

        for share in (0.0, 0.5, 1.0):
            canvas.line(PLOT_LEFT, y_of(share), PLOT_RIGHT, y_of(share), INK if not share else GRID)
            canvas.text(PLOT_LEFT - 6, y_of(share) + 6, tick_text(share), anchor="end")
        points = [(x, domains.get(key)) for x, domains in zip(xs, by_quarter, strict=True)]
        shown = [(x, d) for x, d in points if d is not None and d.shown and d.share is not None]
        labelled = shown if len(quarters) <= LABEL_EVERY_POINT else shown[:1] + shown[-1:]
        run: list[tuple[float, float]] = []
        for x, domain in points:
            if domain is None or not domain.shown or domain.share is None:
                canvas.line(x, top, x, bottom, MUTED, 2, dash="4 4")
                if len(run) > 1:
                    canvas.polyline(run, SERIES_COLOURS[0])
                run = []
                continue
            run.append((x, y_of(domain.share)))
        if len(run) > 1:
            canvas.polyline(run, SERIES_COLOURS[0])
        for x, domain in shown:
            low = domain.share_low if domain.share_low is not None else domain.share
            high = domain.share_high if domain.share_high is not None else domain.share
            canvas.line(x, y_of(low), x, y_of(high), INK)
            canvas.circle(x, y_of(domain.share), 5, SERIES_COLOURS[0])
        for x, domain in dict.fromkeys(labelled):
            canvas.text(
                x,
                y_of(domain.share_high or domain.share) - 6,
                point_text(domain),
                anchor="middle",
                halo=True,
            )
        y = bottom + LINE
        for index, (x, quarter) in enumerate(zip(xs, quarters, strict=True)):
            if len(quarters) <= LABEL_EVERY_QUARTER or index in {0, len(quarters) - 1}:
                anchor = "middle"
                if len(quarters) > LABEL_EVERY_QUARTER:
                    anchor = "start" if index == 0 else "end"
                    x = PLOT_LEFT if index == 0 else PLOT_RIGHT
                canvas.text(x, y - 4, quarter.value, anchor=anchor)
        y += 10
    return _svg(canvas, y + PAD, text, "time")

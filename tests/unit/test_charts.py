"""The dashboard's SVG charts: well-formed, named, escaped, honest about hidden figures,
drawn to scale, readable on a phone, and never relying on colour alone."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.support.hostile import HOSTILE_TEXTS
from voice_app import charts
from voice_app.disclosure import PublishedDomain, PublishedGroup

SVG = "{http://www.w3.org/2000/svg}"
WHITE = "#ffffff"


def shown(key: str, position: int, share: float, rank: int = 1) -> PublishedDomain:
    return PublishedDomain(
        key=key,
        position=position,
        shown=True,
        rank=rank,
        people_choosing=round(share * 40),
        share=share,
        share_low=max(0.0, share - 0.1),
        share_high=min(1.0, share + 0.1),
        score=share * 2,
        score_low=share,
        score_high=share * 3,
        scale_shown=False,
        scale_mean=None,
        scale_people=None,
    )


def hidden(key: str, position: int) -> PublishedDomain:
    return PublishedDomain(
        key, position, False, None, None, None, None, None, None, None, None, False, None, None
    )


def group(value: str, *domains: PublishedDomain, people: int | None = 40) -> PublishedGroup:
    return PublishedGroup("all", value, people is not None, people, tuple(domains))


ORDERED = group(
    "all",
    shown("home", 2, 0.6, rank=1),
    shown("safe", 1, 0.3, rank=2),
    shown("school", 3, 0.15, rank=3),
    hidden("friends", 4),
    hidden("help", 5),
)
NAMES = {
    "home": "A settled home",
    "safe": "Feeling safe",
    "school": "Learning and school",
    "friends": "Friends and fitting in",
    "help": "Help at the right time",
}
ORDER = ["home", "safe", "school", "friends", "help"]


def words(chart_id: str = "chart", **changes: str) -> charts.ChartText:
    values = {
        "chart_id": chart_id,
        "title": "What matters",
        "description": "The same figures are in the table.",
        "not_shown": "Not shown",
        "no_answers": "No answers",
        "legend": "Black lines show the 95% interval.",
    }
    values.update(changes)
    return charts.ChartText(**values)


def value_text(domain: PublishedDomain) -> str:
    return (
        f"{round(domain.share * 100)}% ({round(domain.share_low * 100)}% to "
        f"{round(domain.share_high * 100)}%)"
    )


def tick(share: float) -> str:
    return f"{round(share * 100)}%"


def bars(group_: PublishedGroup = ORDERED, names=NAMES, **options) -> str:
    return str(charts.share_bars(group_, names, words(), value_text, tick, **options))


def grouped(series=None, names=NAMES, **options) -> str:
    series = series or [
        charts.Series("Young people aged 13 to 17", ORDERED),
        charts.Series("Parents and carers", group("parent_carer", hidden("home", 2), people=5)),
        charts.Series("Children aged 4 to 7", group("child_4_7", people=0)),
    ]
    return str(
        charts.grouped_share_bars(
            ORDER, names, series, words("grouped"), value_text, tick, **options
        )
    )


QUARTERS = [
    group("2026-Q1", shown("home", 2, 0.5), shown("safe", 1, 0.2)),
    group("2026-Q2", shown("home", 2, 0.6), hidden("safe", 1)),
    group("2026-Q3", hidden("home", 2), hidden("safe", 1), people=None),
    group("2026-Q4", shown("home", 2, 0.4), shown("safe", 1, 0.3)),
]


def over_time(quarters=QUARTERS, names=NAMES, **options) -> str:
    return str(
        charts.share_over_time(
            ["home", "safe"],
            names,
            quarters,
            words("time"),
            lambda d: f"{round(d.share * 100)}%",
            tick,
            **options,
        )
    )


ALL_CHARTS = {"bars": bars, "grouped": grouped, "over_time": over_time}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- structure ----------------------------------------------------------------------------


@pytest.mark.parametrize("draw", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_every_chart_is_an_image_named_by_its_own_title_and_description(draw) -> None:
    root = parse(draw())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == (title_id, "What matters")
    assert (desc.get("id"), desc.text) == (desc_id, "The same figures are in the table.")
    assert re.fullmatch(r"0 0 \d+ \d+(\.\d+)?", root.get("viewBox"))
    assert root.get("width") == str(charts.WIDTH)


def test_two_charts_on_a_page_have_different_ids() -> None:
    first = parse(str(charts.share_bars(ORDERED, NAMES, words("one"), value_text, tick)))
    second = parse(str(charts.share_bars(ORDERED, NAMES, words("two"), value_text, tick)))
    ids = [e.get("id") for root in (first, second) for e in root.iter() if e.get("id")]
    assert len(ids) == 4 and len(set(ids)) == 4


@pytest.mark.parametrize("draw", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_charts_have_no_script_no_style_and_nothing_from_elsewhere(draw) -> None:
    for element in parse(draw()).iter():
        tag = element.tag.removeprefix(SVG)
        assert tag not in {"script", "style", "foreignObject", "image", "use", "a"}, tag
        for name in element.attrib:
            assert name != "style" and not name.startswith("on") and "href" not in name, name


@pytest.mark.parametrize("draw", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_text_is_at_least_12px_on_a_320px_screen(draw) -> None:
    root = parse(draw())
    scale = charts.NARROWEST_DRAWN / float(root.get("viewBox").split()[2])
    sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
    assert sizes and min(sizes) * scale >= 12
    assert charts.NARROWEST_DRAWN <= 320 - 2 * 15  # the page's margins at 320 px


@pytest.mark.parametrize("draw", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_colours_stand_out_on_white_and_under_the_whiskers(draw) -> None:
    root = parse(draw())
    colours = {
        value.lower()
        for e in root.iter()
        for name in ("fill", "stroke")
        if (value := e.get(name)) and value.startswith("#")
    }
    meaningful = colours - {charts.GRID, "#fff"}  # gridlines repeat the tick labels
    assert meaningful
    for colour in meaningful:
        assert contrast(colour, WHITE) >= 3, colour
    for fill in charts.SERIES_COLOURS:
        assert contrast(fill, WHITE) >= 3 and contrast(fill, charts.INK) >= 3, fill


# --- what is drawn ------------------------------------------------------------------------


def test_bars_are_in_the_groups_order_with_hidden_domains_as_labelled_rows() -> None:
    root = parse(bars())
    words_drawn = texts(root)
    positions = [words_drawn.index(NAMES[key]) for key in ORDER]
    assert positions == sorted(positions)
    assert len(root.findall(f"{SVG}rect")) == 3  # a bar for each shown domain only
    assert words_drawn.count("Not shown") == 2
    # Each "Not shown" follows the name of a hidden domain.
    for key in ("friends", "help"):
        assert words_drawn[words_drawn.index(NAMES[key]) + 1] == "Not shown"


def test_bar_lengths_are_proportional_to_the_shares() -> None:
    widths = [float(r.get("width")) for r in parse(bars()).findall(f"{SVG}rect")]
    shares = [d.share for d in ORDERED.domains if d.shown]
    assert [w / s for w, s in zip(widths, shares, strict=True)] == pytest.approx(
        [charts.BAR_MAX] * 3
    )


def test_whiskers_span_the_interval() -> None:
    root = parse(bars())
    home = ORDERED.domains[0]
    spans = {
        (float(line.get("x1")), float(line.get("x2")))
        for line in root.iter(f"{SVG}line")
        if line.get("y1") == line.get("y2") and line.get("stroke") == charts.INK
    }
    expected = (
        charts.PAD + home.share_low * charts.BAR_MAX,
        charts.PAD + home.share_high * charts.BAR_MAX,
    )
    assert any(span == pytest.approx(expected) for span in spans), spans


def test_every_bar_has_its_value_written_beside_it() -> None:
    drawn = texts(parse(bars()))
    for domain in ORDERED.domains[:3]:
        assert value_text(domain) in drawn


def test_a_group_nobody_is_in_says_no_answers_and_a_small_one_says_not_shown() -> None:
    drawn = texts(parse(bars(group("all", hidden("home", 1), people=0))))
    assert "No answers" in drawn and "Not shown" not in drawn
    drawn = texts(parse(bars(group("all", hidden("home", 1), people=None))))
    assert "Not shown" in drawn and "No answers" not in drawn


def test_grouped_bars_name_every_series_under_every_domain() -> None:
    root = parse(grouped())
    drawn = texts(root)
    for label in ("Young people aged 13 to 17", "Parents and carers", "Children aged 4 to 7"):
        assert drawn.count(label) == len(ORDER)
    assert drawn.count("No answers") == len(ORDER)  # the 4-7s: nobody
    assert drawn.count("Not shown") == len(ORDER) + 2  # the parents, and two hidden domains
    assert len(root.findall(f"{SVG}rect")) == 3
    fills = [r.get("fill") for r in root.findall(f"{SVG}rect")]
    assert set(fills) == {charts.SERIES_COLOURS[0]}


def test_grouped_bars_follow_the_order_given() -> None:
    drawn = texts(parse(grouped()))
    positions = [drawn.index(NAMES[key]) for key in ORDER]
    assert positions == sorted(positions)


def test_over_time_joins_shown_quarters_and_leaves_marked_gaps() -> None:
    root = parse(over_time())
    lines = root.findall(f"{SVG}polyline")
    # "home": Q1-Q2 joined, gap at Q3, Q4 alone. "safe": Q1 alone, gaps at Q2 and Q3, Q4 alone.
    assert [len(line.get("points").split()) for line in lines] == [2]
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 3
    assert len(root.findall(f"{SVG}circle")) == 5
    drawn = texts(root)
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        assert drawn.count(quarter) == 2  # under each domain's panel
    assert drawn.count("50%") >= 1 and "60%" in drawn and "20%" in drawn


def test_over_time_points_sit_at_their_share() -> None:
    root = parse(over_time([group("2026-Q1", shown("home", 1, 0.25))]))
    circle = root.find(f"{SVG}circle")
    gridlines = [  # the first panel's, at 0%, 50% and 100%
        float(line.get("y1"))
        for line in root.iter(f"{SVG}line")
        if float(line.get("x1")) == charts.PLOT_LEFT and float(line.get("x2")) == charts.PLOT_RIGHT
    ][:3]
    y0, y100 = gridlines[0], gridlines[2]
    assert float(circle.get("cy")) == pytest.approx(y0 + 0.25 * (y100 - y0), abs=0.2)


# --- hostile and foreign text ---------------------------------------------------------------


@pytest.mark.parametrize("draw", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
@pytest.mark.parametrize("name", [*HOSTILE_TEXTS, "bell\x07 and NUL\x00", "\ud800 lone"])
def test_hostile_domain_names_are_escaped_text(draw, name: str) -> None:
    svg = draw(names={**NAMES, "home": name})
    root = parse(svg)  # still well-formed XML
    assert not any(e.tag.removeprefix(SVG) in {"script", "iframe", "style"} for e in root.iter())
    assert not any(a.startswith("on") for e in root.iter() for a in e.attrib)
    drawn = " ".join(texts(root)).replace("…", "")
    first_words = charts._clean(name).split()[0][:8]
    assert first_words in drawn


def test_hostile_titles_and_ids_are_escaped() -> None:
    svg = str(
        charts.share_bars(
            ORDERED,
            NAMES,
            words('x" onload="alert(1)', title="<script>alert(1)</script>"),
            value_text,
            tick,
        )
    )
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "<script>alert(1)</script>"
    assert "onload" not in root.attrib


def test_long_names_wrap_and_stay_inside_the_chart() -> None:
    name = "Help at the right time from people who listen " * 6
    lines = charts.wrap(name, charts.WIDTH - 2 * charts.PAD)
    assert len(lines) == charts.MAX_LINES and lines[-1].endswith("…")
    for line in lines:
        assert charts.text_width(line) <= charts.WIDTH - 2 * charts.PAD
    drawn = texts(parse(bars(names={**NAMES, "home": name})))
    start = drawn.index(lines[0])
    assert drawn[start : start + len(lines)] == lines


def test_a_word_longer_than_a_line_is_broken() -> None:
    lines = charts.wrap("W" * 200, 100, max_lines=40)
    assert all(charts.text_width(line) <= 100 for line in lines)
    assert "".join(lines) == "W" * 200


def test_right_to_left_pages_get_mirrored_charts() -> None:
    root = parse(bars(rtl=True))
    assert root.get("direction") == "rtl"
    first = root.find(f"{SVG}rect")
    width = float(first.get("width"))
    assert float(first.get("x")) + width == pytest.approx(charts.WIDTH - charts.PAD)
    assert parse(bars()).get("direction") == "ltr"  # never inherits the page's direction


def test_a_name_in_another_language_is_marked() -> None:
    root = parse(bars(name_langs={"home": "en-GB"}))
    marked = [t for t in root.iter(f"{SVG}text") if t.get("lang")]
    assert ["".join(t.itertext()) for t in marked] == ["A settled home"]

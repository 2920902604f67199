"""What matters to families: the researchers' dashboard, through the test client.

Only researchers see it. With enough people, its table shows exactly the published
figures in the published order; with too few, nothing but "Not shown". Every bad filter
is a 400 naming the field, never a 500, and every view is audited.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import html5lib
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from tests.support.hostile import CONTROL_TEXTS, HOSTILE_TEXTS, assert_neutralised
from tests.support.journey import load_demo_session
from tests.support.priorities import add_people
from tests.support.staff import log_in
from voice_app.disclosure import Published, Rules, published_figures
from voice_app.extensions import db
from voice_app.filter_args import parse_filters
from voice_app.models import (
    Audience,
    AuditEvent,
    Role,
)
from voice_app.periods import Quarter
from voice_app.priorities import newest_framework_version

URL = "/research/priorities"
FIRST = ["feeling_safe", "stable_home", "right_help"]
SECOND = ["stable_home", "right_help", "friends_belonging"]
THIRD = ["right_help", "learning_school"]
# Thirty young people, ten of each. By hand: stable_home chosen by 20 (score 50/30),
# feeling_safe 10 (30/30), learning_school 10 (20/30), friends_belonging 10 (10/30).
# right_help is chosen by all 30, so "all but 0" would tell too much: hidden. The other
# three nobody chose: hidden.
THIRTY = [FIRST] * 10 + [SECOND] * 10 + [THIRD] * 10
EXPECTED_SHOWN = [
    ("stable_home", "1", "20"),
    ("feeling_safe", "2", "10"),
    ("learning_school", "3", "10"),
    ("friends_belonging", "4", "10"),
]
EXPECTED_HIDDEN = ["being_listened_to", "family_supported", "health_wellbeing", "right_help"]


# --- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture
def demo(app: Flask, runner: FlaskCliRunner) -> int:
    return load_demo_session(app, runner).id


@pytest.fixture
def researcher(login_as) -> FlaskClient:
    return login_as(Role.RESEARCHER)


def published(app: Flask, query: dict[str, list[str]], by: tuple[str, ...] = ()) -> Published:
    """What the engine publishes for the same arguments, to compare the page with."""
    with app.app_context():
        filters = parse_filters(query, lambda: newest_framework_version(db.session))
        rules = Rules(app.config["MIN_CELL_SIZE"], app.config["ROUND_COUNTS_TO"])
        return published_figures(db.session, filters, by, rules, datetime.now(UTC))


def parse(html: str):
    return html5lib.HTMLParser(namespaceHTMLElements=False).parse(html)


def text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def table(html: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The figures table: its column headings, and (data-domain, cells) for each row
    (the people row, if any, as "people")."""
    found = parse(html).find(".//table[@data-figures]")
    assert found is not None, "no figures table"
    headings = [text(th) for th in found.findall("./thead/tr/th")]
    rows = []
    for tr in found.findall("./tbody/tr"):
        key = tr.get("data-domain") or "people"
        rows.append((key, [text(td) for td in tr.findall("./td")]))
    return headings, rows


def chart(html: str):
    """The chart's <svg> element (html5lib puts it in the SVG namespace)."""
    found = parse(html).find(".//div[@class='fv-chart']/{http://www.w3.org/2000/svg}svg")
    assert found is not None, "no chart"
    return found


def svg_all(element, tag: str) -> list:
    return element.findall(f".//{{http://www.w3.org/2000/svg}}{tag}")


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def error_summary(html: str) -> tuple[str, str]:
    """(the summary's words, where its link goes)."""
    summary = parse(html).find(".//div[@class='fv-error-summary']")
    assert summary is not None, "no error summary"
    link = summary.find(".//a")
    return text(summary), link.get("href") if link is not None else ""


# --- who may see it ---------------------------------------------------------------------


def test_only_researchers_may_open_what_matters(app: Flask, staff: dict[Role, str]) -> None:
    anonymous = app.test_client().get(f"{URL}?by=audience")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/staff/login?next=")
    assert "priorities" in anonymous.headers["Location"]
    for role in Role:
        client = app.test_client()
        assert log_in(client, staff[role]).status_code == 302
        response = client.get(URL)
        assert response.status_code == (200 if role is Role.RESEARCHER else 403), role
        home = client.get("/staff/").get_data(as_text=True)
        assert ('href="/research/priorities"' in home) is (role is Role.RESEARCHER), role


# --- the figures ------------------------------------------------------------------------


def test_with_nobody_yet_the_page_says_so_kindly(app, demo, researcher) -> None:
    response = researcher.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nobody has answered the “what matters most” question" in html
    assert "Not enough answers yet" not in html


def test_with_no_framework_at_all_the_page_says_there_is_nothing_yet(researcher) -> None:
    response = researcher.get(URL)
    assert response.status_code == 200
    assert "There is no outcome framework yet" in response.get_data(as_text=True)


def test_the_table_shows_the_published_figures_in_the_published_order(
    app, demo, researcher
) -> None:
    add_people(app, demo, THIRTY)
    html = researcher.get(URL).get_data(as_text=True)
    headings, rows = table(html)
    assert headings[:4] == ["Outcome", "Rank", "People who put it in their top 3", headings[3]]
    # The order and counts worked out by hand.
    assert [(key, cells[0], cells[1]) for key, cells in rows[:4]] == EXPECTED_SHOWN
    assert [key for key, _cells in rows[4:]] == EXPECTED_HIDDEN
    for _key, cells in rows[4:]:
        assert cells[:4] == ["Not ranked", "Not shown", "Not shown", "Not shown"]
    # Every number is the engine's published one.
    figures = published(app, {})
    assert [d.key for d in figures.total.domains] == [key for key, _cells in rows]
    for domain, (_key, cells) in zip(figures.total.domains, rows, strict=True):
        if not domain.shown:
            continue
        share = (
            f"{percent(domain.share)} ({percent(domain.share_low)} to {percent(domain.share_high)})"
        )
        score = f"{domain.score:.2f} ({domain.score_low:.2f} to {domain.score_high:.2f})"
        assert cells == [str(domain.rank), str(domain.people_choosing), share, score, "Not shown"]
    assert figures.total.domains[0].score == pytest.approx(50 / 30, abs=0.001)
    # The count of people (rounded), the time, and a chart with a bar for each shown row.
    page = parse(html)
    assert text(page.find(".//dd[@data-people]")) == "30 (rounded to the nearest 5)"
    assert text(page.find(".//dd[@data-generated]"))
    svg = chart(html)
    assert svg.get("role") == "img"
    assert len(svg_all(svg, "rect")) == 4
    assert "Counts of people are rounded to the nearest 5" in html


def test_with_fewer_than_ten_people_nothing_but_not_shown(app, demo, researcher) -> None:
    add_people(app, demo, THIRTY[:9])
    html = researcher.get(URL).get_data(as_text=True)
    _headings, rows = table(html)
    assert len(rows) == 8
    cells = {cell for _key, row in rows for cell in row}
    assert cells == {"Not ranked", "Not shown"}
    page = parse(html)
    assert text(page.find(".//dd[@data-people]")) == "Not shown: fewer than 10 people"
    assert svg_all(chart(html), "rect") == []
    assert "fewer than 10 people have answered for these choices" in html


def test_filters_narrow_the_figures(app, demo, researcher) -> None:
    add_people(app, demo, THIRTY)
    add_people(app, demo, [THIRD] * 20, audience=Audience.PARENT_CARER)
    everyone = parse(researcher.get(URL).get_data(as_text=True))
    assert text(everyone.find(".//dd[@data-people]")).startswith("50 ")
    html = researcher.get(f"{URL}?audience=young_13_17").get_data(as_text=True)
    assert text(parse(html).find(".//dd[@data-people]")).startswith("30 ")
    assert table(html)[1][0][0] == "stable_home"
    # The boxes show what was chosen.
    assert re.search(r'id="audience-young_13_17"[^>]*checked', html)
    assert not re.search(r'id="audience-parent_carer"[^>]*checked', html)


def test_children_young_people_and_parents_side_by_side(app, demo, researcher) -> None:
    add_people(app, demo, THIRTY)
    add_people(app, demo, [FIRST] * 10 + [SECOND] * 10, audience=Audience.PARENT_CARER)
    html = researcher.get(f"{URL}?by=audience").get_data(as_text=True)
    headings, rows = table(html)
    assert headings == [
        "Outcome",
        "Children aged 4 to 7",
        "Children aged 8 to 12",
        "Young people aged 13 to 17",
        "Parents and carers",
    ]
    assert rows[0] == ("people", ["No answers", "No answers", "30", "20"])
    figures = published(app, {}, ("audience",))
    groups = {g.value: g for g in figures.breakdowns["audience"]}
    for key, cells in rows[1:]:
        for value, cell in zip(("young_13_17", "parent_carer"), cells[2:], strict=True):
            domain = next(d for d in groups[value].domains if d.key == key)
            assert cell.startswith(percent(domain.share)) if domain.shown else cell == "Not shown"
    shown_cells = [c for _k, cells in rows[1:] for c in cells if c.endswith(")")]
    assert shown_cells, "some figures should show"
    views = parse(html).find(".//nav[@id='views']")
    assert [text(a) for a in views.findall(".//a[@aria-current='page']")] == [
        "Children, young people and parents"
    ]


def test_one_area_against_all_areas(app, demo, researcher) -> None:
    add_people(app, demo, THIRTY)
    add_people(app, demo, [FIRST] * 10 + [SECOND] * 10, area_code="NORTH")
    html = researcher.get(f"{URL}?by=area&compare=NORTH").get_data(as_text=True)
    headings, rows = table(html)
    assert headings == ["Outcome", "Area NORTH", "All areas"]
    assert rows[0] == ("people", ["20", "50"])
    figures = published(app, {}, ("area",))
    north = next(g for g in figures.breakdowns["area"] if g.value == "NORTH")
    for key, (area_cell, total_cell) in rows[1:]:
        for group, cell in ((north, area_cell), (figures.total, total_cell)):
            domain = next(d for d in group.domains if d.key == key)
            assert cell.startswith(percent(domain.share)) if domain.shown else cell == "Not shown"
    assert re.search(r'<option value="NORTH" selected>', html)
    # With the area filter, "all areas" means the areas chosen.
    html = researcher.get(f"{URL}?by=area&area=NORTH").get_data(as_text=True)
    assert table(html)[0] == ["Outcome", "Area NORTH", "All the areas chosen"]


def test_change_over_time_by_quarter(app, demo, researcher) -> None:
    add_people(app, demo, THIRTY, started=datetime(2025, 1, 15, tzinfo=UTC))
    add_people(app, demo, THIRTY, started=datetime(2025, 7, 15, tzinfo=UTC))
    html = researcher.get(f"{URL}?by=quarter&from=2025-Q1&to=2025-Q4").get_data(as_text=True)
    headings, rows = table(html)
    assert headings == ["Outcome", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert rows[0] == ("people", ["30", "No answers", "30", "No answers"])
    stable_home = dict(rows)["stable_home"]
    assert stable_home[0].startswith("66.7%") and stable_home[2].startswith("66.7%")
    assert stable_home[1] == "No answers"
    svg = chart(html)
    assert svg_all(svg, "circle") and svg_all(svg, "line[@stroke-dasharray]")


def test_domain_names_follow_the_page_language(app, demo, researcher) -> None:
    if "pl" not in app.extensions["voice_languages"]:
        pytest.skip("Polish is not shipped in this build")
    add_people(app, demo, THIRTY)
    html = researcher.get(URL, headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert "Poczucie bezpieczeństwa" in html  # feeling_safe, in the table and the chart
    assert "Feeling safe" not in html


def test_charts_are_mirrored_on_right_to_left_pages(app, demo, researcher) -> None:
    if "ar" not in app.extensions["voice_languages"]:
        pytest.skip("Arabic is not shipped in this build")
    add_people(app, demo, THIRTY)
    html = researcher.get(URL, headers={"Accept-Language": "ar"}).get_data(as_text=True)
    svg = chart(html)
    assert svg.get("direction") == "rtl"
    first_bar = svg_all(svg, "rect")[0]
    right_edge = float(first_bar.get("x")) + float(first_bar.get("width"))
    assert right_edge == pytest.approx(float(svg.get("width")) - 8)


def test_export_links_carry_the_same_filters(app, demo, researcher) -> None:
    add_people(app, demo, THIRTY)
    html = researcher.get(f"{URL}?by=audience&audience=young_13_17&from=2025-Q1").get_data(
        as_text=True
    )
    links = [a.get("href") for a in parse(html).findall(".//a") if "/export/" in a.get("href")]
    if "research.export_file" not in app.view_functions:
        assert links == []
        return
    assert {urlsplit(link).path.rsplit("/", 1)[1] for link in links} == {"csv", "json", "zip"}
    for link in links:
        assert parse_qs(urlsplit(link).query) == {
            "framework": ["1"],
            "audience": ["young_13_17"],
            "from": ["2025-Q1"],
            "by": ["audience"],
        }


# --- bad filters ------------------------------------------------------------------------

BAD_FILTERS = [
    ("framework=abc", "#framework", "framework version"),
    ("framework=999", "#framework", "framework version"),
    ("framework=1&framework=2", "#framework", "framework version"),
    ("framework=%C2%B2", "#framework", "framework version"),  # "²" passes isdigit
    ("audience=adults", "#audience-child_4_7", "who answered"),
    ("area=NOWHERE", "#area-1", "areas"),
    ("session=abc", "#session", "session number"),
    ("session=%C2%B2", "#session", "session number"),
    ("session=1234567890", "#session", "session number"),
    ("from=2026-Q5", "#from", "first quarter"),
    ("from=1999-Q1", "#from", "first quarter"),
    ("to=next%20year", "#to", "last quarter"),
    ("from=2026-Q3&to=2026-Q1", "#to", "same as the first quarter or after it"),
    ("by=session", "#views", "views"),
    ("by=audience&by=area", "#views", "views"),
    ("by=area&compare=NOWHERE", "#compare", "area to compare"),
]


def test_a_bad_filter_is_refused_with_the_field_named(app, demo, researcher) -> None:
    for query, anchor, words in BAD_FILTERS:
        response = researcher.get(f"{URL}?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 400, query
        summary, href = error_summary(html)
        assert words in summary.lower(), (query, summary)
        assert href == anchor, query
        assert parse(html).find(f".//*[@id='{anchor[1:]}']") is not None, query  # it goes somewhere
        assert "<title>Error: " in html, query
        assert "data-figures" not in html, query


# Every naughty string for one argument shown back in a text box (the others go through
# the same code); for the rest, one of each kind: markup, SQL, other scripts, controls, size.
HOSTILE_VALUES = [*HOSTILE_TEXTS, *CONTROL_TEXTS, "x" * 10_240, "2026-Q1\x00", "1\x00"]
SOME_HOSTILE_VALUES = [
    "<script>alert(1)</script>",
    "'; DROP TABLE answer; --",
    "أحب عائلتي ومدرستي",
    "before\x00after",
    "\x1b[31mred",
    "x" * 10_240,
    "1\x00",
]
ARGUMENTS = {
    "framework": SOME_HOSTILE_VALUES,
    "audience": SOME_HOSTILE_VALUES,
    "area": SOME_HOSTILE_VALUES,
    "session": HOSTILE_VALUES,
    "from": SOME_HOSTILE_VALUES,
    "to": SOME_HOSTILE_VALUES,
    "by": SOME_HOSTILE_VALUES,
    "compare": SOME_HOSTILE_VALUES,
}


def test_no_hostile_value_gives_a_500_or_shows_anything_unsafe(app, demo, researcher) -> None:
    for argument, values in ARGUMENTS.items():
        for value in values:
            query = {argument: value, **({"by": "area"} if argument == "compare" else {})}
            response = researcher.get(URL, query_string=query)  # the page is checked as HTML
            html = response.get_data(as_text=True)
            assert response.status_code == 400, (argument, value[:40])
            assert 'class="fv-error-summary"' in html, (argument, value[:40])
            assert "\x00" not in html and "x" * 100 not in html, (argument, value[:40])
            if argument in {"session", "from", "to"}:  # shown back in their boxes
                assert_neutralised(html)


def test_each_view_is_audited_without_any_answer(app, demo, researcher) -> None:
    add_people(app, demo, THIRTY)
    researcher.get(f"{URL}?by=quarter&audience=young_13_17&from=2025-Q1")
    researcher.get(f"{URL}?from=nonsense")  # refused: nothing was read
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "priorities.view")
        ).all()
        assert len(events) == 1
        event = events[0]
        assert event.actor_id is not None
        assert event.detail["view"] == "quarter"
        assert event.detail["audiences"] == ["young_13_17"]
        assert event.detail["first_quarter"] == str(Quarter(2025, 1))
        assert event.detail["framework_version"] == 1
        assert "stable_home" not in str(event.detail)

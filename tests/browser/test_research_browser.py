"""The research dashboard in a real browser: every state of "What matters" passes axe.

One test visits the four views with figures, a view where every figure is hidden, and a
page with a filter error, each at tablet and phone size (page_problems also checks 44 px
targets, focus indicators, one <h1> that the <title> starts with, and no sideways
scrolling at 320 px). The charts are checked as a person meets them: a picture with a
name, and the data table right after it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import Browser, expect

from tests.support.browser import VIEWPORTS, with_axe
from tests.support.database import rendering_only
from tests.support.journey import load_demo_session
from tests.support.page_audit import page_problems
from tests.support.priorities import add_people
from tests.support.staff import make_staff
from tests.support.staff_browser import sign_in
from voice_app.models import (
    Audience,
    Role,
)

FIRST = ["feeling_safe", "stable_home", "right_help"]
SECOND = ["stable_home", "right_help", "friends_belonging"]
THIRD = ["right_help", "learning_school"]


@rendering_only
def test_every_research_dashboard_state_passes_axe_at_tablet_and_phone_size(
    app: Flask, runner: FlaskCliRunner, browser: Browser, base_url: str
) -> None:
    demo = load_demo_session(app, runner)
    make_staff(app, "rhys", Role.RESEARCHER)
    # 75 people: young people, parents, children in another area who answered last
    # year, and a few young children: some figures show and some are hidden in every view.
    add_people(app, demo.id, [FIRST] * 10 + [SECOND] * 10 + [THIRD] * 10)
    add_people(app, demo.id, [FIRST] * 10 + [SECOND] * 10, audience=Audience.PARENT_CARER)
    add_people(
        app,
        demo.id,
        [FIRST] * 10 + [SECOND] * 10,
        audience=Audience.CHILD_8_12,
        started=datetime(2025, 2, 1, tzinfo=UTC),
        area_code="NORTH",
    )
    add_people(app, demo.id, [FIRST] * 5, audience=Audience.CHILD_4_7)

    context = with_axe(
        browser.new_context(base_url=base_url, viewport=VIEWPORTS["tablet"], locale="en-GB")
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, app, "rhys")
    page.get_by_role("link", name="What matters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What matters to families")

    problems: list[str] = []

    def check(label: str, focus: bool = False) -> None:
        page.wait_for_load_state()
        chart = page.locator(".fv-chart svg[role=img]")
        expect(chart).to_have_count(1)
        # Its name and description are its own <title> and <desc>.
        assert chart.evaluate(
            """svg => svg.getAttribute('aria-labelledby').split(' ').map(
                id => document.getElementById(id)?.parentNode === svg).every(Boolean)"""
        )
        expect(page.locator(".fv-chart + .fv-table-wrapper table")).to_have_count(1)
        problems.extend(page_problems(page, label, check_focus=focus))

    # The order, reached through the navigation.
    expect(page.get_by_role("img", name="The share of people who put each outcome")).to_be_visible()
    check("order", focus=True)  # the same controls on every view: focus checked once

    # The other views, through their links (no JavaScript needed: they are links).
    views = page.get_by_role("navigation", name="Views of the figures")
    views.get_by_role("link", name="Children, young people and parents").click()
    expect(page.locator("[data-people-row] td")).to_have_count(len(Audience))
    check("by audience")
    views.get_by_role("link", name="One area against all areas").click()
    expect(page.locator("[data-people-row] td")).to_have_count(2)
    check("one area against all")
    views.get_by_role("link", name="Change over time").click()
    expect(page.locator("[data-people-row] td")).not_to_have_count(0)
    check("over time")

    # Too few people for anything to be shown.
    page.goto("/research/priorities?audience=child_4_7")
    expect(page.locator("[data-figures] td").first).to_have_text("Not ranked")
    check("every figure hidden")

    # A filter error: the summary names the field and links to it.
    response = page.goto("/research/priorities?from=2026-Q9")
    assert response is not None and response.status == 400
    summary = page.locator(".fv-error-summary")
    expect(summary).to_contain_text("first quarter")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#from")
    expect(page.locator("#from")).to_have_attribute("aria-invalid", "true")
    problems.extend(page_problems(page, "filter error", check_focus=True))

    context.close()
    assert problems == [], "\n".join(problems)

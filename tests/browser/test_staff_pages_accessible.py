"""axe finds nothing on any page a visitor or a member of staff can reach.

The crawler signs in as each role, follows every same-site link it finds from the
staff home page, and scans each page at tablet and phone sizes.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import (
    VIEWPORTS,
    assert_accessible,
    assert_no_horizontal_scroll,
    with_axe,
)
from tests.support.database import rendering_only
from tests.support.staff import TEST_PASSWORD
from voice_app.models import Role

pytestmark = rendering_only

PUBLIC_PAGES = ["/", "/staff/login", "/no-such-page"]


def sign_in(page: Page, username: str) -> None:
    page.goto("/staff/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")


FILES = ("/static/", "/research/export/")  # downloads, not pages


def crawl(page: Page, start: str) -> list[str]:
    """Every same-site GET page reachable by links from ``start``."""
    seen: list[str] = []
    queue = [start]
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.append(path)
        page.goto(path)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parts = urlsplit(urljoin(page.url, href))
            if parts.netloc != urlsplit(page.url).netloc or parts.path.startswith(FILES):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and target not in queue:
                queue.append(target)
    return seen


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_public_pages_have_no_axe_violations(browser: Browser, base_url, viewport):
    context = with_axe(browser.new_context(base_url=base_url, viewport=VIEWPORTS[viewport]))
    page = context.new_page()
    for path in PUBLIC_PAGES:
        page.goto(path)
        assert_accessible(page)
        assert_no_horizontal_scroll(page)
    context.close()


def test_login_error_page_has_no_axe_violations(page: Page):
    page.goto("/staff/login")
    page.get_by_role("button", name="Sign in").click()
    assert page.title().startswith("Error: Sign in")
    assert_accessible(page)


@pytest.mark.parametrize("role", list(Role))
def test_every_page_each_role_can_reach_has_no_axe_violations(
    browser: Browser, base_url, staff, role
):
    context = with_axe(browser.new_context(base_url=base_url, viewport=VIEWPORTS["tablet"]))
    page = context.new_page()
    sign_in(page, staff[role])
    pages = crawl(page, "/staff/")
    assert "/staff/" in pages
    if role is Role.ADMIN:
        assert "/admin/users" in pages
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        for path in pages:
            page.goto(path)
            assert_accessible(page)
            assert_no_horizontal_scroll(page)
    context.close()

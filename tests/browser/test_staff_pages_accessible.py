"""axe finds nothing on any page a visitor or a member of staff can reach.

The crawler signs in as each role, follows every same-site link it finds from the
staff home page, and scans each page at tablet and phone sizes.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pyotp
import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import (
    VIEWPORTS,
    assert_accessible,
    assert_no_horizontal_scroll,
    with_axe,
)
from tests.support.database import rendering_only
from tests.support.staff import make_staff
from tests.support.staff_browser import sign_in
from voice_app.extensions import db
from voice_app.models import Role, StaffUser
from voice_app.passwords import hash_password

pytestmark = rendering_only

PUBLIC_PAGES = ["/", "/staff/login", "/no-such-page"]


FILES = ("/static/", "/research/export/", "/admin/audit.csv")  # downloads, not pages


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
    app, browser: Browser, base_url, staff, role
):
    context = with_axe(browser.new_context(base_url=base_url, viewport=VIEWPORTS["tablet"]))
    page = context.new_page()
    # The first sign-in's pages (setting up the app, the recovery codes) are scanned too.
    sign_in(page, app, staff[role], check=assert_accessible)
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


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_sign_in_step_has_no_axe_violations(app, browser: Browser, base_url, viewport):
    """Set-up, recovery codes, a new password for a breached one, the code and a recovery
    code: each page as it first shows and with its error, at tablet and phone size."""
    user_id = make_staff(app, "nia", Role.RESEARCHER)
    with app.app_context():
        db.session.get(StaffUser, user_id).password_hash = hash_password("qwerty123456")
        db.session.commit()
    context = with_axe(browser.new_context(base_url=base_url, viewport=VIEWPORTS[viewport]))
    page = context.new_page()

    def scan(title: str, button: str) -> None:
        """The page, then the page with its error after an empty submit."""
        assert page.title().startswith(title)
        assert_accessible(page)
        assert_no_horizontal_scroll(page)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()
        assert page.title().startswith("Error: " + title)
        assert_accessible(page)

    def type_password(password: str) -> None:
        page.goto("/staff/login")
        page.get_by_label("Username").fill("nia")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    type_password("qwerty123456")
    page.wait_for_url("**/staff/login/set-up")
    scan("Set up your authenticator app", "Check the code")
    secret = page.locator("#two-factor-key").inner_text().replace(" ", "")
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Check the code").click()
    page.get_by_role("button", name="I have saved them, continue").wait_for()
    assert_accessible(page)
    recovery_code = page.locator("[data-recovery-code]").first.inner_text()
    page.get_by_role("button", name="I have saved them, continue").click()
    page.wait_for_url("**/staff/login/new-password")
    scan("Choose a new password", "Change password and sign in")
    page.get_by_label("New password", exact=True).fill("a brand new long passphrase")
    page.get_by_label("New password again").fill("a brand new long passphrase")
    page.get_by_role("button", name="Change password and sign in").click()
    page.wait_for_url("**/staff/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/staff/login")

    type_password("a brand new long passphrase")
    page.wait_for_url("**/staff/login/code")
    scan("Enter the 6-digit code", "Continue")
    page.get_by_role("link", name="Use a recovery code instead").click()
    page.wait_for_url("**/staff/login/recovery-code")
    scan("Use a recovery code", "Continue")
    page.get_by_label("Recovery code").fill(recovery_code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/staff/")
    assert_accessible(page)  # with the "codes left" message
    context.close()

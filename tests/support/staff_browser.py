"""Signing in to the staff pages in a real browser, second factor included."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pyotp
from flask import Flask
from playwright.sync_api import Page

from tests.support.staff import CODE_URL, ENROL_URL, TEST_PASSWORD, fresh_code

PageCheck = Callable[[Page], None]


def _nothing(page: Page) -> None:
    """No extra check on the sign-in pages."""


def pass_second_factor_in_browser(
    page: Page, app: Flask, username: str, check: PageCheck = _nothing
) -> None:
    """After the password form: set up the app (first time) or type its code, as a person
    with the authenticator app would, with the keyboard. ``check`` sees each step's page."""
    page.wait_for_url(lambda url: urlsplit(url).path != "/staff/login")
    step = urlsplit(page.url).path
    if step == ENROL_URL:
        check(page)
        secret = page.locator("#two-factor-key").inner_text().replace(" ", "")
        page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
        page.get_by_label("Code", exact=True).press("Enter")
        saved = page.get_by_role("button", name="I have saved them, continue")
        saved.wait_for()
        check(page)
        saved.focus()
        page.keyboard.press("Enter")
    elif step == CODE_URL:
        check(page)
        page.get_by_label("Code", exact=True).fill(fresh_code(app, username))
        page.get_by_label("Code", exact=True).press("Enter")
    page.wait_for_url("**/staff/")


def sign_in(
    page: Page,
    app: Flask,
    username: str,
    password: str = TEST_PASSWORD,
    check: PageCheck = _nothing,
) -> None:
    """Sign in through the real pages and wait for the staff home page."""
    page.goto("/staff/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    pass_second_factor_in_browser(page, app, username, check)

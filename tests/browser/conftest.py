"""Browser fixtures: one Chromium per run, a fresh context per test, a live server per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.support.browser import (
    AXE_SCRIPT,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    live_server,
    with_axe,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not CHROMIUM.exists() or not AXE_SCRIPT.exists():
        message = "browser tests need Debian chromium and node_modules/axe-core (make test)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    with live_server(app) as url:
        yield url


@pytest.fixture(params=list(VIEWPORTS))
def viewport_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = with_axe(
        browser.new_context(
            base_url=base_url, viewport=VIEWPORTS["tablet"], has_touch=True, locale="en-GB"
        )
    )
    page = context.new_page()
    yield page
    context.close()

"""The Content-Security-Policy in a real browser: injected inline code is blocked, ours runs.

The real pages are fetched from the app and an inline <script>, a <style> block and a
style attribute are written into their HTML on the way to Chromium, as a stored
cross-site scripting bug would. The app's own headers come with them. The studio's
recording page records under the app's own headers, and no other page may use the
microphone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, Playwright, Route, expect

from tests.support.access_world import Who, build_world
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.database import rendering_only
from tests.support.staff_browser import sign_in

pytestmark = rendering_only

INJECTED = (
    "<script>window.injectedScriptRan = true;</script>"
    "<style>body { background-color: rgb(255, 0, 0) !important; }</style>"
)
INJECTED_ATTRIBUTE = '<p id="injected" style="color: rgb(255, 0, 0)">Injected</p>'
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.effectiveDirective);
});
"""


def inject_into_documents(page: Page) -> None:
    def inject(route: Route) -> None:
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch()
        html = response.text().replace("</head>", INJECTED + "</head>", 1)
        html = html.replace("</main>", INJECTED_ATTRIBUTE + "</main>", 1)
        route.fulfill(response=response, body=html)

    page.route("**/*", inject)


def violations(page: Page) -> list[str]:
    return page.evaluate("window.cspViolations")


def test_our_own_pages_break_no_rule_of_the_policy(page: Page) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator("[data-autofocus]")).to_be_focused()
    page.goto("/staff/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-autofocus]")).to_be_focused()
    assert violations(page) == []


def test_injected_inline_script_and_styles_are_blocked_and_the_pages_own_script_still_runs(
    page: Page,
) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    inject_into_documents(page)
    page.goto("/")
    page.get_by_role("button", name="Start", exact=True).click()  # no code: the error summary
    expect(page.locator("#injected")).to_be_visible()  # the injection reached the page
    # Our own static/js/voice.js ran: it moves focus to the error summary.
    expect(page.locator("[data-autofocus]")).to_be_focused()
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    assert page.evaluate("window.injectedScriptRan") is None
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 0, 0)"
    colour = page.evaluate("getComputedStyle(document.getElementById('injected')).color")
    assert colour != "rgb(255, 0, 0)"
    page.wait_for_function("window.cspViolations.length >= 3")
    assert {"script-src-elem", "style-src-elem", "style-src-attr"} <= set(violations(page))


@pytest.fixture
def microphone_page(playwright_instance: Playwright, base_url: str) -> Iterator[Page]:
    """A browser with a fake microphone the site has been allowed to use."""
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"],
        headless=True,
    )
    context = browser.new_context(base_url=base_url, locale="en-GB", permissions=["microphone"])
    yield context.new_page()
    context.close()
    browser.close()


def test_the_recording_page_records_under_the_apps_headers_and_no_other_page_may(
    app: Flask, microphone_page: Page
) -> None:
    world = build_world(app)
    page = microphone_page
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, app, world.usernames[Who.ADVISOR])
    page.goto(f"/studio/texts/{world.text}/audio")
    page.get_by_role("button", name="Record", exact=True).click()
    stop = page.get_by_role("button", name="Stop recording")
    expect(stop).to_be_visible()
    page.wait_for_timeout(600)
    stop.click()
    expect(page.get_by_role("button", name="Record again")).to_be_visible()
    assert page.evaluate("document.getElementById('audio').files[0].size") > 0
    # The take plays back from a blob: URL, which only this page's policy allows.
    player = page.locator(".fv-recorder audio")
    assert (player.get_attribute("src") or "").startswith("blob:")
    assert violations(page) == []
    page.goto(f"/studio/versions/{world.version}")
    refused = page.evaluate(
        "navigator.mediaDevices.getUserMedia({audio: true}).then(() => 'allowed', e => e.name)"
    )
    assert refused == "NotAllowedError"

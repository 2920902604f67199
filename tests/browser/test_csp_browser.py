"""The Content-Security-Policy in a real browser: injected inline code is blocked, ours runs.

The real pages are fetched from the app and an inline <script>, a <style> block and a
style attribute are written into their HTML on the way to Chromium, as a stored
cross-site scripting bug would. The app's own headers come with them.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

from tests.support.database import rendering_only

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

"""One check of everything automated tools can see on a page, for the page-by-page tests.

Structure (one <h1>, the title starts with it), axe and 44 px targets at tablet and phone
sizes, sideways scrolling at 320 px, and (optionally) focus indicators of at least 3 px.
Problems are returned, not raised, so one run can list every page's problems at once.
"""

from __future__ import annotations

from playwright.sync_api import Page

from tests.support.browser import VIEWPORTS, assert_no_horizontal_scroll, axe_violations
from tests.support.journey import small_targets

NARROWEST = {"width": 320, "height": 720}
# Every element that takes focus, focused in turn: how thick its focus indicator is (the
# outline, or the spread of an outer box-shadow). Under 3 px is a problem.
_WEAK_FOCUS_SCRIPT = """
() => {
  const problems = [];
  const focusable = 'a[href], button, select, textarea, summary, input:not([type=hidden]), ' +
    '[tabindex]:not([tabindex="-1"])';
  for (const el of document.querySelectorAll(focusable)) {
    if (el.disabled || el.closest('[hidden]') || !el.getClientRects().length) continue;
    el.focus();
    if (document.activeElement !== el) continue;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth);
    let spread = 0;
    for (const shadow of style.boxShadow.split(/,(?![^(]*\\))/)) {
      const lengths = shadow.match(/-?[\\d.]+px/g) || [];
      if (lengths.length === 4 && !shadow.includes('inset')) {
        spread = Math.max(spread, parseFloat(lengths[3]));
      }
    }
    if (Math.max(outline, spread) < 3) {
      const text = (el.innerText || el.value || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
      problems.push(`<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}> "${text}" ` +
        `shows a ${Math.max(outline, spread)}px focus indicator`);
    }
  }
  if (document.activeElement) document.activeElement.blur();
  window.scrollTo(0, 0);
  return problems;
}
"""


def page_problems(page: Page, label: str, *, check_focus: bool = False) -> list[str]:
    """What is wrong with the page as it is now."""
    problems = []
    if check_focus:
        problems += [f"{label}: {problem}" for problem in page.evaluate(_WEAK_FOCUS_SCRIPT)]
    h1s = page.eval_on_selector_all(
        "h1", "hs => hs.map(h => h.textContent.replace(/\\s+/g, ' ').trim())"
    )
    title = page.title().removeprefix("Error: ")
    if len(h1s) != 1:
        problems.append(f"{label}: {len(h1s)} <h1> elements")
    elif not title.startswith(h1s[0]):
        problems.append(f"{label}: title {title!r} does not start with the <h1> {h1s[0]!r}")
    try:
        for name, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            found = axe_violations(page) + small_targets(page)
            problems += [f"{label} [{name}]: {problem}" for problem in found]
        page.set_viewport_size(NARROWEST)
        assert_no_horizontal_scroll(page)
    except AssertionError as error:
        problems.append(f"{label} [320px]: {error}")
    finally:
        page.set_viewport_size(VIEWPORTS["tablet"])
    return problems

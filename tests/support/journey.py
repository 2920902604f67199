"""Walk the participant journey in a real browser, the way a person on a tablet does.

What the journey should show and store is read from the database the demo loads (the
flow for an audience, its wording, options and outcome-domain cards), so the walks
follow the starter content without copying it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Connection, Table, func, insert, select

from tests.support.browser import VIEWPORTS
from tests.support.participants import load_demo
from voice_app.extensions import db
from voice_app.kiosk import create_link
from voice_app.models import (
    Audience,
    Base,
    FlowItem,
    GroupSession,
    OutcomeDomain,
    QuestionVersion,
)

SOURCE_LANGUAGE = "en_GB"
TABLET = {"viewport": VIEWPORTS["tablet"], "has_touch": True, "locale": "en-GB"}
KIOSK_LABEL = "Tablet 1"

# What a person reads on the "Who are you?" cards and the answer cards.
AUDIENCE_LABELS = {
    "child_4_7": "A child aged 4 to 7",
    "child_8_12": "A child aged 8 to 12",
    "young_13_17": "A young person aged 13 to 17",
    "parent_carer": "A parent or carer",
}
FACE_WORDS = {1: "Very sad", 2: "Sad", 3: "In between", 4: "Happy", 5: "Very happy"}
THREE_FACE_WORDS = {1: "Sad", 3: "In between", 5: "Happy"}  # under-8s see three faces
YES_MAYBE_NO_WORDS = {"yes": "Yes", "maybe": "Maybe", "no": "No"}
RANKS = ("Matters most", "Second", "Third")
WITHDRAWAL_CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")

PageCheck = Callable[[Page], None]


def no_check(_page: Page) -> None:
    return None


# --- set-up -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSession:
    code: str
    id: int


@dataclass
class _DemoSnapshot:
    database: str
    code: str
    tables: list[tuple[Table, list[dict[str, Any]]]]


_snapshot: _DemoSnapshot | None = None


def load_demo_session(app: Flask, runner: FlaskCliRunner) -> DemoSession:
    """Load the demo content (``flask demo --json``); returns its open session.

    The first call in a run loads it through the command and keeps a copy of every row
    it wrote; later calls put those same rows into the test's clean database, which is
    many times quicker than loading the content and its translations again.
    """
    global _snapshot
    with app.app_context():
        database = db.engine.url.render_as_string(hide_password=False)
    if _snapshot is None or _snapshot.database != database:
        code = load_demo(runner)
        with app.app_context(), db.engine.connect() as connection:
            tables = [
                (table, [dict(row._mapping) for row in connection.execute(select(table))])
                for table in Base.metadata.sorted_tables
            ]
        _snapshot = _DemoSnapshot(database, code, tables)
    else:
        with app.app_context(), db.engine.begin() as connection:
            for table, rows in _snapshot.tables:
                if rows:
                    connection.execute(insert(table), rows)
                    _move_id_sequence_past(connection, table)
    with app.app_context():
        code = _snapshot.code
        group_session = db.session.scalar(select(GroupSession).where(GroupSession.code == code))
        assert group_session is not None, code
        assert group_session.free_text_enabled, "the demo session should allow free text"
        return DemoSession(code=code, id=group_session.id)


def _move_id_sequence_past(connection: Connection, table: Table) -> None:
    """PostgreSQL: rows put back with their ids leave the id sequence behind them."""
    column = table.autoincrement_column
    if connection.dialect.name != "postgresql" or column is None:
        return
    sequence = func.pg_get_serial_sequence(table.name, column.name)
    connection.execute(select(func.setval(sequence, select(func.max(column)).scalar_subquery())))


def kiosk_url(app: Flask, session_id: int, label: str = KIOSK_LABEL) -> str:
    """A fresh link that binds a tablet to the session."""
    with app.app_context():
        _link, token = create_link(db.session, session_id, label=label)
        db.session.commit()
    return f"/kiosk/{token}"


@contextmanager
def tablet_page(browser: Browser, base_url: str, *, javascript: bool = True) -> Iterator[Page]:
    """An iPad-sized touch screen in a fresh context (its own cookies), closed afterwards."""
    context = browser.new_context(base_url=base_url, java_script_enabled=javascript, **TABLET)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- the flow, from the database ----------------------------------------------------------


@dataclass(frozen=True)
class Step:
    position: int
    version_id: int
    format: str
    wording: str
    choices: tuple[tuple[str, str], ...] = ()  # (stored key, label shown), in the page's order

    def label(self, key: str) -> str:
        return dict(self.choices)[key]


def flow_steps(app: Flask, session_id: int, audience: str) -> list[Step]:
    """Every question of the session's flow for this audience, in order."""
    with app.app_context():
        group_session = db.session.get(GroupSession, session_id)
        items = db.session.scalars(
            select(FlowItem)
            .where(
                FlowItem.flow_id == group_session.flow_id,
                FlowItem.audience == Audience(audience),
            )
            .order_by(FlowItem.position)
        ).all()
        domains = db.session.scalars(
            select(OutcomeDomain)
            .where(OutcomeDomain.framework_id == group_session.flow.framework_id)
            .order_by(OutcomeDomain.position)
        ).all()
        domain_cards = tuple(
            (d.key, next(t.name for t in d.texts if t.language == SOURCE_LANGUAGE)) for d in domains
        )
        steps = []
        for position, item in enumerate(items, start=1):
            version: QuestionVersion = item.version
            text = next(
                t
                for t in version.texts
                if t.audience == Audience(audience) and t.language == SOURCE_LANGUAGE
            )
            answer_format = version.format.value
            choices: tuple[tuple[str, str], ...] = ()
            if answer_format in ("choose_one", "choose_many"):
                choices = tuple(
                    (
                        option.key,
                        next(
                            label.label
                            for label in option.labels
                            if label.audience == Audience(audience)
                            and label.language == SOURCE_LANGUAGE
                        ),
                    )
                    for option in version.options
                )
            elif answer_format == "top_three":
                choices = domain_cards
            steps.append(Step(position, item.version_id, answer_format, text.wording, choices))
        return steps


# --- moving through the journey -------------------------------------------------------------


def at_path(page: Page, path: str) -> None:
    """Wait until the browser is at ``path`` (locators then wait for what they need)."""
    expect(page).to_have_url(re.compile(re.escape(path) + r"$"))


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def join_by_code(page: Page, code: str, check: PageCheck = no_check) -> None:
    page.goto("/")
    check(page)
    page.get_by_label("Type your session code").fill(code)
    press(page, "Start")
    choose_language(page, check)


def start_on_kiosk(page: Page, url: str, check: PageCheck = no_check) -> None:
    """Bind this tablet with a kiosk link, then press the one big Start button."""
    page.goto(url)
    at_path(page, "/")
    expect(page.get_by_label("Type your session code")).to_have_count(0)
    start_next_person(page, check)


def start_next_person(page: Page, check: PageCheck = no_check) -> None:
    """On a bound tablet's start page: the one big Start button."""
    at_path(page, "/")
    check(page)
    press(page, "Start")
    choose_language(page, check)


def choose_language(page: Page, check: PageCheck = no_check) -> None:
    """Choose English when the session offers more than one language (else it is skipped)."""
    expect(page).to_have_url(re.compile(r"/(language|who)$"))
    if page.url.endswith("/language"):
        check(page)
        page.get_by_role("radio", name="English", exact=True).check()
        press(page, "Next")
    at_path(page, "/who")


def choose_audience(page: Page, audience: str, check: PageCheck = no_check) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Who are you?")
    check(page)
    page.get_by_role("radio", name=AUDIENCE_LABELS[audience], exact=True).check()
    press(page, "Next")
    at_path(page, "/about")


def assent(page: Page, check: PageCheck = no_check) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you start")
    check(page)
    press(page, "Yes, let's start")
    at_path(page, "/q/1")


def at_question(page: Page, step: Step) -> None:
    at_path(page, f"/q/{step.position}")
    expect(page.get_by_role("heading", level=1)).to_have_text(step.wording)


def finish_at_talk(page: Page, talk: str = "No", check: PageCheck = no_check) -> None:
    at_path(page, "/talk")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Do you want to talk to someone today?"
    )
    check(page)
    press(page, talk)
    at_path(page, "/thanks")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")


# --- answering each format ---------------------------------------------------------------------

# Which cards to pick: a first answer (variant 0) and a changed one (variant 1).
_MANY = ((2, 0), (3, 1))  # tapped in this order; stored in the options' own order
_TOP = ((5, 0, 3), (1, 6, 2))  # tapped in this order; stored in this order


def answer(page: Page, step: Step, audience: str, *, javascript: bool, variant: int = 0) -> Any:
    """Answer the question on screen; returns what the database should then hold."""
    if step.format == "faces":
        words = THREE_FACE_WORDS if audience == "child_4_7" else FACE_WORDS
        values = sorted(words)
        value = values[(step.position + variant) % len(values)]
        page.get_by_role("radio", name=words[value], exact=True).check()
        return value
    if step.format == "yes_maybe_no":
        value = list(YES_MAYBE_NO_WORDS)[(step.position + variant) % 3]
        page.get_by_role("radio", name=YES_MAYBE_NO_WORDS[value], exact=True).check()
        return value
    if step.format == "choose_one":
        key, label = step.choices[(1 + variant) % len(step.choices)]
        page.get_by_role("radio", name=label, exact=True).check()
        return key
    if step.format == "choose_many":
        for box in page.get_by_role("checkbox").all():
            box.uncheck()
        picks = _MANY[variant % 2]
        for index in picks:
            page.get_by_role("checkbox", name=step.choices[index][1], exact=True).check()
        return [step.choices[index][0] for index in sorted(picks)]
    if step.format == "top_three":
        keys = [step.choices[index][0] for index in _TOP[variant % 2]]
        if javascript:
            tap_in_order(page, step, keys)
        else:
            for rank, key in zip(RANKS, keys, strict=True):
                page.get_by_label(rank, exact=True).select_option(label=step.label(key))
        return keys
    if step.format == "free_text":
        text = f"Free text from a {audience.replace('_', ' ')} walk, take {variant + 1}"
        page.get_by_role("textbox", name=step.wording, exact=True).fill(text)
        return text
    raise AssertionError(f"no way to answer format {step.format!r}")


def ranking_card(page: Page, step: Step, key: str):
    name = re.compile(r"^\s*" + re.escape(step.label(key)) + r"\b")
    return page.locator("[data-ranking-cards]").get_by_role("button", name=name)


def tap_in_order(page: Page, step: Step, keys: list[str]) -> None:
    """Tap-to-order cards: clear any earlier choice, then tap the cards in order."""
    pressed = page.locator('[data-ranking-cards] button[aria-pressed="true"]')
    while pressed.count():
        pressed.first.click()
    for rank, key in enumerate(keys, start=1):
        card = ranking_card(page, step, key)
        card.click()
        expect(card).to_have_attribute("aria-pressed", "true")
        expect(card.locator("[data-rank]")).to_have_text(str(rank))
    # The cards fill the three lists, which still carry the answer to the server.
    for rank, key in zip(RANKS, keys, strict=True):
        expect(page.get_by_label(rank, exact=True)).to_have_value(key)


def expect_shows(page: Page, step: Step, audience: str, value: Any, *, javascript: bool) -> None:
    """The page shows the answer given earlier (after pressing Back)."""
    if step.format == "faces":
        words = THREE_FACE_WORDS if audience == "child_4_7" else FACE_WORDS
        expect(page.get_by_role("radio", name=words[value], exact=True)).to_be_checked()
    elif step.format == "yes_maybe_no":
        name = YES_MAYBE_NO_WORDS[value]
        expect(page.get_by_role("radio", name=name, exact=True)).to_be_checked()
    elif step.format == "choose_one":
        expect(page.get_by_role("radio", name=step.label(value), exact=True)).to_be_checked()
    elif step.format == "choose_many":
        for key, label in step.choices:
            box = page.get_by_role("checkbox", name=label, exact=True)
            if key in value:
                expect(box).to_be_checked()
            else:
                expect(box).not_to_be_checked()
    elif step.format == "top_three":
        if javascript:
            for rank, key in enumerate(value, start=1):
                card = ranking_card(page, step, key)
                expect(card).to_have_attribute("aria-pressed", "true")
                expect(card.locator("[data-rank]")).to_have_text(str(rank))
        else:
            for rank, key in zip(RANKS, value, strict=True):
                expect(page.get_by_label(rank, exact=True)).to_have_value(key)
    elif step.format == "free_text":
        expect(page.get_by_role("textbox", name=step.wording, exact=True)).to_have_value(value)


# --- checks a test can run on every page -------------------------------------------------------

_TARGETS_SCRIPT = """
(cardMin) => {
  const problems = [];
  const seen = new Set();
  const shown = (el) => {
    if (el.closest('[hidden]')) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none'
      && el.getClientRects().length > 0;
  };
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
      `${el.className ? ' class="' + el.className + '"' : ''}> "${text}"`;
  };
  const measure = (el) => {
    let box = el.getBoundingClientRect();
    if ((box.width <= 1 || box.height <= 1) && el.matches(':not(:focus)')) {
      // Shown only when focused, like the skip link: measure it as a keyboard user sees it.
      el.focus();
      box = el.getBoundingClientRect();
      el.blur();
    }
    return box;
  };
  const controls = 'a[href], button, select, textarea, summary, input:not([type=hidden])';
  for (const control of document.querySelectorAll(controls)) {
    let target = control;
    if (control.matches('input[type=radio], input[type=checkbox]')) {
      target = control.closest('.fv-card') || control;
    }
    if (seen.has(target) || !shown(target)) continue;
    seen.add(target);
    const box = measure(target);
    if (box.width < 43.99 || box.height < 43.99) {
      problems.push(`${name(target)} is ${box.width.toFixed(1)}x${box.height.toFixed(1)}px`);
    }
  }
  if (cardMin) {
    for (const card of document.querySelectorAll('.fv-card')) {
      if (!shown(card)) continue;
      const box = card.getBoundingClientRect();
      if (box.width < cardMin - 0.01 || box.height < cardMin - 0.01) {
        problems.push(`answer card ${name(card)} is ` +
          `${box.width.toFixed(1)}x${box.height.toFixed(1)}px, under ${cardMin}px`);
      }
    }
  }
  return problems;
}
"""


def small_targets(page: Page, card_min: int = 0) -> list[str]:
    """Visible controls under 44x44 CSS px (a card is measured for the input inside it)."""
    return page.evaluate(_TARGETS_SCRIPT, card_min)


def assert_touch_targets(page: Page, card_min: int = 0) -> None:
    problems = small_targets(page, card_min)
    assert problems == [], f"targets too small on {page.url}:\n" + "\n".join(problems)

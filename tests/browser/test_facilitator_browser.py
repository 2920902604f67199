"""Running a group session in a real browser: issue 6's acceptance, axe, and the A4 sheet.

1. A facilitator sets up and opens a session through the pages, binds a tablet with the
   link shown once, and leaves the live page open. A young person finishes on the tablet
   and asks to talk to someone: within 10 seconds, and without the live page reloading,
   it shows the completion and the flag (which tablet and when, never what was written).
   The facilitator acknowledges and resolves the flag with a note and closes the session;
   the next answer from the tablet is refused with a friendly page. A new flag is
   announced (the live region stays and its words change) but never swaps the flags out
   from under a note being typed.
2. Every facilitator page in every state it can be in, the projector, and the safeguarding
   lead's and researchers' safeguarding pages have no axe violations and no target under
   44 px at tablet and phone sizes, a focus indicator of at least 3 px on everything that
   takes focus, one <h1> that the <title> starts with, and no sideways scrolling at 320 px
   wide. Every problem is collected so one run lists them all.
3. The session sheet prints on one A4 page, with its QR code and the session code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import format_datetime
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from tests.support.browser import (
    VIEWPORTS,
    with_axe,
)
from tests.support.database import rendering_only
from tests.support.journey import (
    assent,
    at_path,
    at_question,
    choose_audience,
    finish_at_talk,
    flow_steps,
    load_demo_session,
    press,
    start_next_person,
    start_on_kiosk,
    tablet_page,
)
from tests.support.page_audit import page_problems
from tests.support.sessions import (
    add_room_answers,
    finished_person,
    flag_ids,
    make_session,
    staff_in_first_area,
)
from tests.support.staff import make_staff
from tests.support.staff_browser import sign_in
from voice_app import group_sessions
from voice_app.extensions import db
from voice_app.models import (
    Answer,
    FlagKind,
    FlagStatus,
    GroupSession,
    Participant,
    Role,
    SafeguardingFlag,
    SessionStatus,
    StaffUser,
)
from voice_app.screening import load_starter_terms

LIVE_UPDATE_MS = 10_000  # the live page polls every 4 s: a change shows within 10 s
AUDIENCE = "young_13_17"  # writes free text, and gets a withdrawal code
# What the young person writes: it must never reach the facilitator's pages.
WRITTEN = "Only the safeguarding lead may read these words"
# Starter-list words, for a flag whose text the safeguarding lead reads.
SCREENED = "My stepdad hits me when mum is at work"
# Five people's top 3 (outcome domain keys): the projector shows the order from 5.
TOP_THREES = [
    ["stable_home", "feeling_safe", "friends_belonging"],
    ["stable_home", "right_help", "feeling_safe"],
    ["friends_belonging", "stable_home", "learning_school"],
    ["feeling_safe", "friends_belonging"],
    ["right_help"],
]
LONG_VENUE = ("Riverside Family Centre, Community Hall Annexe and Garden Rooms, " * 4)[:200]
LONG_CONTACT = (
    "Family support team at the Riverside Family Centre, open Monday to Friday from 9am "
    "to 5pm: 01632 960 001. Out of hours: the emergency duty team on 01632 960 999. "
) * 3
# Page objects in a PDF (each page's dictionary), not the /Pages tree nodes.
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


# --- helpers ----------------------------------------------------------------------------


@pytest.fixture
def signed_in(app: Flask, browser: Browser, base_url: str) -> Iterator[Callable[[str], Page]]:
    """Opens a tablet-sized page, in a browser of its own, signed in as that member of staff."""
    contexts = []

    def open_for(username: str) -> Page:
        context = with_axe(
            browser.new_context(base_url=base_url, viewport=VIEWPORTS["tablet"], locale="en-GB")
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, app, username)
        return page

    yield open_for
    for context in contexts:
        context.close()


def at_live_page(page: Page, session_id: int) -> None:
    at_path(page, f"/facilitate/sessions/{session_id}/live")


def session_id_from(page: Page) -> int:
    match = re.search(r"/facilitate/sessions/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def shown_time(app: Flask, when) -> str:
    """A time as staff pages show it (HH:mm in the app's time zone)."""
    with app.test_request_context():
        return format_datetime(when, "HH:mm")


def pdf_pages(pdf: bytes) -> int:
    return len(_PDF_PAGE.findall(pdf))


# --- 1. the acceptance journey ----------------------------------------------------------


def test_a_facilitator_sees_a_tablets_completion_and_flag_live_and_closes_the_session(
    app: Flask, runner: FlaskCliRunner, browser: Browser, base_url: str, signed_in
) -> None:
    load_demo_session(app, runner)
    staff_in_first_area(app, "fatima", Role.FACILITATOR)
    facilitator = signed_in("fatima")

    # Set up and open a session, through the pages.
    facilitator.get_by_role("link", name="Sessions").click()
    facilitator.get_by_role("link", name="Set up a session").click()
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Set up a session")
    facilitator.get_by_label("Venue").fill("Riverside family centre")
    facilitator.get_by_label("Local contact").fill("Family support team: 01632 960 001")
    facilitator.get_by_label("Let people write in their own words").check()
    facilitator.get_by_role("button", name="Save session").click()
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Riverside family centre")
    session_id = session_id_from(facilitator)
    facilitator.get_by_role("button", name="Open the session").click()
    expect(facilitator.get_by_text("The session is open. People can join now.")).to_be_visible()

    # Make a tablet link; it is shown once, on its own page.
    facilitator.get_by_label("Tablet name").fill("Tablet 3")
    facilitator.get_by_role("button", name="Make a tablet link").click()
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Tablet link for Tablet 3")
    kiosk_link = facilitator.locator("[data-tablet-link]").get_attribute("href")
    assert kiosk_link and "/kiosk/" in kiosk_link

    # Leave the live page open, marked, and count any navigation from now on.
    facilitator.get_by_role("link", name="Back to the session").click()
    facilitator.get_by_role("link", name="Watch it live").click()
    at_live_page(facilitator, session_id)
    expect(facilitator.get_by_text("This page updates by itself.")).to_be_visible()
    facilitator.evaluate(
        "window.__marker = 1;"
        "window.__region = document.querySelector('[data-live-flag-count][aria-live]')"
    )
    navigations: list[str] = []
    facilitator.on(
        "framenavigated",
        lambda frame: navigations.append(frame.url) if frame == facilitator.main_frame else None,
    )
    finished = facilitator.locator(f'[data-count="{AUDIENCE}:finished"]')
    expect(finished).to_have_text("0")
    expect(facilitator.locator("[data-flag]")).to_have_count(0)

    steps = flow_steps(app, session_id, AUDIENCE)
    assert "free_text" in {step.format for step in steps}
    with tablet_page(browser, base_url) as tablet:
        # The tablet opens the link and a young person goes through, writing something.
        start_on_kiosk(tablet, kiosk_link)
        choose_audience(tablet, AUDIENCE)
        assent(tablet)
        for step in steps:
            at_question(tablet, step)
            if step.format == "free_text":
                tablet.get_by_role("textbox", name=step.wording, exact=True).fill(WRITTEN)
                press(tablet, "Next")
            else:
                press(tablet, "Skip")
        finish_at_talk(tablet, "Yes")

        # The live page shows it by itself, without a reload.
        facilitator.wait_for_function(
            """audience => window.__marker === 1
                && document.querySelector(`[data-count="${audience}:finished"]`)
                     .textContent.trim() === '1'
                && document.querySelectorAll('[data-flag]').length === 1""",
            arg=AUDIENCE,
            timeout=LIVE_UPDATE_MS,
        )
        assert navigations == []
        assert facilitator.evaluate("window.__marker") == 1
        # The live region was kept and its words changed, so a screen reader announces it.
        assert facilitator.evaluate(
            "window.__region === document.querySelector('[data-live-flag-count]')"
        )
        expect(facilitator.locator("[data-live-flag-count]")).to_have_text("1 open")
        with app.app_context():
            flag = db.session.scalar(select(SafeguardingFlag))
            assert flag.kind is FlagKind.WANTS_TO_TALK
            flag_id, raised_at = flag.id, flag.raised_at
        card = facilitator.locator(f"#flag-{flag_id}")
        expect(card.get_by_role("heading")).to_have_text("Asked to talk to someone")
        expect(card).to_contain_text("Tablet: Tablet 3")
        expect(card).to_contain_text(shown_time(app, raised_at))
        expect(card).to_contain_text("Waiting")
        # Which tablet and when, never what was written: not on the page, not in its data.
        assert WRITTEN not in facilitator.content()
        state = facilitator.request.get(f"/facilitate/sessions/{session_id}/live.json")
        assert state.ok and WRITTEN not in state.text()

        # Acknowledge, then resolve with a note.
        card.get_by_role("button", name=re.compile(r"^Acknowledge")).click()
        expect(facilitator.get_by_text("Acknowledged. Remember to talk")).to_be_visible()
        card = facilitator.locator(f"#flag-{flag_id}")
        expect(card).to_contain_text("Acknowledged")
        card.get_by_label("What did you do?").fill("Talked with them and their carer.")
        card.get_by_role("button", name=re.compile(r"^Resolve")).click()
        expect(facilitator.get_by_text("Resolved, with your note kept")).to_be_visible()
        card = facilitator.locator(f"#flag-{flag_id}")
        expect(card).to_contain_text("Resolved")
        expect(card.locator(".fv-flag__note")).to_have_text("Talked with them and their carer.")
        expect(card.get_by_role("button")).to_have_count(0)

        # The next person starts; meanwhile the facilitator closes the session.
        press(tablet, "Next person")
        start_next_person(tablet)
        choose_audience(tablet, AUDIENCE)
        assent(tablet)
        at_question(tablet, steps[0])
        facilitator.get_by_role("link", name="Back to the session").click()
        facilitator.get_by_role("button", name="Close the session").click()
        expect(facilitator.get_by_text("The session is closed.")).to_be_visible()

        # Their next answer is refused, kindly.
        with tablet.expect_response(
            lambda response: response.request.method == "POST" and "/q/1" in response.url
        ) as refused:
            press(tablet, "Skip")
        assert refused.value.status == 409
        expect(tablet.get_by_role("heading", level=1)).to_have_text("This session has finished")

    with app.app_context():
        group_session = db.session.get(GroupSession, session_id)
        assert group_session.status is SessionStatus.CLOSED
        resolved = db.session.get(SafeguardingFlag, flag_id)
        assert resolved.status is FlagStatus.RESOLVED
        assert resolved.device_label == "Tablet 3"
        assert resolved.action_note == "Talked with them and their carer."
        stored = db.session.scalar(
            select(func.count())
            .select_from(Answer)
            .join(Participant, Participant.id == Answer.participant_id)
            .where(Participant.session_id == session_id)
        )
        # Only the first person's answers (one a question): nothing from the second.
        assert stored == len(steps)


def test_a_new_flag_is_announced_but_never_swaps_out_a_note_being_typed(
    app: Flask, runner: FlaskCliRunner, signed_in
) -> None:
    load_demo_session(app, runner)
    fatima = staff_in_first_area(app, "fatima", Role.FACILITATOR)
    session_id = make_session(app, fatima, SessionStatus.OPEN)
    finished_person(app, session_id, device_label="Tablet 1", wants_to_talk=True)
    live = signed_in("fatima")
    live.goto(f"/facilitate/sessions/{session_id}/live")
    live.get_by_label("What did you do?").fill("Half a note")  # focus stays in the note

    finished_person(app, session_id, device_label="Tablet 2", wants_to_talk=True)
    # The live region says so at once; the flags stay put while the note has focus.
    expect(live.locator("[data-live-flag-count]")).to_have_text("2 open", timeout=LIVE_UPDATE_MS)
    expect(live.locator("[data-flag]")).to_have_count(1)
    expect(live.get_by_label("What did you do?")).to_have_value("Half a note")
    expect(live.get_by_label("What did you do?")).to_be_focused()
    # Once the facilitator moves away from the flags, the new one appears.
    live.get_by_role("link", name="Refresh").focus()
    expect(live.locator("[data-flag]")).to_have_count(2, timeout=LIVE_UPDATE_MS)
    expect(live.locator("[data-flag]").first).to_contain_text("Tablet: Tablet 2")


# --- 2. axe on every page ---------------------------------------------------------------


@rendering_only
def test_every_facilitator_and_safeguarding_page_passes_axe_at_tablet_and_phone_size(
    app: Flask, runner: FlaskCliRunner, signed_in
) -> None:
    load_demo_session(app, runner)
    with app.app_context():
        load_starter_terms(db.session)
        db.session.commit()
    fatima = staff_in_first_area(app, "fatima", Role.FACILITATOR)
    staff_in_first_area(app, "lena", Role.SAFEGUARDING_LEAD)
    make_staff(app, "rhys", Role.RESEARCHER)
    facilitator = signed_in("fatima")
    problems: list[str] = []

    def check(page: Page, label: str) -> None:
        page.wait_for_load_state()
        problems.extend(page_problems(page, label, check_focus=True))

    def scan(page: Page, path: str, label: str, status: int = 200) -> None:
        response = page.goto(path)
        assert response is not None and response.status == status, (path, response.status)
        check(page, label)

    # The list before there is anything in it, and setting up (empty, then with errors).
    scan(facilitator, "/facilitate/", "sessions (none)")
    expect(facilitator.get_by_text("You have no sessions yet.")).to_be_visible()
    scan(facilitator, "/facilitate/sessions/new", "new session")
    facilitator.locator("#language-en_GB").uncheck()
    facilitator.get_by_role("button", name="Save session").click()
    expect(facilitator.locator(".fv-error-summary")).to_be_visible()
    check(facilitator, "new session (error)")

    # A draft: its page, its edit form, and paper (refused before it opens).
    draft = make_session(app, fatima, venue="Library meeting room")
    base = f"/facilitate/sessions/{draft}"
    scan(facilitator, base, "session (draft)")
    scan(facilitator, f"{base}/edit", "edit session")
    scan(facilitator, f"{base}/paper", "paper start (draft)", status=409)

    # An open session: two tablet links made on its page, one of them stopped.
    session_id = make_session(app, fatima, SessionStatus.OPEN, venue="Riverside family centre")
    base = f"/facilitate/sessions/{session_id}"
    scan(facilitator, f"{base}/live", "live (nobody yet)")
    for label in ("Tablet 1", "Tablet 2"):
        facilitator.goto(base)
        facilitator.get_by_label("Tablet name").fill(label)
        facilitator.get_by_role("button", name="Make a tablet link").click()
        expect(facilitator.locator("[data-tablet-link]")).to_be_visible()
    check(facilitator, "tablet link")
    facilitator.goto(base)
    facilitator.get_by_role("button", name="Stop this link – Tablet 1").click()
    expect(facilitator.get_by_text("That tablet link no longer works.")).to_be_visible()
    expect(facilitator.get_by_role("cell", name="Stopped")).to_be_visible()
    check(facilitator, "session (open, tablet links)")

    # People and flags: open, acknowledged, resolved, and one from screened words.
    for _ in range(3):
        finished_person(app, session_id, device_label="Tablet 2", wants_to_talk=True)
    finished_person(app, session_id, device_label="Tablet 2", free_text=SCREENED)
    talked = finished_person(app, session_id, device_label="Tablet 2", free_text=WRITTEN)
    open_flag, acknowledged, resolved, screened = flag_ids(app, session_id)
    with app.app_context():
        user = db.session.get(StaffUser, fatima)
        group_sessions.acknowledge_flag(
            db.session, db.session.get(SafeguardingFlag, acknowledged), user
        )
        group_sessions.resolve_flag(
            db.session, db.session.get(SafeguardingFlag, resolved), user, "Spoke to them."
        )
        db.session.commit()
    scan(facilitator, f"{base}/live", "live (flags)")
    expect(facilitator.locator("[data-flag]")).to_have_count(4)
    assert WRITTEN not in facilitator.content() and SCREENED not in facilitator.content()
    scan(facilitator, base, "session (open, people need attention)")

    # The projector, below and then at the minimum of 5 people.
    add_room_answers(app, session_id, TOP_THREES[:4])
    scan(facilitator, f"{base}/projector", "projector (4 people)")
    expect(facilitator.locator("[data-projector-list]")).to_be_hidden()
    add_room_answers(app, session_id, TOP_THREES[4:])
    scan(facilitator, f"{base}/projector", "projector (5 people)")
    expect(facilitator.locator(".fv-projector__item")).not_to_have_count(0)

    # Paper: who and which language (empty, then with errors), the questionnaire (the
    # same, with two cards chosen for 1st and 2nd).
    scan(facilitator, f"{base}/paper", "paper start")
    scan(facilitator, f"{base}/paper?audience=&language=xx", "paper start (errors)", status=400)
    facilitator.get_by_label("Young people aged 13 to 17").check()
    facilitator.get_by_label("Language of the questionnaire").select_option("en_GB")
    facilitator.get_by_role("button", name="Continue").click()
    expect(facilitator).to_have_url(re.compile(r"/paper/young_13_17\?"))
    check(facilitator, "paper questionnaire")
    first, second = (
        facilitator.locator("select[id$='_rank_1']").first,
        facilitator.locator("select[id$='_rank_2']").first,
    )
    first.select_option(index=1)
    second.select_option(index=1)
    facilitator.get_by_role("button", name="Save this questionnaire").click()
    expect(facilitator.locator(".fv-error-summary")).to_be_visible()
    check(facilitator, "paper questionnaire (errors)")

    # Withdrawal: the form, a wrong code, the confirmation, and done.
    scan(facilitator, "/facilitate/withdraw", "withdraw")
    facilitator.get_by_label("Withdrawal code").fill("NOT-A-CODE-AT-ALL")
    facilitator.get_by_role("button", name="Continue").click()
    expect(facilitator.locator(".fv-error-summary")).to_be_visible()
    check(facilitator, "withdraw (error)")
    assert talked.withdrawal_code
    facilitator.get_by_label("Withdrawal code").fill(talked.withdrawal_code)
    facilitator.get_by_role("button", name="Continue").click()
    expect(facilitator.get_by_role("heading", level=1)).to_have_text(
        "Withdraw this person's answers?"
    )
    check(facilitator, "withdraw (confirm)")
    facilitator.get_by_role("button", name="Confirm").click()
    expect(facilitator.get_by_text("Their answers are deleted.")).to_be_visible()
    check(facilitator, "withdraw (done)")

    # A closed session, its live page, the printable sheet, and the list with all three.
    closed = make_session(app, fatima, SessionStatus.CLOSED, venue="Town hall")
    scan(facilitator, f"/facilitate/sessions/{closed}", "session (closed)")
    scan(facilitator, f"/facilitate/sessions/{closed}/live", "live (closed)")
    scan(facilitator, f"/facilitate/sessions/{session_id}/sheet", "session sheet")
    scan(facilitator, "/facilitate/", "sessions")
    expect(facilitator.locator("tbody tr")).to_have_count(3)

    # The safeguarding lead: the list, a flag with text, a failed resolve, a resolved flag.
    lead = signed_in("lena")
    scan(lead, "/safeguarding/", "safeguarding flags")
    scan(lead, f"/safeguarding/flags/{screened}", "safeguarding flag (screened text)")
    expect(lead.get_by_text(SCREENED)).to_be_visible()
    lead.get_by_role("button", name="Record the action and close the flag").click()
    expect(lead.locator(".fv-error-summary")).to_be_visible()
    check(lead, "safeguarding flag (error)")
    scan(lead, f"/safeguarding/flags/{open_flag}", "safeguarding flag (asked to talk)")
    scan(lead, f"/safeguarding/flags/{resolved}", "safeguarding flag (resolved)")

    # Researchers keep the word lists.
    researcher = signed_in("rhys")
    scan(researcher, "/research/safeguarding-terms", "safeguarding terms")

    assert problems == [], "\n".join(problems)


# --- 3. the printed sheet ---------------------------------------------------------------


@rendering_only
def test_the_session_sheet_prints_on_one_a4_page_with_the_qr_code_and_session_code(
    app: Flask, runner: FlaskCliRunner, signed_in
) -> None:
    load_demo_session(app, runner)
    fatima = staff_in_first_area(app, "fatima", Role.FACILITATOR)
    session_id = make_session(
        app, fatima, SessionStatus.OPEN, venue=LONG_VENUE, local_contact=LONG_CONTACT
    )
    with app.app_context():
        code = db.session.get(GroupSession, session_id).code
    page = signed_in("fatima")
    page.goto(f"/facilitate/sessions/{session_id}/sheet")
    page.emulate_media(media="print")
    qr = page.locator("svg.fv-qr[role=img]")
    expect(qr).to_be_visible()
    expect(qr).to_have_accessible_name(f"QR code to join session {code}")
    expect(page.locator(".fv-sheet__code")).to_have_text(code)
    expect(page.locator(".fv-sheet__code")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the session")).to_be_hidden()
    box = qr.bounding_box()
    assert box and box["width"] >= 150, box  # big enough to scan from across a table

    assert pdf_pages(page.pdf(format="A4", print_background=True)) == 1

    # The counter counts pages: a document made to take two has two. (A blank page of its
    # own: the app's Content-Security-Policy would drop the inline style.)
    blank = page.context.new_page()
    blank.set_content("<p>One</p><p style='break-before: page'>Two</p>")
    assert pdf_pages(blank.pdf(format="A4")) == 2

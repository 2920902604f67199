"""Every form, fuzzed: thousands of generated and hostile posts, and no 500, no write by a
refused post, and no markup from anything typed on any page afterwards.

The forms are found from the app's routes (the same list tests/web/routes.txt keeps): every
route that takes POST needs an entry in ``FORMS`` saying who posts it, to which URLs, and
which fields the real form has, so a new form without one fails here. Hypothesis draws
each post (tests/support/fuzz.py): real values mixed with unicode edge cases, 10k-100k
character strings, NUL and invalid UTF-8, numbers as text, lists where one value is
expected, missing, extra and misnamed fields, markup carrying a unique marker, CSRF tokens
missing, forged, from another browser or from a signed-out session, one-time ids replayed
or from someone else, the wrong sender, and bodies in the wrong encoding.

``VOICE_FUZZ_POSTS`` sets the total (default 10,000; 400 on the PostgreSQL pass, which
checks that the same refusals leave no row behind there too).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support import fuzz
from tests.support.fuzz_world import (
    BREACHED_PASSWORD,
    LANGUAGES,
    Person,
    World,
    build_world,
    enrolment_code,
)
from tests.support.staff import (
    CODE_URL,
    ENROL_DONE_URL,
    ENROL_URL,
    NEW_PASSWORD_URL,
    TEST_PASSWORD,
    fresh_code,
)
from tests.support.studio import wav_tone
from voice_app.answer_formats import QuestionContext, parse_free_text
from voice_app.models import AnswerFormat, Audience
from voice_app.question_bank import MAX_OPTIONS
from voice_app.sanitise import plain_text_problem

ON_POSTGRES = os.environ.get("VOICE_TEST_DATABASE") == "postgres"
TOTAL_POSTS = int(os.environ.get("VOICE_FUZZ_POSTS", 400 if ON_POSTGRES else 10_000))
AUDIENCES = [a.value for a in Audience]
NOWHERE = 2_000_000_000  # an id no row has
RECOVERY_URL = "/staff/login/recovery-code"
FUZZ_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are collected, not raised
    suppress_health_check=list(HealthCheck),
)


@dataclass(frozen=True)
class Path:
    url: str
    context: dict[str, Any] = field(default_factory=dict)


def pick(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


def ids(world: World, pool: str, *extra: int) -> st.SearchStrategy[int]:
    """An id from the pool (rows the form may act on), another row's, or none at all.

    Never the session the fuzzed people answer in: closing it would end their forms.
    """
    others = world.ids["versions"] + world.ids["flags"] + [NOWHERE, 1, *extra]
    return st.one_of(
        st.sampled_from(world.ids[pool] or [NOWHERE]),
        st.sampled_from(world.ids[pool] or [NOWHERE]),
        st.sampled_from([i for i in others if i != world.session_id]),
    )


def fixed(url: str) -> Callable[[World], st.SearchStrategy[Path]]:
    return lambda _world: st.just(Path(url))


def on_ids(template: str, pool: str) -> Callable[[World], st.SearchStrategy[Path]]:
    return lambda world: ids(world, pool).map(lambda i: Path(template.format(i)))


def no_fields(_world: World, _context: dict[str, Any]) -> dict[str, st.SearchStrategy[Any]]:
    return {}


def fields_of(**valid: st.SearchStrategy[Any]) -> Callable[..., dict[str, st.SearchStrategy[Any]]]:
    return lambda _world, _context: dict(valid)


WORDS = pick("Do you feel safe at home?", "Who helps you when you are sad?", "Yes", "My friends")
NOTE = pick("Spoke to them with their teacher.", "Called the family support team.")


# --- who posts, and the CSRF token (and one-time id) their page gave them ---------------


@dataclass
class Ready:
    client: Any
    token: str
    one_time: str | None = None  # the field's name
    fresh: str | None = None  # a value the page gave out
    foreign: str | None = None  # a value another person's page gave out


def staff_poster(key: str) -> Callable[[World, dict[str, Any]], Ready]:
    def prepare(world: World, _context: dict[str, Any]) -> Ready:
        browser = world.staff[key]
        return Ready(browser.client, browser.token)

    return prepare


def person_poster(world: World, context: dict[str, Any]) -> Ready:
    person: Person = world.people[context["person"]]
    return Ready(person.client, world.ready(person))


def page_poster(client_of: Callable[[World], Any], page: str = "/") -> Callable[..., Ready]:
    def prepare(world: World, _context: dict[str, Any]) -> Ready:
        client = client_of(world)
        return Ready(client, fuzz_token(client, page))

    return prepare


def fuzz_token(client: Any, page: str) -> str:
    from tests.support.forms import csrf_token

    return csrf_token(client.get(page).get_data(as_text=True))


def leaver_poster(world: World, _context: dict[str, Any]) -> Ready:
    browser = world.staff["leaver"]
    if browser.client.get("/staff/").status_code != 200:
        browser.sign_in()
    return Ready(browser.client, browser.token)


def question_poster(world: World, context: dict[str, Any]) -> Ready:
    person = world.people[context["person"]]
    token, fresh = world.question_form(person, context["position"])
    other = world.people[next(a for a in AUDIENCES if a != context["person"])]
    _token, foreign = world.question_form(other, 1)
    return Ready(person.client, token, "submission_id", fresh, foreign)


def paper_poster(world: World, context: dict[str, Any]) -> Ready:
    browser = world.staff["facilitator"]
    foreign = world.paper_form(context["foreign_url"]) if context.get("foreign_url") else None
    return Ready(
        browser.client, browser.token, "entry_id", world.paper_form(context["url"]), foreign
    )


def enrol_poster(world: World, context: dict[str, Any]) -> Ready:
    client, token, page = world.second_step("fz-enrol", ENROL_URL, enrolled=False)
    fresh = enrolment_code(page) if context["one_time"] == "fresh" else None
    return Ready(client, token, "code", fresh, totp_now_for_another_key())


def enrolled_poster(world: World, _context: dict[str, Any]) -> Ready:
    """Just shown the recovery codes: the page's Continue button."""
    client, token, page = world.second_step("fz-enrol", ENROL_URL, enrolled=False)
    shown = client.post(ENROL_URL, data={"csrf_token": token, "code": enrolment_code(page)})
    return Ready(client, fuzz_token_from(shown.get_data(as_text=True)))


def code_poster(world: World, context: dict[str, Any]) -> Ready:
    client, token, _page = world.second_step("fz-code", CODE_URL)
    fresh = fresh_code(world.app, "fz-code") if context["one_time"] == "fresh" else None
    return Ready(client, token, "code", fresh, totp_now_for_another_key())


def recovery_poster(world: World, context: dict[str, Any]) -> Ready:
    client, token, _page = world.second_step("fz-recovery", RECOVERY_URL)
    fresh = None
    if context["one_time"] == "fresh" and world.recovery_codes:
        fresh = world.recovery_codes.pop()
    return Ready(client, token, "code", fresh, None)


def new_password_poster(world: World, _context: dict[str, Any]) -> Ready:
    client, token, _page = world.second_step("fz-breached", NEW_PASSWORD_URL, breached=True)
    return Ready(client, token)


def totp_now_for_another_key() -> str:
    import pyotp

    return pyotp.TOTP(pyotp.random_base32()).now()


def fuzz_token_from(html: str) -> str:
    from tests.support.forms import csrf_token

    return csrf_token(html)


SIX_DIGITS = st.integers(0, 999_999).map(lambda n: f"{n:06d}")


# --- the forms' URLs and fields -------------------------------------------------------------


def question_paths(world: World) -> st.SearchStrategy[Path]:
    """A question page of each format, for each group, as the person mid-journey sees it."""
    paths = []
    for audience in AUDIENCES:
        for position, step in enumerate(world.steps(audience), start=1):
            paths.append(
                Path(
                    f"/q/{position}",
                    {
                        "person": audience,
                        "position": position,
                        "format": step.format.value,
                        "version_id": step.version_id,
                    },
                )
            )
    return st.sampled_from(paths)


def answer_fields(world: World, format_name: str, audience: str, version_id: int) -> dict:
    """What a real question page posts for this format."""
    answer_format = AnswerFormat(format_name)
    if answer_format is AnswerFormat.FACES:
        values = ["1", "3", "5", "dont_know"] if audience == "child_4_7" else ["1", "2", "4", "5"]
        return {"answer": pick(*values)}
    if answer_format is AnswerFormat.YES_MAYBE_NO:
        return {"answer": pick("yes", "maybe", "no")}
    if answer_format in (AnswerFormat.CHOOSE_ONE, AnswerFormat.CHOOSE_MANY):
        keys = world.option_keys(version_id) or ["none"]
        if answer_format is AnswerFormat.CHOOSE_ONE:
            return {"answer": pick(*keys)}
        return {"answer": st.lists(pick(*keys), min_size=1, max_size=3, unique=True)}
    if answer_format is AnswerFormat.TOP_THREE:
        keys = world.domain_keys()
        return {f"rank_{rank}": pick("", *keys) for rank in (1, 2, 3)}
    return {"answer": pick("I like my school.", f"I am {world.free_text_term} at home.")}


def question_fields(world: World, context: dict[str, Any]) -> dict:
    fields = answer_fields(world, context["format"], context["person"], context["version_id"])
    return {**fields, "action": pick("answer", "answer", "answer", "skip", "back", "stop")}


def preview_paths(world: World) -> st.SearchStrategy[Path]:
    return st.tuples(ids(world, "versions"), pick(*AUDIENCES)).map(
        lambda pair: Path(f"/studio/versions/{pair[0]}/preview?audience={pair[1]}")
    )


def flow_preview_paths(world: World) -> st.SearchStrategy[Path]:
    return st.tuples(
        ids(world, "published_flows"), pick(*AUDIENCES, "nobody"), st.integers(1, 12)
    ).map(lambda t: Path(f"/studio/flows/{t[0]}/preview/{t[1]}/{t[2]}"))


def preview_fields(world: World, _context: dict[str, Any]) -> dict:
    keys = world.domain_keys()
    return {
        "answer": pick("1", "5", "yes", "dont_know", "option_1"),
        **{f"rank_{rank}": pick("", *keys) for rank in (1, 2, 3)},
        "action": pick("answer", "skip", "back", "stop", "next"),
    }


def paper_paths(world: World) -> st.SearchStrategy[Path]:
    paths = []
    for audience in AUDIENCES:
        for language in LANGUAGES:
            url = f"/facilitate/sessions/{world.session_id}/paper/{audience}?language={language}"
            paths.append(Path(url, {"url": url, "audience": audience}))
    others = world.ids["open_sessions"] + world.ids["closed_sessions"]
    foreign = f"/facilitate/sessions/{others[0]}/paper/child_8_12?language=en_GB" if others else ""
    return st.sampled_from(paths).map(lambda p: Path(p.url, {**p.context, "foreign_url": foreign}))


def paper_fields(world: World, context: dict[str, Any]) -> dict:
    fields: dict[str, Any] = {}
    for step in world.steps(context["audience"]):
        name = f"q{step.version_id}"
        answer = answer_fields(world, step.format.value, context["audience"], step.version_id)
        if step.format is AnswerFormat.TOP_THREE:
            fields.update({f"{name}_{key}": value for key, value in answer.items()})
        else:
            fields[name] = st.one_of(answer["answer"], st.just(""))
    return fields


def session_fields(world: World, _context: dict[str, Any]) -> dict:
    return {
        "area_id": pick(*[str(i) for i in world.ids["areas"]]),
        "flow_id": pick(*[str(i) for i in world.ids["published_flows"] + world.ids["draft_flows"]]),
        "date-day": pick("27", "1", "31", "30"),
        "date-month": pick("3", "12", "2"),
        "date-year": pick("2027", "2026", "1900"),
        "venue": pick("Riverside family centre", "Library"),
        "languages": st.lists(pick(*LANGUAGES, "cy", "xx"), min_size=1, max_size=3, unique=True),
        "audiences": st.lists(pick(*AUDIENCES), min_size=1, max_size=4, unique=True),
        "local_contact": pick("Family support team: 01632 960 001"),
        "free_text_enabled": pick("yes", ""),
    }


def question_form_fields(world: World, _context: dict[str, Any]) -> dict:
    fields: dict[str, Any] = {
        "format": pick(*[f.value for f in AnswerFormat]),
        "domains": st.lists(
            pick(*[str(i) for i in world.ids["domains"]]), min_size=1, max_size=3, unique=True
        ),
    }
    for audience in AUDIENCES:
        fields[f"{audience}-wording"] = pick("", "Do you feel safe at home?", "Who helps you?")
        fields[f"{audience}-help_text"] = pick("", "Pick <strong>one</strong>.")
    for number in range(1, 4):
        fields[f"option-{number}-key"] = pick("", f"option_{number}")
        for audience in ("child_8_12", "young_13_17"):
            fields[f"option-{number}-{audience}"] = pick("", "My mum or dad", "A friend")
    fields[f"option-{MAX_OPTIONS + 1}-child_8_12"] = pick("One too many")
    return fields


def translate_paths(world: World) -> st.SearchStrategy[Path]:
    return st.tuples(ids(world, "draft_versions"), pick("ar", "pl", "en_GB", "xx", "ar/../pl")).map(
        lambda pair: Path(f"/studio/versions/{pair[0]}/translate/{pair[1]}")
    )


def translate_fields(_world: World, _context: dict[str, Any]) -> dict:
    fields: dict[str, Any] = {}
    for audience in AUDIENCES:
        fields[f"{audience}-wording"] = pick("", "Czy czujesz się bezpiecznie?", "هل تشعر بالأمان؟")
        fields[f"{audience}-help_text"] = pick("", "Wybierz <strong>jedno</strong>.")
        fields[f"option-1-{audience}"] = pick("", "Mama lub tata")
    return fields


def flag_paths(world: World) -> st.SearchStrategy[Path]:
    sessions = [world.session_id, *world.ids["other_area_sessions"], NOWHERE]
    return st.tuples(pick(*sessions), ids(world, "flags"), pick("acknowledge", "resolve")).map(
        lambda t: Path(f"/facilitate/sessions/{t[0]}/flags/{t[1]}/{t[2]}")
    )


def tablet_paths(world: World) -> st.SearchStrategy[Path]:
    sessions = [world.session_id, *world.ids["open_sessions"], *world.ids["other_area_sessions"]]
    return pick(*sessions, NOWHERE).map(lambda s: Path(f"/facilitate/sessions/{s}/tablets"))


def revoke_tablet_paths(world: World) -> st.SearchStrategy[Path]:
    links = [i for i in world.ids["links"] if i != world.kiosk_link_id] or [NOWHERE]
    return st.tuples(
        pick(world.session_id, *world.ids["other_area_sessions"]), pick(*links, NOWHERE)
    ).map(lambda t: Path(f"/facilitate/sessions/{t[0]}/tablets/{t[1]}/revoke"))


def flow_item_paths(world: World) -> st.SearchStrategy[Path]:
    return st.tuples(
        ids(world, "draft_flows"), ids(world, "flow_items"), pick("up", "down", "remove")
    ).map(lambda t: Path(f"/studio/flows/{t[0]}/items/{t[1]}/{t[2]}"))


def upload_file() -> st.SearchStrategy[tuple[bytes, str]]:
    contents = st.one_of(
        st.binary(max_size=2_000),
        st.just(b""),
        st.just(b"RIFF\x00\x00\x00\x00WAVEfmt "),
        st.just(wav_tone(0.2)),
        st.just(b"<svg onload=alert(1)>"),
        st.integers(2_100_000, 2_300_000).map(lambda n: b"\x00" * n),  # over the request limit
    )
    names = pick("recording.wav", "../../etc/passwd", "x.exe", "\u202egpj.wav", "", "a" * 300)
    return st.tuples(contents, names)


@dataclass(frozen=True)
class Form:
    """How to reach one form: who posts it, its URLs, the fields the real page sends."""

    prepare: Callable[[World, dict[str, Any]], Ready]
    path: Callable[[World], st.SearchStrategy[Path]]
    fields: Callable[[World, dict[str, Any]], dict[str, st.SearchStrategy[Any]]] = no_fields
    roles: tuple[str, ...] = ()  # staff who may post it; () for the public and participants
    weight: int = 2
    refused_may_write: frozenset[str] = frozenset()
    refusal_redirects: tuple[str, ...] = ()  # besides the sign-in page: where a refusal goes
    never_writes: bool = False
    upload: str = ""  # the name of a file field
    one_time: bool = False  # the form carries a one-time id (the prepare hook fetches it)
    ok_statuses: frozenset[int] = frozenset()  # a 200 that means it worked (not the form again)
    cross_role: bool = True  # also posted by staff whose role may not use it


# The role of each signed-in browser of the world (tests/support/fuzz_world.py).
BROWSER_ROLES = {
    "facilitator": "facilitator",
    "lead": "safeguarding_lead",
    "researcher": "researcher",
    "advisor": "advisor",
    "voter": "advisor",
    "admin": "admin",
}


def button(browser: str, template: str, pool: str, roles: tuple[str, ...]) -> Form:
    """A button on a page (no fields): ``browser`` presses it for each id of ``pool``."""
    return Form(staff_poster(browser), on_ids(template, pool), roles=roles, weight=1)


PARTICIPANT = ("/",)
FACILITATOR = ("facilitator",)
RESEARCHER = ("researcher",)
EDITORS = ("advisor", "researcher")

FORMS: dict[str, Form] = {
    # --- participants -------------------------------------------------------------
    "participant.join": Form(
        page_poster(lambda w: w.people["joiner"].client),
        fixed("/join"),
        lambda w, _c: {"code": pick(w.code, w.code.lower(), f" {w.code} ", "ABC123")},
        refusal_redirects=PARTICIPANT,
    ),
    "participant.start": Form(
        page_poster(lambda w: w.kiosk_client), fixed("/start"), refusal_redirects=PARTICIPANT
    ),
    "participant.next_person": Form(
        page_poster(lambda w: w.nexter), fixed("/next"), weight=1, never_writes=True
    ),
    "participant.language": Form(
        person_poster,
        lambda _w: st.just(Path("/language", {"person": "chooser"})),
        fields_of(answer=pick(*LANGUAGES), listen=pick("", *LANGUAGES)),
        refusal_redirects=PARTICIPANT,
    ),
    "participant.who": Form(
        person_poster,
        lambda _w: st.just(Path("/who", {"person": "chooser"})),
        fields_of(answer=pick(*AUDIENCES)),
        refusal_redirects=PARTICIPANT,
    ),
    "participant.about": Form(
        person_poster,
        lambda _w: st.just(Path("/about", {"person": "assenter"})),
        fields_of(assent=pick("yes", "yes", "no")),
        refusal_redirects=PARTICIPANT,
    ),
    "participant.question": Form(
        question_poster,
        question_paths,
        question_fields,
        one_time=True,
        weight=10,
        refusal_redirects=PARTICIPANT,
    ),
    "participant.stop": Form(
        person_poster,
        lambda _w: st.just(Path("/stop", {"person": "stopper"})),
        fields_of(confirm=pick("yes", "no")),
        refusal_redirects=PARTICIPANT,
    ),
    "participant.talk": Form(
        person_poster,
        lambda _w: st.just(Path("/talk", {"person": "stopper"})),
        fields_of(talk=pick("yes", "no")),
        refusal_redirects=PARTICIPANT,
    ),
    # --- staff sign-in --------------------------------------------------------------
    "auth.login": Form(
        page_poster(lambda w: w.login_client),
        fixed("/staff/login"),
        fields_of(
            username=pick("fz-login", "fz-login", "nobody", "FZ-LOGIN", " fz-login"),
            password=pick(TEST_PASSWORD, TEST_PASSWORD, "wrong password"),
        ),
        weight=3,
        refused_may_write=frozenset({"staff_user"}),  # failed sign-ins are counted
    ),
    # Only its own browser and a stranger: anyone else's post would sign them out for real.
    "auth.logout": Form(leaver_poster, fixed("/staff/logout"), weight=1, cross_role=False),
    # The second step: a wrong code counts towards the lock-out, as a wrong password does.
    "auth.two_factor_enrol": Form(
        enrol_poster,
        fixed(ENROL_URL),
        fields_of(code=SIX_DIGITS),
        one_time=True,
        ok_statuses=frozenset({200}),  # the recovery codes, shown once
        refused_may_write=frozenset({"staff_user"}),  # the key being set up, and failures
    ),
    "auth.two_factor_continue": Form(enrolled_poster, fixed(ENROL_DONE_URL), weight=1),
    "auth.two_factor_code": Form(
        code_poster,
        fixed(CODE_URL),
        fields_of(code=SIX_DIGITS),
        one_time=True,
        refused_may_write=frozenset({"staff_user"}),
    ),
    "auth.two_factor_recovery": Form(
        recovery_poster,
        fixed(RECOVERY_URL),
        fields_of(code=pick("ABCD-EFGH-JKLM-NPQR", "abcd efgh")),
        one_time=True,
        refused_may_write=frozenset({"staff_user"}),
    ),
    "auth.new_password": Form(
        new_password_poster,
        fixed(NEW_PASSWORD_URL),
        fields_of(
            password=pick("a much longer passphrase of mine", BREACHED_PASSWORD, "short"),
            confirm=pick("a much longer passphrase of mine", "something else entirely"),
        ),
    ),
    # --- admin and research ---------------------------------------------------------
    "admin.api_clients": Form(
        staff_poster("admin"),
        fixed("/admin/api-clients"),
        fields_of(
            name=st.integers(0, 10**6).map(lambda n: f"Framework client {n}"),
            areas=st.lists(pick("DEMO", "E99000099", "NOPE"), min_size=1, max_size=2, unique=True),
        ),
        roles=("admin",),
    ),
    "admin.revoke_api_client": Form(
        staff_poster("admin"),
        on_ids("/admin/api-clients/{}/revoke", "api_clients"),
        roles=("admin",),
        weight=1,
    ),
    "research.safeguarding_terms": Form(
        staff_poster("researcher"),
        fixed("/research/safeguarding-terms"),
        fields_of(
            language=pick(*LANGUAGES, "xx"),
            phrase=st.integers(0, 10**6).map(lambda n: f"worried {n}"),
        ),
        roles=RESEARCHER,
    ),
    "research.remove_safeguarding_term": Form(
        staff_poster("researcher"),
        on_ids("/research/safeguarding-terms/{}/remove", "terms"),
        fields_of(language=pick(*LANGUAGES, "xx")),
        roles=RESEARCHER,
        weight=1,
    ),
    "safeguarding.resolve": Form(
        staff_poster("lead"),
        on_ids("/safeguarding/flags/{}/resolve", "flags"),
        fields_of(note=NOTE),
        roles=("lead",),
    ),
    # --- facilitators ---------------------------------------------------------------
    "facilitator.new_session": Form(
        staff_poster("facilitator"),
        fixed("/facilitate/sessions/new"),
        session_fields,
        roles=FACILITATOR,
        weight=4,
    ),
    "facilitator.edit_session": Form(
        staff_poster("facilitator"),
        on_ids("/facilitate/sessions/{}/edit", "draft_sessions"),
        session_fields,
        roles=FACILITATOR,
        weight=4,
    ),
    "facilitator.open_session": button(
        "facilitator", "/facilitate/sessions/{}/open", "draft_sessions", FACILITATOR
    ),
    "facilitator.close_session": button(
        "facilitator", "/facilitate/sessions/{}/close", "open_sessions", FACILITATOR
    ),
    "facilitator.add_tablet": Form(
        staff_poster("facilitator"),
        tablet_paths,
        fields_of(label=pick("Tablet 4", "Blue iPad"), hours=pick("4", "8", "12", "24")),
        roles=FACILITATOR,
    ),
    "facilitator.revoke_tablet": Form(
        staff_poster("facilitator"), revoke_tablet_paths, roles=FACILITATOR, weight=1
    ),
    "facilitator.flag_action": Form(
        staff_poster("facilitator"), flag_paths, fields_of(note=NOTE), roles=FACILITATOR
    ),
    "facilitator.paper_form": Form(
        paper_poster, paper_paths, paper_fields, one_time=True, roles=FACILITATOR, weight=3
    ),
    "facilitator.withdraw": Form(
        staff_poster("facilitator"),
        fixed("/facilitate/withdraw"),
        lambda w, _c: {
            "code": pick(*w.withdrawal_codes, w.withdrawal_codes[0].lower(), "ABCD-EFGH"),
            "step": pick("", "confirm"),
        },
        roles=("facilitator", "researcher"),
    ),
    # --- the studio -------------------------------------------------------------------
    "codesign.new_question": Form(
        staff_poster("advisor"),
        fixed("/studio/questions/new"),
        question_form_fields,
        roles=EDITORS,
        weight=4,
    ),
    "codesign.edit": Form(
        staff_poster("advisor"),
        on_ids("/studio/versions/{}/edit", "draft_versions"),
        question_form_fields,
        roles=EDITORS,
        weight=4,
    ),
    "codesign.translate": Form(
        staff_poster("advisor"), translate_paths, translate_fields, roles=EDITORS, weight=3
    ),
    "codesign.propose": button("advisor", "/studio/versions/{}/propose", "draft_versions", EDITORS),
    "codesign.approve": button(
        "researcher", "/studio/versions/{}/approve", "proposed_versions", RESEARCHER
    ),
    "codesign.send_back": Form(
        staff_poster("researcher"),
        on_ids("/studio/versions/{}/send-back", "proposed_versions"),
        fields_of(reason=pick("Say who keeps you safe.")),
        roles=RESEARCHER,
    ),
    "codesign.retire": button(
        "researcher", "/studio/versions/{}/retire", "approved_versions", RESEARCHER
    ),
    "codesign.new_version": button(
        "advisor", "/studio/versions/{}/new-version", "approved_versions", EDITORS
    ),
    "codesign.comment": Form(
        staff_poster("voter"),
        on_ids("/studio/versions/{}/comments", "versions"),
        fields_of(body=pick("Kids say grown-ups.", "Nice!")),
        roles=("voter", *EDITORS),
    ),
    "codesign.vote": Form(
        staff_poster("voter"),
        on_ids("/studio/versions/{}/vote", "draft_versions"),
        roles=("voter", "advisor"),
        weight=1,
    ),
    "codesign.audio": Form(
        staff_poster("advisor"),
        on_ids("/studio/texts/{}/audio", "texts"),
        roles=EDITORS,
        weight=1,
        upload="audio",
    ),
    "codesign.preview": Form(
        staff_poster("advisor"), preview_paths, preview_fields, roles=EDITORS, never_writes=True
    ),
    "codesign.flows": Form(
        staff_poster("researcher"),
        fixed("/studio/flows"),
        fields_of(name=st.integers(0, 10**6).map(lambda n: f"Spring flow {n}")),
        roles=RESEARCHER,
    ),
    "codesign.add_flow_item": Form(
        staff_poster("researcher"),
        on_ids("/studio/flows/{}/items", "draft_flows"),
        lambda w, _c: {
            "audience": pick(*AUDIENCES),
            "version_id": pick(*[str(i) for i in w.ids["approved_versions"]]),
        },
        roles=RESEARCHER,
    ),
    "codesign.change_flow_item": Form(
        staff_poster("researcher"), flow_item_paths, roles=RESEARCHER, weight=1
    ),
    "codesign.publish_flow": button(
        "researcher", "/studio/flows/{}/publish", "draft_flows", RESEARCHER
    ),
    "codesign.copy_flow": button(
        "researcher", "/studio/flows/{}/copy", "published_flows", RESEARCHER
    ),
    "codesign.flow_preview": Form(
        staff_poster("researcher"),
        flow_preview_paths,
        preview_fields,
        roles=RESEARCHER,
        never_writes=True,
    ),
}


# --- the fuzzer ---------------------------------------------------------------------------


def post_endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}


def examples_per_form() -> dict[str, int]:
    total_weight = sum(form.weight for form in FORMS.values())
    return {
        endpoint: max(10, -(-TOTAL_POSTS * form.weight // total_weight))
        for endpoint, form in FORMS.items()
    }


@dataclass
class Fuzzer:
    app: Flask
    world: World
    log: fuzz.WriteLog
    tally: fuzz.Tally = field(default_factory=fuzz.Tally)
    _fields: dict[tuple[str, str], dict] = field(default_factory=dict)

    def run(self, endpoint: str, form: Form, examples: int) -> None:
        self.world.refresh_ids()
        paths = form.path(self.world)

        @settings(FUZZ_SETTINGS, max_examples=examples)
        @given(data=st.data())
        def post_one(data: st.DataObject) -> None:
            path = data.draw(paths, label="path")
            key = (endpoint, path.url)
            if key not in self._fields:
                self._fields[key] = fuzz.form_pairs(form.fields(self.world, path.context))
            self.send(endpoint, form, path, data)

        post_one()

    def sender(self, form: Form, mode: str, ready: Ready) -> tuple[Any, str]:
        if mode == "anonymous":
            return self.world.stranger, self.world.stranger_token
        if mode == "other_role":
            allowed = {BROWSER_ROLES[key] for key in form.roles}
            others = [k for k, role in BROWSER_ROLES.items() if role not in allowed]
            browser = self.world.staff[others[len(form.roles) % len(others)]]
            return browser.client, browser.token
        return ready.client, ready.token

    def send(self, endpoint: str, form: Form, path: Path, data: st.DataObject) -> None:
        world = self.world
        public = endpoint in {
            "participant.join",
            "participant.start",
            "participant.next_person",
            "auth.login",
        }
        senders = [m for m in fuzz.SENDERS if form.cross_role or m != "other_role"]
        mode = "self" if public else data.draw(pick(*senders), label="sender")
        one_time = (
            data.draw(pick(*fuzz.ONE_TIME_MODES), label="one_time") if form.one_time else "none"
        )
        ready = form.prepare(world, {**path.context, "one_time": one_time})
        client, token = self.sender(form, mode, ready)
        csrf = data.draw(pick(*fuzz.CSRF_MODES), label="csrf")
        encoding = (
            "multipart" if form.upload else data.draw(pick(*fuzz.ENCODINGS), label="encoding")
        )
        pairs = list(data.draw(self._fields[(endpoint, path.url)], label="fields"))
        must_refuse = mode != "self" or csrf != "valid" or encoding == "json"
        if one_time == "fresh" and not ready.fresh:
            one_time = "forged"  # the page gave out none just now
        if ready.one_time:
            value = {
                "fresh": ready.fresh,
                "forged": fuzz.fresh_token(),
                "replayed": (world.used.get(endpoint) or [fuzz.fresh_token()])[-1],
                "foreign": ready.foreign or fuzz.fresh_token(),
                "missing": None,
            }[one_time]
            if value is not None:
                pairs.insert(0, (ready.one_time, value))
        pairs[:0] = csrf_pairs(csrf, token, world, client)
        pairs = fuzz.fill_markers(pairs, self.tally.next_marker)
        body, content_type = fuzz.encode(pairs, encoding)
        if form.upload:
            content, name = data.draw(upload_file(), label="upload")
            body[form.upload] = (io.BytesIO(content), name)
        address = data.draw(fuzz.client_address(), label="address")
        sent = fuzz.Sent(endpoint, path.url, csrf, one_time, mode, encoding, pairs)

        before = self.log.row_counts()
        self.log.take()
        try:
            response = client.post(
                path.url,
                data=body,
                content_type=content_type,
                environ_base={"REMOTE_ADDR": address},
            )
        except Exception as error:
            self.problem(sent, f"raised {error!r}")
            return
        status = response.status_code
        self.tally.posts[endpoint] += 1
        self.tally.statuses[(endpoint, status)] += 1
        if status not in fuzz.EXPECTED_STATUSES:
            self.problem(sent, f"status {status}")
        was_refused = self.refused(form, path.url, client, response)
        self.forget_ended_journeys(client, response)
        if must_refuse and not was_refused:
            self.problem(
                sent,
                f"accepted ({status} {response.headers.get('Location')}), should be refused",
            )
        quiet = was_refused or form.never_writes or one_time not in {"none", "fresh"}
        if quiet:
            allowed = frozenset() if must_refuse else form.refused_may_write
            written = self.log.take() - fuzz.ALWAYS_WRITABLE - allowed
            after = self.log.row_counts()
            changed = {t for t in after if after[t] != before.get(t)} - allowed
            if written or changed:
                self.problem(sent, f"refused ({status}) but wrote {sorted(written | changed)}")
        elif one_time == "fresh" and ready.fresh:
            world.used.setdefault(endpoint, []).append(ready.fresh)
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            if fuzz.may_carry_markup(html):
                for found in fuzz.markup_carrying_marker(html):
                    self.problem(sent, f"response shows markup: {found}")

    def refused(self, form: Form, url: str, client: Any, response: Any) -> bool:
        status = response.status_code
        if status in form.ok_statuses:
            return False
        if status in fuzz.REFUSED_STATUSES or status == 200:
            return True
        if status not in {302, 303}:
            return False
        target = fuzz.urlsplit(response.headers.get("Location", "")).path
        flashes = []
        with client.session_transaction() as session:
            if "_flashes" in session:
                flashes = session.pop("_flashes")
        if any(category == "error" for category, _message in flashes):
            return True
        same = fuzz.urlsplit(url).path if form is FORMS["participant.question"] else None
        return target in {*form.refusal_redirects, "/staff/login", same}

    def forget_ended_journeys(self, client: Any, response: Any) -> None:
        """After a post that ended (or never had) a journey, its token is no use."""
        ended = response.status_code == 409 or fuzz.urlsplit(
            response.headers.get("Location", "")
        ).path in {"/", "/thanks", "/language"}
        for person in self.world.people.values():
            if ended and person.client is client:
                person.token = None

    def problem(self, sent: fuzz.Sent, what: str) -> None:
        self.tally.problems.append(f"{what}: {sent.describe()}")


def csrf_pairs(mode: str, token: str, world: World, client: Any) -> list[tuple[str, str]]:
    other = world.staff["admin"].token if client is world.stranger else world.stranger_token
    return {
        "valid": [("csrf_token", token)],
        "missing": [],
        "empty": [("csrf_token", "")],
        "forged": [("csrf_token", token[:-6] + "AAAAAA")],
        "stranger": [("csrf_token", other)],
        "stale": [("csrf_token", world.stale_tokens[0])],
        "forged_first": [("csrf_token", fuzz.fresh_token()), ("csrf_token", token)],
    }[mode]


# --- pages that show what was stored ------------------------------------------------------


def stored_data_pages(world: World) -> dict[str, list[str]]:
    """Per role, every page that shows what the fuzzed forms stored."""
    world.refresh_ids()
    ids = world.ids
    versions = ids["versions"]
    sessions = [
        world.session_id,
        *ids["draft_sessions"],
        *ids["open_sessions"],
        *ids["closed_sessions"],
    ]
    studio = [
        "/studio/",
        *[f"/studio/?status={s}" for s in ("draft", "proposed", "approved", "retired")],
    ]
    studio += [f"/studio/versions/{v}" for v in versions]
    studio += [f"/studio/versions/{v}/edit" for v in ids["draft_versions"]]
    studio += [
        f"/studio/versions/{v}/translate/{lang}"
        for v in ids["draft_versions"]
        for lang in ("ar", "pl")
    ]
    studio += [
        f"/studio/versions/{v}/preview?audience={a}"
        for v in versions
        for a in ("child_8_12", "young_13_17")
    ]
    studio += [f"/studio/texts/{t}/audio" for t in ids["texts"][:10]]
    flows = [
        "/studio/flows",
        *[f"/studio/flows/{f}" for f in ids["published_flows"] + ids["draft_flows"]],
    ]
    flows += [f"/studio/flows/{f}/preview/{a}/1" for f in ids["published_flows"] for a in AUDIENCES]
    facilitate = ["/facilitate/", "/facilitate/withdraw"]
    for s in sessions:
        facilitate += [
            f"/facilitate/sessions/{s}{page}"
            for page in ("", "/live", "/sheet", "/projector", "/paper")
        ]
    facilitate += [f"/facilitate/sessions/{s}/edit" for s in ids["draft_sessions"]]
    facilitate += [
        f"/facilitate/sessions/{world.session_id}/paper/{a}?language={lang}"
        for a in AUDIENCES
        for lang in LANGUAGES
    ]
    research = [f"/research/safeguarding-terms?language={lang}" for lang in LANGUAGES]
    research += ["/research/priorities", "/research/languages", *studio, *flows]
    return {
        "fz-facilitator": facilitate,
        "fz-lead": ["/safeguarding/", *[f"/safeguarding/flags/{f}" for f in ids["flags"]]],
        "rosa": research,
        "amira": studio,
        "fz-admin": ["/admin/api-clients", "/admin/users"],
    }


def participant_pages(world: World) -> list[str]:
    return [
        "/",
        "/worried",
        "/stop",
        "/talk",
        *[f"/q/{n}" for n in range(1, len(world.steps("parent_carer")) + 1)],
    ]


# --- the tests -----------------------------------------------------------------------------


def test_every_form_route_has_a_fuzz_entry(app: Flask) -> None:
    assert post_endpoints(app) - set(FORMS) == set(), "add these forms to FORMS"
    assert set(FORMS) - post_endpoints(app) == set(), "these routes are gone: drop them from FORMS"


@pytest.mark.long
def test_hostile_posts_to_every_form_never_fail_write_or_inject(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert post_endpoints(app) == set(FORMS)
    started = time.monotonic()
    world = build_world(app, runner, on_step=lambda _step: None)
    fuzz.without_fsync(app.extensions["voice_db"])
    log = fuzz.WriteLog(app.extensions["voice_db"])
    fuzzer = Fuzzer(app, world, log)
    try:
        for endpoint, examples in examples_per_form().items():
            began = time.monotonic()
            fuzzer.run(endpoint, FORMS[endpoint], examples)
            fuzzer.tally.seconds[endpoint] = time.monotonic() - began
    finally:
        log.close()
    tally = fuzzer.tally
    print(f"\n{tally.report()}\nfuzzing took {time.monotonic() - started:.0f} s")

    shown = []
    for username, urls in stored_data_pages(world).items():
        browser = app.test_client()  # checks every page it GETs, as in every other test
        from tests.support.staff import log_in

        assert log_in(browser, username).status_code == 302, username
        shown += fuzz.pages_carrying_markers(browser, urls)
    for person in world.people.values():
        world.ready(person)
        checked = app.test_client()
        checked.set_cookie(
            app.config["SESSION_COOKIE_NAME"],
            person.client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value,
        )
        shown += fuzz.pages_carrying_markers(checked, participant_pages(world))
    print(f"pages checked; whole test took {time.monotonic() - started:.0f} s")

    problems = tally.problems + shown
    assert not problems, f"{len(problems)} problems, the first ones:\n" + "\n".join(problems[:25])
    assert sum(tally.posts.values()) >= TOTAL_POSTS
    assert set(tally.posts) == set(FORMS), "some forms were never posted"


# --- what the fuzzer found, kept as plain regressions --------------------------------------


def test_written_answer_keeps_its_words_but_not_invisible_controls_or_noncharacters() -> None:
    # A bell and two noncharacters were stored and made the question page invalid HTML.
    typed = {"answer": ["I feel\x07 safe\ufffe at home\U0010ffff"]}
    context = QuestionContext(Audience.YOUNG_13_17)
    assert parse_free_text(typed, context) == "I feel safe at home"


def test_noncharacters_are_refused_like_control_characters_in_typed_text() -> None:
    # A venue or a question's words with U+FFFE were stored and broke every page showing them.
    for typed in ("Riverside\ufffe", "\ufdd0", "x\U0010ffff", "\U0001fffe"):
        assert plain_text_problem(typed) == "control_characters", repr(typed)
    assert plain_text_problem("\u0645\u0631\u062d\u0628\u0627 \u202e \U0001f600") is None


def test_marker_check_tells_injected_markup_from_escaped_text() -> None:
    marker = f"{fuzz.MARK}000001"
    escaped = (
        f'<p>&lt;{marker}&gt;</p><input value="&#34; {marker}=&#34;1"><a href="/x?{marker}">x</a>'
    )
    assert fuzz.markup_carrying_marker(escaped) == []
    assert not fuzz.may_carry_markup(escaped)
    for injected in (
        f"<p><{marker}></p>",
        f'<input value="" {marker}="1">',
        f"<img src=x onerror=\"alert('{marker}')\">",
        f"<script>{marker}</script>",
        f"<a href=\"javascript:alert('{marker}')\">x</a>",
    ):
        assert fuzz.may_carry_markup(injected), injected
        assert fuzz.markup_carrying_marker(injected), injected

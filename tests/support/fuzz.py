"""The form fuzzer's parts: hostile values, the post it sends, and what it checks afterwards.

Every post is one hypothesis example. What is checked:

- no response is a 500 (or any status outside ``EXPECTED_STATUSES``);
- a post the app refuses writes nothing: no committed INSERT, UPDATE or DELETE on any
  table but ``web_session`` and ``audit_event`` (read from the engine's own events), and
  the same row counts in every other table before and after;
- a post with a bad CSRF token, by someone not allowed, or with a replayed or foreign
  one-time id is refused (or, for a one-time id, changes nothing);
- no page shows a marker as markup: markup payloads carry a unique lowercase marker
  (``fzmark`` and a number) where a successful injection makes it an element's or an
  attribute's name, a script's text, or the value of an event handler, style or
  ``javascript:`` URL. Escaped text containing it is fine.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import html5lib
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from sqlalchemy import Engine, event, func, literal, select, union_all
from werkzeug.test import TestResponse

from tests.support.hostile import CONTROL_TEXTS, HOSTILE_TEXTS
from voice_app.models import Base, WebSession
from voice_app.server_session import hash_session_id

MARK = "fzmark"
SLOT = "\u27e6m\u27e7"  # where a post's unique marker goes, e.g. "<⟦m⟧>" -> "<fzmark00042>"
ALWAYS_WRITABLE = frozenset({"web_session", "audit_event"})
REFUSED_STATUSES = frozenset({400, 403, 404, 405, 409, 413, 429})
EXPECTED_STATUSES = REFUSED_STATUSES | {200, 201, 302, 303}

# Where a marker lands if the text is not escaped: a tag name, an attribute name, a
# handler's value, a javascript: URL, a script's text; in text, a comment, an attribute.
MARKUP = [
    f"<{SLOT}>",
    f"<{SLOT} x=1>bold</{SLOT}>",
    f'"><{SLOT}>',
    f"'><{SLOT}>",
    f'" {SLOT}="1',
    f"' {SLOT}='1",
    f" {SLOT}=1 ",
    f"</textarea><{SLOT}>",
    f"</title><{SLOT}>",
    f"</script><{SLOT}>",
    f"<img src=x {SLOT}=1 onerror=alert('{SLOT}')>",
    f"<svg><{SLOT}/><script>{SLOT}</script></svg>",
    f"<a href=\"javascript:alert('{SLOT}')\">x</a>",
    f'<b style="{SLOT}:1" {SLOT}>x</b>',
    f"<strong {SLOT}=1>bold</strong>",
    f"<script>{SLOT}</script>",
    f"<math><mi {SLOT}=1></mi></math>",
    f'<iframe srcdoc="<{SLOT}>"></iframe>',
    f"&lt;{SLOT}&gt;",
    f"<<{SLOT}>>",
    f"<{SLOT}",
    f'<noscript><p title="</noscript><img {SLOT}=1>"></noscript>',
    f"<!--><{SLOT}>-->",
    f"]]><{SLOT}>",
    f"{{{{ '<{SLOT}>' }}}}",
    f"\u202e<{SLOT}>\u202c",
]

EDGE_TEXTS = [
    "\x00",
    "a\x00b",
    "\u200f\u200e\u202e\u2066\u2067\u2068\u2069",  # direction marks and isolates
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width characters and the BOM
    "a" + "\u0301\u0308\u0327" * 300,  # a combining storm
    "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357" * 40,
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466\U0001f3fd\U0001f1ec\U0001f1e7",
    "\ufffe\uffff\U0010ffff\U000e0001",  # non-characters and a tag character
    "\u00a0\u2028\u2029\u3000\u180e",  # odd spaces and separators
    "ＡＢＣ１２３",  # full-width
    "١٢٣ ۴۵۶ ²³ ½ ⅷ",  # digits Python's int() may take
    "İıſK",  # letters whose case changes their length
    "\r\n\r\n\t ",
    "",
    " ",
    "null",
    "None",
    "undefined",
    "[]",
    "{}",
    "true",
]

NUMBERS = [
    "0",
    "-1",
    "00001",
    "1.0",
    "1e309",
    "NaN",
    "inf",
    "0x10",
    " 1 ",
    "+1",
    "2147483647",
    "2147483648",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "1_000",
]

INVALID_UTF8 = [
    b"\xed\xa0\x80",
    b"\xed\xb0\x80x",
    b"\xff\xfe",
    b"\xc0\x80",
    b"abc\xe2\x82",
    b"\x80",
]


def long_text() -> st.SearchStrategy[str]:
    """10,000 to 100,000 characters, repeated from a short piece (cheap to generate)."""
    pieces = st.sampled_from(["W", "é", "\U0001f600", "a\u0301", "<b>", "word ", "\u202e", SLOT])
    return st.builds(
        lambda piece, length: (piece * (length // len(piece) + 1))[:length],
        pieces,
        st.integers(10_000, 100_000),
    )


def hostile_text() -> st.SearchStrategy[str | bytes]:
    """One hostile value; a long one only now and then, as they are slow to send and read."""
    short = st.one_of(
        st.sampled_from(MARKUP),
        st.sampled_from(MARKUP),
        st.sampled_from(EDGE_TEXTS),
        st.sampled_from(HOSTILE_TEXTS + CONTROL_TEXTS),
        st.sampled_from(NUMBERS),
        st.integers(-(2**70), 2**70).map(str),
        st.text(max_size=30),
        st.sampled_from(INVALID_UTF8),
        st.binary(max_size=12),
    )
    return st.integers(0, 59).flatmap(lambda n: long_text() if n == 0 else short)


def _join(valid: Any, hostile: Any) -> Any:
    if isinstance(valid, list) or isinstance(hostile, bytes):
        return hostile
    return f"{valid} {hostile}"


MISSING = object()  # the field is left out


def field_value(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly what the real form sends, else hostile, mixed, repeated, or missing."""
    hostile = hostile_text()
    return st.one_of(
        valid,
        valid,
        valid,
        hostile,
        st.tuples(valid, st.sampled_from(MARKUP)).map(lambda pair: _join(*pair)),
        st.tuples(valid, hostile).map(lambda pair: _join(*pair)),
        st.lists(st.one_of(valid, hostile), min_size=2, max_size=3),  # a list where one is expected
        st.just(MISSING),
    )


def wrong_names(names: Sequence[str]) -> st.SearchStrategy[str]:
    """Field names a real form never sends: near misses of the real ones, and junk."""
    near = [n.upper() for n in names] + [f"{n}[]" for n in names] + [f" {n}" for n in names]
    near += [n.replace("_", "-") for n in names] + [n + "\u200b" for n in names]
    junk = st.one_of(st.text(min_size=1, max_size=20), st.sampled_from(["__proto__", "csrf", ""]))
    return st.one_of(st.sampled_from(near), junk) if near else junk


def _flat(value: Any) -> list:
    if isinstance(value, list):
        return [one for item in value for one in _flat(item)]
    return [value]


def form_pairs(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[list]:
    """(name, value) pairs: each real field's value (or none), then extra and misnamed ones."""
    values = st.fixed_dictionaries({name: field_value(valid) for name, valid in fields.items()})
    extras = st.lists(st.tuples(wrong_names(list(fields)), hostile_text()), max_size=3)

    def pairs(drawn: tuple[dict[str, Any], list]) -> list:
        found, extra = drawn
        out = []
        for name, value in found.items():
            if value is MISSING:
                continue
            out += [(name, one) for one in _flat(value)]
        return out + list(extra)

    return st.tuples(values, extras).map(pairs)


CSRF_MODES = ["valid"] * 14 + ["missing", "empty", "forged", "stranger", "stale", "forged_first"]
ONE_TIME_MODES = ["fresh"] * 6 + ["missing", "forged", "replayed", "foreign"]
ENCODINGS = ["form"] * 24 + ["multipart", "json"]
SENDERS = ["self"] * 16 + ["anonymous", "other_role"]


def client_address() -> st.SearchStrategy[str]:
    """Mostly a new address each post (so rate limits rarely hide a form), some the same."""
    varied = st.integers(1, 2**24 - 2).map(lambda n: f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}")
    return st.one_of(varied, varied, varied, st.just("203.0.113.9"))


# --- what the engine wrote --------------------------------------------------------------

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class WriteLog:
    """Tables written by committed transactions, read from the engine's own events.

    A statement counts when it changed a row (or the driver cannot say how many it did).
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.committed: Counter[str] = Counter()
        event.listen(engine, "after_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        tables = [t for t in Base.metadata.sorted_tables if t.name not in ALWAYS_WRITABLE]
        self._counts = union_all(
            *(select(literal(t.name), func.count()).select_from(t) for t in tables)
        )

    def close(self) -> None:
        event.remove(self.engine, "after_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _statement(self, conn, cursor, statement, _params, _context, _many) -> None:
        match = _WRITE.match(statement)
        if match and cursor.rowcount != 0:  # an UPDATE that matched no row wrote nothing
            conn.info.setdefault("fz_pending", []).append(match.group(1).lower())

    def _commit(self, conn) -> None:
        self.committed.update(conn.info.pop("fz_pending", []))

    def _rollback(self, conn) -> None:
        conn.info.pop("fz_pending", None)

    def row_counts(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            return dict(connection.execute(self._counts).all())

    def take(self) -> set[str]:
        written = set(self.committed)
        self.committed.clear()
        return written


def without_fsync(engine: Engine) -> None:
    """SQLite: stop waiting for the disk at each commit (durability is not checked here).

    Thousands of posts each commit two or three times; with ``synchronous=FULL`` the
    waits for the disk alone would take minutes.
    """
    if engine.dialect.name != "sqlite":
        return

    def no_fsync(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    event.listen(engine, "connect", no_fsync)
    engine.dispose()


# --- markers shown as markup ------------------------------------------------------------

_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_RISKY_VALUE = re.compile(
    r"\s(?:on\w+|style|srcdoc)\s*=\s*(?:\"[^\"]*|'[^']*|[^\s>]*)"
    + MARK
    + r"|=\s*(?:\"\s*javascript:[^\"]*|'\s*javascript:[^']*)"
    + MARK,
    re.IGNORECASE,
)
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>(.*?)</\1", re.IGNORECASE | re.DOTALL)


def markup_carrying_marker(html: str) -> list[str]:
    """Elements or attributes the page really has (not text) that carry a marker."""
    if MARK not in html:
        return []
    document = html5lib.HTMLParser(namespaceHTMLElements=False).parse(html)
    found = []
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if MARK in tag:
            found.append(f"element <{tag}>")
        if tag in {"script", "style"} and MARK in "".join(element.itertext()):
            found.append(f"<{tag}> with {''.join(element.itertext())[:60]!r}")
        for name, value in element.attrib.items():
            attribute = name.rsplit("}", 1)[-1].lower()
            if MARK in attribute:
                found.append(f"attribute {attribute} on <{tag}>")
            risky = (
                attribute.startswith("on")
                or attribute in {"style", "srcdoc"}
                or (
                    attribute in _URL_ATTRIBUTES and value.strip().lower().startswith("javascript:")
                )
            )
            if risky and MARK in value:
                found.append(f"<{tag} {attribute}={value[:60]!r}>")
    return found


def may_carry_markup(html: str) -> bool:
    """A quick look before parsing: could a marker be markup here, not escaped text?

    Escaped text never has a ``<`` before a marker, and inside a tag it sits in a quoted
    attribute value (the templates quote every value, and escaping keeps quotes out).
    """
    if MARK not in html:
        return False
    if "<" + MARK in html:
        return True
    for match in _TAG.finditer(html):
        tag = match.group()
        if MARK in tag and (MARK in _QUOTED.sub("", tag) or _RISKY_VALUE.search(tag)):
            return True
    return any(MARK in body for _name, body in _SCRIPT.findall(html))


# --- one post ----------------------------------------------------------------------------


@dataclass
class Sent:
    """What a post was, in words a failure message can show."""

    endpoint: str
    url: str
    csrf: str
    one_time: str
    sender: str
    encoding: str
    pairs: list

    def describe(self) -> str:
        shown = [(k, (v[:60] + "...") if len(v) > 60 else v) for k, v in self.pairs[:12]]
        return (
            f"{self.endpoint} POST {self.url} csrf={self.csrf} one_time={self.one_time} "
            f"sender={self.sender} encoding={self.encoding} fields={shown!r}"
        )


def encode(pairs: list, encoding: str) -> tuple[Any, str]:
    """The body and its content type; bytes values go out as they are (invalid UTF-8)."""
    if encoding == "json":
        text_pairs = [
            (k, v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for k, v in pairs
        ]
        return json.dumps(dict(text_pairs)), "application/json"
    if encoding == "multipart":
        data: dict[str, list[str]] = {}
        for key, value in pairs:
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            data.setdefault(key, []).append(text.replace("\x00", ""))
        return data, "multipart/form-data"
    raw = [
        (
            k.encode("utf-8", "surrogatepass"),
            v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass"),
        )
        for k, v in pairs
    ]
    return urlencode(raw), "application/x-www-form-urlencoded"


def fill_markers(pairs: list, next_marker: Callable[[], str]) -> list:
    marker = next_marker()
    filled = []
    for key, value in pairs:
        if isinstance(value, str) and SLOT in value:
            value = value.replace(SLOT, marker)
        filled.append((key, value))
    return filled


def flashed_error(app: Flask, client: FlaskClient) -> bool:
    """Whether the post left an error message for the next page (a refusal by redirect)."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return False
    with app.extensions["voice_db"].connect() as connection:
        data = connection.scalar(
            select(WebSession.data).where(WebSession.id_sha256 == hash_session_id(cookie.value))
        )
    return any(category == "error" for category, _message in (data or {}).get("_flashes", []))


def refused(app: Flask, client: FlaskClient, url: str, response: TestResponse) -> bool:
    """Did the app turn the post down (an error status, the form again, or a redirect back)?"""
    if response.status_code in REFUSED_STATUSES or response.status_code == 200:
        return True
    if response.status_code not in {302, 303}:
        return False
    target = urlsplit(response.headers.get("Location", "")).path
    return target in {urlsplit(url).path, "/", "/staff/login"} or flashed_error(app, client)


@dataclass
class Tally:
    """Posts per endpoint, and what went wrong."""

    posts: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    markers: int = 0

    def next_marker(self) -> str:
        self.markers += 1
        return f"{MARK}{self.markers:06d}"

    def report(self) -> str:
        lines = [f"{sum(self.posts.values())} posts to {len(self.posts)} endpoints"]
        for endpoint, count in sorted(self.posts.items()):
            codes = {s: n for (e, s), n in sorted(self.statuses.items()) if e == endpoint}
            took = self.seconds.get(endpoint, 0.0)
            lines.append(f"  {endpoint:40} {count:6} posts {took:5.1f} s  statuses {codes}")
        return "\n".join(lines)


def fresh_token() -> str:
    return secrets.token_urlsafe(24)


def pages_carrying_markers(client: FlaskClient, urls: Sequence[str]) -> Iterator[str]:
    """GET each page (a checked client also validates it); what carries a marker as markup."""
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        if not may_carry_markup(html):
            continue
        for problem in markup_carrying_marker(html):
            yield f"GET {url}: {problem}"

"""Naughty strings for form tests, and checks that a page shows them as text and runs nothing.

``HOSTILE`` (and its views ``HOSTILE_TEXTS`` and ``HOSTILE_IDS`` for ``parametrize``) are texts a
form must store and show back literally: markup, script URLs, template syntax, SQL, right-to-left
and joined-emoji text, a very long string. ``CONTROL_TEXTS`` must be refused instead: PostgreSQL
rejects NUL, and the other controls are invisible.

``assert_neutralised(html)`` fails if a page could run anything a user typed;
``assert_shows_literally(html, text)`` fails unless the page shows ``text`` as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import html5lib

HOSTILE: dict[str, str] = {
    "script": "<script>alert(1)</script>",
    "img_onerror": "<img src=x onerror=alert(1)>",
    "svg_onload": "<svg onload=alert(1)>",
    "attribute_breakout": '"><script>alert(1)</script>',
    "javascript_url": "javascript:alert(1)",
    "javascript_link": '<a href="javascript:alert(1)">x</a>',
    "iframe": "<iframe src=//evil>",
    "style": "<style>body{display:none}</style>",
    "template_injection": "{{ 7*7 }}",
    "onmouseover": "<b onmouseover=alert(1)>hi</b>",
    # U+202E RIGHT-TO-LEFT OVERRIDE: "my photo gpj.exe" is displayed as "my photo exe.jpg".
    "rtl_override": "my photo \u202egpj.exe",
    # Man, woman, girl, boy joined by U+200D ZERO WIDTH JOINER: one family emoji.
    "zwj_emoji": "My family \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "five_thousand_characters": "W" * 5000,
    "arabic": "أحب عائلتي ومدرستي",
    "urdu": "مجھے اپنا خاندان اور اسکول پسند ہے",
    "sql": "'; DROP TABLE answer; --",
}
HOSTILE_TEXTS: list[str] = list(HOSTILE.values())
HOSTILE_IDS: list[str] = list(HOSTILE)

# C0 controls other than tab, line feed and carriage return, DEL, and two C1 controls.
CONTROL_TEXTS: list[str] = [
    "before\x00after",
    "\x00",
    "ring\x07ring",
    "back\x08space",
    "vertical\x0btab",
    "form\x0cfeed",
    "\x1b[31mred",
    "unit\x1fseparator",
    "delete\x7f",
    "next\x85line",
    "\x9b31mred",
]

_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster"})
_FORBIDDEN_ELEMENTS = frozenset({"iframe", "object", "embed", "style", "frame", "frameset"})
_SCRIPT_URL = re.compile(r"^(?:javascript|vbscript):")


def assert_neutralised(html: str) -> None:
    """Fail if the page could run or restyle anything: only scripts from /static/ are allowed.

    Fails on a ``<script>`` without a ``src`` under ``/static/``; any attribute whose name starts
    with ``on``; a ``javascript:`` URL in a URL attribute; ``<iframe>``, ``<object>``,
    ``<embed>`` or ``<style>`` elements (and frames).
    """
    problems = []
    for element in _elements(_parse(html)):
        tag = _local(element.tag)
        if tag == "script":
            src = element.get("src", "")
            if not src.startswith("/static/"):
                problems.append(f"<script> with src={src!r}: {_snippet(element)}")
        if tag in _FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag}> element: {_snippet(element)}")
        for name, value in element.attrib.items():
            attribute = _attribute_name(name)
            if attribute.startswith("on"):
                problems.append(f"<{tag} {attribute}={value!r}>")
            if attribute in _URL_ATTRIBUTES and _SCRIPT_URL.match(_url_as_browser_reads(value)):
                problems.append(f"<{tag} {attribute}={value!r}>")
    assert not problems, "page is not neutralised:\n" + "\n".join(problems)


def assert_shows_literally(html: str, text: str) -> None:
    """Fail unless the page shows ``text`` exactly as typed (escaped, not interpreted).

    Looks in the parsed page's visible text and in form field values, with runs of whitespace
    collapsed on both sides. ``{{ 7*7 }}`` must appear as itself, not as 49; ``<b>hi</b>`` must
    appear with its angle brackets, not as bold "hi".
    """
    wanted = _collapse(text)
    assert wanted, "nothing to look for"
    document = _parse(html)
    shown = [_collapse("".join(_visible_text(document)))]
    shown += [
        _collapse(element.get("value", ""))
        for element in _elements(document)
        if _local(element.tag) in {"input", "option", "button"}
    ]
    assert any(wanted in found for found in shown), f"page does not show {text[:80]!r} literally"


def _visible_text(element: Any) -> Iterator[str]:
    """The page's text in document order, leaving out comments, scripts, styles and templates."""
    if isinstance(element.tag, str) and _local(element.tag) not in {"script", "style", "template"}:
        yield element.text or ""
        for child in element:
            yield from _visible_text(child)
    yield element.tail or ""


def _parse(html: str) -> Any:
    return html5lib.HTMLParser(namespaceHTMLElements=False).parse(html)


def _elements(document: Any) -> Iterator[Any]:
    for element in document.iter():
        if isinstance(element.tag, str):  # comments have a function as their tag
            yield element


def _local(name: str) -> str:
    """``{http://www.w3.org/2000/svg}svg`` -> ``svg``."""
    return name.rsplit("}", 1)[-1].lower()


def _attribute_name(name: str) -> str:
    if name.startswith("{http://www.w3.org/1999/xlink}"):
        return "xlink:" + _local(name)
    return _local(name)


def _url_as_browser_reads(value: str) -> str:
    """Browsers drop tabs and newlines anywhere and leading controls and spaces in a URL."""
    value = re.sub(r"[\t\n\r]", "", value)
    return value.lstrip("".join(chr(c) for c in range(0x21))).lower()


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _snippet(element: Any) -> str:
    return _collapse("".join(element.itertext()))[:80]

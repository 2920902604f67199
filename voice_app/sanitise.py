"""The one place where text typed by staff is turned into HTML, and checked before it is stored.

Staff (young advisors and researchers) write question wording, answer labels, comments and
reasons that children will read. All of that is plain text: it is stored as typed and escaped on
output by Jinja's autoescape, never marked safe. Help text is the single exception: it may carry a
little formatting (paragraphs, line breaks, bold, emphasis, lists), so it goes through
``clean_help_text`` here before it reaches a page.

The cleaner is ``nh3`` (Python bindings to the Rust ``ammonia`` crate, which parses with
html5ever, the same HTML5 algorithm as browsers). ``bleach`` is not used: it has been unmaintained
since June 2026. No other module in ``voice_app`` imports ``nh3`` or cleans HTML in any other way;
a unit test reads the source tree to keep it so. This module imports nothing from Flask, so it can
be used from the CLI, migrations and tests alike.
"""

from __future__ import annotations

import html
import re

import nh3

__all__ = [
    "HELP_TEXT_TAGS",
    "clean_help_text",
    "help_text_as_plain",
    "plain_text_problem",
]

#: The only tags help text may keep. No attributes at all, so no links, URLs or styles.
HELP_TEXT_TAGS: frozenset[str] = frozenset({"p", "br", "strong", "em", "ul", "ol", "li"})

# Elements removed together with everything inside them, rather than unwrapped to their text:
# their contents are code, styling, embedded documents or form controls, never help for a child.
_DROP_WITH_CONTENT: frozenset[str] = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "frame",
        "frameset",
        "noframes",
        "object",
        "embed",
        "applet",
        "noembed",
        "svg",
        "math",
        "textarea",
        "select",
        "title",
        "xmp",
        "plaintext",
    }
)

# Cleaning passes before giving up on the markup and keeping only the text (see clean_help_text).
_MAX_PASSES = 4

# Block-level tags of cleaned help text, which separate words when the text is read as plain text.
_BLOCK_TAG = re.compile(r"<(?:/?(?:p|ul|ol|li)|br)>")

# C0 and C1 control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F) except tab,
# line feed and carriage return. PostgreSQL refuses NUL in text, and none of them can be seen.
# Format characters such as the bidirectional marks (U+200E, U+202E ...) are not controls: people
# writing Arabic or Urdu need them. Unicode's noncharacters (U+FDD0–U+FDEF and the last two code
# points of every plane) are refused too: they are invisible, and an HTML page may not contain them.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
_CONTROL_CHARACTERS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_NONCHARACTERS}]")


def clean_help_text(raw: str) -> str:
    """Help text as HTML that is safe to put in a page, as element content (never in an attribute).

    Only ``HELP_TEXT_TAGS`` survive, without any attributes; other tags are removed but their text
    is kept, except for script, style, embedded documents and the like, which go with all their
    content. Comments are removed. Text is escaped, so plain text in gives escaped plain text out
    (``"a < b & c"`` becomes ``"a &lt; b &amp; c"``). Cleaning the result again changes nothing.
    """
    # One pass can build a tree that does not survive being written out and read back: in
    # "<li><table><li>" the inner item is moved out of the table into the outer one, giving
    # "<li><li></li></li>", which a browser reads as two items. So clean until nothing changes,
    # and what is returned is always a fixed point, and cleaning it again gives the same string.
    # Should that ever fail to settle, fall back to the text alone, which settles at once.
    for start in (raw, _text_only(raw)):
        cleaned = start
        for _ in range(_MAX_PASSES):
            again = _clean(cleaned)
            if again == cleaned:
                return cleaned
            cleaned = again
    return ""  # pragma: no cover - text without tags is stable after one pass


def _clean(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=set(HELP_TEXT_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        # "*" must be given: without it ammonia keeps its generic attributes (lang, title).
        attributes={"*": set()},
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    )


def _text_only(raw: str) -> str:
    return nh3.clean(raw, tags=set(), clean_content_tags=set(_DROP_WITH_CONTENT), link_rel=None)


def help_text_as_plain(raw: str) -> str:
    """The words a reader sees in help text, as plain (unescaped) text on one line.

    For read-aloud fingerprints, readability checks and comparing versions. The result is not HTML:
    if it is ever shown, it must be escaped like any other plain text.
    """
    cleaned = clean_help_text(raw)
    # Paragraphs, list items and line breaks separate words; bold and emphasis do not.
    spaced = _BLOCK_TAG.sub(" ", cleaned)
    text = html.unescape(nh3.clean(spaced, tags=set(), strip_comments=True))
    return " ".join(text.split())


def plain_text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, as an error code, or None when it can.

    ``"control_characters"``: it holds NUL or another invisible control character other than tab,
    line feed or carriage return.
    """
    if _CONTROL_CHARACTERS.search(text):
        return "control_characters"
    return None

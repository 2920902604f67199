"""Answer formats as plug-ins: how each is shown, read from a form and summarised.

Adding a format touches this table and one template partial
(``templates/participant/formats/<name>.html``). No Flask imports: the view hands over
the posted values as a plain mapping of lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voice_app.models import AnswerFormat, Audience
from voice_app.sanitise import plain_text_problem

MAX_FREE_TEXT = 1000
DONT_KNOW = "dont_know"
YES_MAYBE_NO = ("yes", "maybe", "no")
TOP_CHOICES = 3


class AnswerError(ValueError):
    """The posted answer cannot be stored; ``code`` picks the friendly message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Choice:
    value: str
    picture: str | None  # path under static/
    label_key: str  # a key the view turns into translated words (or the content label)


@dataclass(frozen=True)
class QuestionContext:
    """What a format needs to know about the question being answered."""

    audience: Audience
    option_keys: Sequence[str] = ()  # choose_one / choose_many options
    domain_keys: Sequence[str] = ()  # top_three cards


def face_values(audience: Audience) -> tuple[str, ...]:
    # Under-8s get three faces; everyone else five. Values are the picture numbers.
    return ("1", "3", "5") if audience is Audience.CHILD_4_7 else ("1", "2", "3", "4", "5")


def _single(form: Mapping[str, Sequence[str]], allowed: Sequence[str]) -> str:
    values = form.get("answer") or []
    if not values or not values[0]:
        raise AnswerError("missing")
    if len(values) != 1 or values[0] not in allowed:
        raise AnswerError("invalid")
    return values[0]


def parse_faces(form: Mapping[str, Sequence[str]], ctx: QuestionContext) -> Any:
    allowed = face_values(ctx.audience)
    if ctx.audience is Audience.CHILD_4_7:
        allowed = (*allowed, DONT_KNOW)
    value = _single(form, allowed)
    return value if value == DONT_KNOW else int(value)


def parse_yes_maybe_no(form: Mapping[str, Sequence[str]], ctx: QuestionContext) -> Any:
    return _single(form, YES_MAYBE_NO)


def parse_choose_one(form: Mapping[str, Sequence[str]], ctx: QuestionContext) -> Any:
    return _single(form, ctx.option_keys)


def parse_choose_many(form: Mapping[str, Sequence[str]], ctx: QuestionContext) -> Any:
    values = [v for v in form.get("answer") or [] if v]
    if not values:
        raise AnswerError("missing_many")
    if any(v not in ctx.option_keys for v in values) or len(set(values)) != len(values):
        raise AnswerError("invalid")
    # Keep the options' own order, so the same set is always stored the same way.
    return [key for key in ctx.option_keys if key in values]


def parse_top_three(form: Mapping[str, Sequence[str]], ctx: QuestionContext) -> Any:
    chosen = []
    for rank in range(1, TOP_CHOICES + 1):
        values = form.get(f"rank_{rank}") or []
        if len(values) > 1:
            raise AnswerError("invalid")
        value = values[0] if values else ""
        if value and value not in ctx.domain_keys:
            raise AnswerError("invalid")
        chosen.append(value)
    picked = [v for v in chosen if v]
    if not picked:
        raise AnswerError("missing_top")
    if len(set(picked)) != len(picked):
        raise AnswerError("duplicate_top")
    if chosen.index(picked[-1]) + 1 != len(picked):
        raise AnswerError("gap_top")  # e.g. a 1st and a 3rd with no 2nd
    return picked


def parse_free_text(form: Mapping[str, Sequence[str]], ctx: QuestionContext) -> Any:
    values = form.get("answer") or []
    if len(values) > 1:
        raise AnswerError("invalid")
    # Invisible controls and noncharacters go, as NUL always did: a page may not show them.
    typed = values[0] if values else ""
    text = "".join(ch for ch in typed if not plain_text_problem(ch)).replace("\r\n", "\n").strip()
    if not text:
        raise AnswerError("missing_text")
    if len(text) > MAX_FREE_TEXT:
        raise AnswerError("too_long")
    return text


def score_faces(value: Any) -> float | None:
    """Faces on a common 0-1 scale (1 = happiest); "don't know" has no score."""
    return None if value == DONT_KNOW else (int(value) - 1) / 4


def score_yes_maybe_no(value: Any) -> float | None:
    return {"yes": 1.0, "maybe": 0.5, "no": 0.0}.get(value)


def no_score(_value: Any) -> float | None:
    return None


@dataclass(frozen=True)
class FormatPlugin:
    name: AnswerFormat
    template: str
    parse: Callable[[Mapping[str, Sequence[str]], QuestionContext], Any]
    score: Callable[[Any], float | None]
    is_free_text: bool = False
    only_for: frozenset[Audience] | None = None  # None: every audience


FORMATS: dict[AnswerFormat, FormatPlugin] = {
    plugin.name: plugin
    for plugin in (
        FormatPlugin(AnswerFormat.FACES, "faces", parse_faces, score_faces),
        FormatPlugin(
            AnswerFormat.YES_MAYBE_NO, "yes_maybe_no", parse_yes_maybe_no, score_yes_maybe_no
        ),
        FormatPlugin(AnswerFormat.CHOOSE_ONE, "choose_one", parse_choose_one, no_score),
        FormatPlugin(AnswerFormat.CHOOSE_MANY, "choose_many", parse_choose_many, no_score),
        FormatPlugin(AnswerFormat.TOP_THREE, "top_three", parse_top_three, no_score),
        FormatPlugin(
            AnswerFormat.FREE_TEXT,
            "free_text",
            parse_free_text,
            no_score,
            is_free_text=True,
            only_for=frozenset({Audience.YOUNG_13_17, Audience.PARENT_CARER}),
        ),
    )
}


def parse_answer(
    answer_format: AnswerFormat, form: Mapping[str, Sequence[str]], ctx: QuestionContext
) -> Any:
    return FORMATS[answer_format].parse(form, ctx)

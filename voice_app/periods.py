"""Calendar quarters, the smallest period the research outputs use. No Flask imports.

Figures are grouped by the quarter in which a person started (UTC date), so each
person falls in exactly one quarter and quarters add up to the whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1-4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026-Q3" (or "2026Q3", any case). Raises ValueError for anything else."""
        match = _QUARTER.match(text or "")
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            raise ValueError(f"not a quarter: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def of_month(cls, year: int, month: int) -> Quarter:
        return cls(int(year), (int(month) - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The first day after the quarter."""
        return self.next().start

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


def quarters_between(first: Quarter, last: Quarter) -> Iterator[Quarter]:
    """Every quarter from ``first`` to ``last``, both included."""
    quarter = first
    while quarter <= last:
        yield quarter
        quarter = quarter.next()

"""What a question page shows, read once per worker until any of it changes.

No Flask imports. Every change to a wording, an option, a domain name or a recording
raises one counter (``ContentGeneration``) in the same transaction, whatever path made
it (the studio, translation imports, the demo, a test): an ORM flush of those rows, or
an INSERT/UPDATE/DELETE of their tables sent through a session. A worker reads the
counter with the request's first query and keeps pages built under the value it read;
once another worker commits a change, the counter moves and every kept page is
dropped. A page built just after a change may already show it while filed under the
older value: it is then thrown away one request early, never shown stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from voice_app.models import (
    AudioClip,
    ContentGeneration,
    OutcomeDomain,
    OutcomeDomainText,
    QuestionOption,
    QuestionOptionLabel,
    QuestionText,
)

PAGE_CONTENT = (
    QuestionText,
    QuestionOption,
    QuestionOptionLabel,
    AudioClip,
    OutcomeDomain,
    OutcomeDomainText,
)
PAGE_CONTENT_TABLES = frozenset(model.__tablename__ for model in PAGE_CONTENT)
ROW_ID = 1
# A scalar subquery the request's first query carries, so reading it costs no round trip.
CURRENT = select(ContentGeneration.value).where(ContentGeneration.id == ROW_ID).scalar_subquery()

T = TypeVar("T")


def raise_generation(db_session: Session) -> None:
    """Move the counter on, in the caller's transaction (made if a database lacks it)."""
    moved = db_session.execute(
        update(ContentGeneration)
        .where(ContentGeneration.id == ROW_ID)
        .values(value=ContentGeneration.value + 1)
        .execution_options(synchronize_session=False)
    )
    if not getattr(moved, "rowcount", 1):
        db_session.execute(insert(ContentGeneration).values(id=ROW_ID, value=1))


def _changes_page_content(db_session: Session) -> bool:
    changed = (*db_session.new, *db_session.dirty, *db_session.deleted)
    return any(isinstance(obj, PAGE_CONTENT) for obj in changed)


@event.listens_for(Session, "before_flush")
def _raise_on_flush(db_session: Session, _context: Any, _instances: Any) -> None:
    if _changes_page_content(db_session):
        raise_generation(db_session)


@event.listens_for(Session, "do_orm_execute")
def _raise_on_statement(state: ORMExecuteState) -> None:
    # Bulk statements (delete(AudioClip)..., update(QuestionText)...) skip the flush.
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in PAGE_CONTENT_TABLES:
        raise_generation(state.session)


class GenerationCache(Generic[T]):
    """Values built under one generation, at most ``size`` of them (least used go first).

    Shared by a worker's threads: a value may be built twice at once, never mixed up.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._generation: int | None = None
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, generation: int | None, key: Hashable, build: Callable[[], T]) -> T:
        """The value for ``key`` under ``generation``; built (and kept) when not known.

        ``generation`` None (no counter to go by) builds every time and keeps nothing.
        """
        if generation is None or (self._generation or 0) > generation:
            return build()  # none to go by, or read before a change this worker has seen
        with self._lock:
            if generation != self._generation:
                self._values.clear()
                self._generation = generation
            elif key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = build()
        with self._lock:
            if generation == self._generation:
                self._values[key] = value
                if len(self._values) > self.size:
                    self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._values)

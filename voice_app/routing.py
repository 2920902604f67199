"""URL converters shared by every blueprint."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

# The largest id an INTEGER column holds on PostgreSQL (and that SQLite's driver accepts).
LARGEST_ID = 2**31 - 1


class DatabaseId(IntegerConverter):
    """``<int:...>`` in every route: a number no row can have is a 404, never a 500."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)

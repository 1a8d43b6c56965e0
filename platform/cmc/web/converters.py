"""URL converters: an ``<int:...>`` in a route matches only ids the database can hold."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from cmc.models.types import MAX_ID


class IdConverter(IntegerConverter):
    """Werkzeug's ``int`` (digits only, so never negative), bounded by ``MAX_ID``: a path with a larger number
    is a path to nothing and answers 404 from routing, before any view, gate or query runs.

    Replacing ``int`` itself (not adding an ``id`` converter) covers every route, present and future.
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def install(app: Flask) -> None:
    """Make ``int`` in every route of ``app`` mean an id in range (before any route is added)."""
    app.url_map.converters["int"] = IdConverter

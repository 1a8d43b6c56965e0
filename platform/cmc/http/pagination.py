"""Pagination: a page loads only the rows it shows (plus one, to know whether there is a next page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy.sql import Select

from cmc.extensions import db


@dataclass
class Page:
    """One page of results."""

    items: list[Any]
    number: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        """Whether a previous page exists."""
        return self.number > 1


def paginate(query: Select[Any], *, per_page: int = 25, scalars: bool = True,
             load: Callable[[Select[Any]], list[Any]] | None = None) -> Page:
    """Run ``query`` for the page named by ``?page=`` (bad values mean page 1); ``scalars=False`` keeps
    rows of several columns as tuples; ``load`` runs the limited statement itself (a list read as rows)."""
    try:
        number = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        number = 1
    limited = query.limit(per_page + 1).offset((number - 1) * per_page)
    if load is not None:
        rows = load(limited)
    else:
        rows = list(db.session.scalars(limited)) if scalars else [tuple(row) for row in db.session.execute(limited)]
    return Page(items=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page)

"""Stored Markdown HTML rendered again from its source: ``cmc markdown rerender``.

Charters, thread posts, replies and minutes keep their HTML beside their Markdown, made by
``markup.render`` when written. After a change of the sanitiser's rules (or of Markdown's extensions) the
stored HTML is what the old rules made; this renders every stored text again and writes the rows whose HTML
differs, a batch at a time (each batch its own transaction, so a long run holds no lock for long).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Column, Table, select, update

from cmc.extensions import db
from cmc.models import Minutes, Network, NetworkText, Reply, Thread
from cmc.services import markup

BATCH = 500


@dataclass(frozen=True)
class Stored:
    """A table holding Markdown (``source``) and its rendered HTML (``html``), keyed by ``key``."""

    label: str
    table: Table
    key: str
    source: str
    html: str


#: Every place rendered Markdown is stored.
STORED = (
    Stored("networks", Network.__table__, "id", "charter", "charter_html"),  # type: ignore[arg-type]
    Stored("network translations", NetworkText.__table__, "id", "charter", "charter_html"),  # type: ignore[arg-type]
    Stored("threads", Thread.__table__, "id", "body", "body_html"),  # type: ignore[arg-type]
    Stored("replies", Reply.__table__, "id", "body", "body_html"),  # type: ignore[arg-type]
    Stored("minutes", Minutes.__table__, "meeting_id", "body", "body_html"),  # type: ignore[arg-type]
)


def rerender(stored: Stored, render: Callable[[str], str] = markup.render) -> tuple[int, int]:
    """Render every row of ``stored`` again; (rows read, rows whose HTML changed and was written)."""
    key: Column[int] = stored.table.c[stored.key]
    source, html = stored.table.c[stored.source], stored.table.c[stored.html]
    seen = changed = 0
    after: int | None = None
    while True:
        query = select(key, source, html).order_by(key).limit(BATCH)
        if after is not None:
            query = query.where(key > after)
        with db.engine.begin() as connection:
            rows = connection.execute(query).all()
            for row_key, text, old in rows:
                new = render(text or "")
                if new != old:
                    connection.execute(update(stored.table).where(key == row_key).values({stored.html: new}))
                    changed += 1
        seen += len(rows)
        if len(rows) < BATCH:
            return seen, changed
        after = rows[-1][0]


def rerender_all(render: Callable[[str], str] = markup.render) -> dict[str, tuple[int, int]]:
    """``rerender`` every table of :data:`STORED`: {label: (rows read, rows changed)}."""
    return {stored.label: rerender(stored, render) for stored in STORED}

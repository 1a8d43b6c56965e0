"""Migration 0019 on data written before it: every agenda item gets its own uid, and the published snapshots
that froze an item by its row id carry that item's uid, the same in every version (so change lists between
versions published before and after the upgrade still match items by identity)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from cmc.extensions import db
from cmc.services.meetings.changes import ChangeKind, diff
from tests.integration.test_migrations import _empty, _party_account_network


def _frozen(item_id: int, title: str, position: int) -> dict[str, Any]:
    """An item as a snapshot froze it before 0019: by row id, with no uid and no room."""
    return {"id": item_id, "day": "2027-03-10", "position": position, "session": "", "start": "09:00",
            "end": "10:00", "title": title, "description": "", "kind": "session", "presenters": "",
            "document_ids": []}


def _write_0018_meeting(now: datetime) -> None:
    with db.engine.begin() as conn:
        _party_account_network(conn, now)
        conn.execute(text("INSERT INTO meetings (id, title, kind, start_date, end_date, timezone, venue, city, "
                          "format, link, status, description, agenda_revision, agenda_last_change, created_at) "
                          "VALUES (1, 'CMC', 'annual_meeting', '2027-03-10', '2027-03-11', 'UTC', '', '', "
                          "'in_person', '', 'published', '', 4, '', :now)"), {"now": now})
        for item_id, title, position in [(1, "Opening", 1), (2, "Routes, revised", 2)]:
            conn.execute(text("INSERT INTO agenda_items (id, meeting_id, day, position, session, title, "
                              "description, kind, presenters, document_ids) VALUES (:id, 1, '2027-03-10', :pos, "
                              "'', :title, '', 'session', '', '[]')"), {"id": item_id, "pos": position,
                                                                         "title": title})
        # Version 1 also froze item 3, removed from the draft since: it has no row to take a uid from.
        snapshots = {1: [_frozen(1, "Opening", 1), _frozen(2, "Routes", 2), _frozen(3, "Closing", 3)],
                     2: [_frozen(1, "Opening", 1), _frozen(2, "Routes, revised", 2), _frozen(3, "Closing", 3)]}
        for number, items in snapshots.items():
            conn.execute(text("INSERT INTO agenda_versions (meeting_id, number, items, changes, published_at, "
                              "published_by_id) VALUES (1, :number, :items, :changes, :now, 1)"),
                         {"number": number, "items": json.dumps(items), "now": now,
                          "changes": json.dumps(["First published agenda."])})


def _as_list(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else list(value)


def test_0019_gives_items_and_their_frozen_copies_one_uid(app: Flask) -> None:
    _empty(app)
    upgrade(revision="0018_notifications")
    _write_0018_meeting(datetime.now(UTC).replace(tzinfo=None, microsecond=0))
    upgrade(revision="0019_agenda_identity")
    with db.engine.connect() as conn:
        uids = dict(conn.execute(text("SELECT id, uid FROM agenda_items ORDER BY id")).all())
        rooms = conn.execute(text("SELECT room FROM agenda_items")).scalars().all()
        sequence = conn.execute(text("SELECT calendar_sequence FROM meetings")).scalar()
        frozen = {number: _as_list(items) for number, items in
                  conn.execute(text("SELECT number, items FROM agenda_versions ORDER BY number")).all()}

    assert sorted(uids) == [1, 2] and len(set(uids.values())) == 2
    assert all(isinstance(uid, str) and len(uid) == 36 for uid in uids.values())
    assert rooms == ["", ""] and sequence == 0
    for number, items in frozen.items():
        by_id = {item["id"]: item for item in items}
        assert by_id[1]["uid"] == uids[1] and by_id[2]["uid"] == uids[2], f"version {number}"
        assert all(item["room"] == "" for item in items)
    # The removed item got one uid of its own, shared by both versions that froze it.
    removed = {frozen[n][2]["uid"] for n in (1, 2)}
    assert len(removed) == 1 and not removed & set(uids.values())
    # So the change list between the two old versions, by uid now, is the retitle that was made.
    assert [(c.kind, c.uid) for c in diff(frozen[1], frozen[2])] == [(ChangeKind.RETITLED, uids[2])]

    db.session.remove()
    downgrade(revision="base")
    db.create_all()  # leave the schema the fixture expects

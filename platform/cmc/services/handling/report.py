""""Who read what we shared": what other parties' people did with the items a party originated (issue 18).

Built on the audit trail alone: every row whose ``target_party_id`` is the party (the services write the
originating party of the item there) and whose action is one of :data:`ACTIONS`. The trail's index
``ix_audit_target_party_time (target_party_id, id)`` serves the newest-first pages of one party.

A row names its item by id; the item's title is shown only while the item exists and the viewer may read it
(one query per item type and page), else "#id": the report never reveals more of an item than its reader
may see elsewhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from cmc import permissions
from cmc.database import read_transaction
from cmc.extensions import db
from cmc.i18n import timefmt
from cmc.models import Account, Alert, AuditEvent, Document, Outcome, Party, Thread
from cmc.permissions.handling import can_read_item
from cmc.services import audit
from cmc.services.errors import ValidationError
from cmc.services.text import csv_cell

#: The kinds of use the report tells apart, in the order its summary shows them, and their actions.
KINDS: dict[str, tuple[str, ...]] = {
    "view": ("alert.read", "document.read", "thread.read"),
    "download": ("document.download",),
    "export": ("alert.export", "alert.grid_export", "handling.export", "document.forward"),
    "acknowledgement": ("alert.ack",),
    "release": ("release.request", "release.grant", "release.refuse", "release.withdraw"),
    "marking": ("handling.change",),
}
ACTIONS: dict[str, str] = {action: kind for kind, actions in KINDS.items() for action in actions}
ITEM_TYPES = ("alert", "document", "thread")

KIND_LABELS = {"view": _l("Views"), "download": _l("Downloads"), "export": _l("Exports"),
               "acknowledgement": _l("Acknowledgements"), "release": _l("Release steps"),
               "marking": _l("Marking changes")}
# In the context of this report: "Read" of an alert, a document or a discussion alike (not a notification's).
ACTION_LABELS = {
    "alert.read": _p("shared_report", "Read"), "document.read": _p("shared_report", "Read"),
    "thread.read": _p("shared_report", "Read"), "document.download": _p("shared_report", "Downloaded"),
    "alert.export": _p("shared_report", "Exported"), "alert.grid_export": _l("Exported the acknowledgement grid"),
    "handling.export": _p("shared_report", "Exported"), "document.forward": _l("Forwarded to another network"),
    "alert.ack": _p("shared_report", "Acknowledged"), "release.request": _l("Asked for a release"),
    "release.grant": _l("Granted a release"), "release.refuse": _l("Refused a release"),
    "release.withdraw": _l("Withdrew a release request"), "handling.change": _l("Changed the marking"),
}
ITEM_LABELS = {"alert": _l("Alert"), "document": _l("Document"), "thread": _l("Discussion")}


@dataclass
class ReportFilter:
    """What the report is narrowed to (all optional; own people left out unless asked for)."""

    reader_party: str = ""  # a party code: rows of that party's people
    person: str = ""  # part of the person's e-mail
    kind: str = ""  # one of KINDS
    item_type: str = ""  # one of ITEM_TYPES
    item_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    include_own: bool = False
    outcome: str = ""  # one of Outcome's values; "" for all

    def problems(self) -> dict[str, str]:
        """What is wrong with the values (a field name -> a sentence); empty when they may be used."""
        found: dict[str, str] = {}
        if self.kind and self.kind not in KINDS:
            found["kind"] = _("Choose a kind from the list.")
        if self.item_type and self.item_type not in ITEM_TYPES:
            found["item_type"] = _("Choose an item type from the list.")
        if self.outcome and self.outcome not in {o.value for o in Outcome}:
            found["outcome"] = _("Choose an outcome from the list.")
        if self.item_id is not None and not 0 < self.item_id < 2**31:
            found["item_id"] = _("Enter the number of an item.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            found["date_to"] = _("The end date is before the start date.")
        return found

    def as_details(self) -> dict[str, str]:
        """The filters set, as the trail records them with an export."""
        return {key: str(value) for key, value in vars(self).items() if value not in ("", None, False)}


@dataclass
class ReportRow:
    """One line of the report, ready to show."""

    id: int
    at: datetime
    person: str
    party: str  # the reader's party code ("" when unknown)
    action: str
    kind: str
    what: str  # the action in the reader's words
    item_type: str
    item_id: str
    title: str | None  # None: the item is gone or the viewer may not read it
    handling_code: str | None
    outcome: str

    @property
    def item_label(self) -> str:
        """The item as shown: its title, or "#id"."""
        return self.title if self.title else f"#{self.item_id}"


@dataclass
class Summary:
    """Counts by reader party and kind for the filtered rows."""

    parties: list[str] = field(default_factory=list)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    kinds: tuple[str, ...] = tuple(KINDS)

    def count(self, party: str, kind: str) -> int:
        """How many rows of that party and kind."""
        return self.counts.get((party, kind), 0)

    def total(self, party: str) -> int:
        """How many rows of that party."""
        return sum(self.count(party, kind) for kind in self.kinds)


def party_by_code(code: str) -> Party | None:
    """The party of a code (any case), or None."""
    return db.session.scalar(select(Party).where(Party.code == code.strip().upper()[:12]))


def require_report(viewer: Account, party: Party | None) -> Party:
    """The party whose report the viewer may read: 404 for an unknown party, 403 when the rule refuses."""
    permissions.check(party is not None, action="handling.report", target_type="party", hide=True)
    assert party is not None
    permissions.require(viewer, "handling.report", party.id, action="handling.report", target_type="party",
                        target_id=party.id, target_party_id=party.id)
    return party


def _where(party: Party, filters: ReportFilter) -> list[Any]:
    problems = filters.problems()
    if problems:
        raise ValidationError(next(iter(problems.values())), fields=problems)
    actions = KINDS[filters.kind] if filters.kind else tuple(ACTIONS)
    clauses: list[Any] = [AuditEvent.target_party_id == party.id, AuditEvent.action.in_(actions)]
    if not filters.include_own:
        clauses.append(or_(AuditEvent.actor_party_id.is_(None), AuditEvent.actor_party_id != party.id))
    if filters.reader_party:
        reader = party_by_code(filters.reader_party)
        if reader is None:
            raise ValidationError(_("No party has this code."), fields={"reader": "unknown"})
        clauses.append(AuditEvent.actor_party_id == reader.id)
    if filters.person:
        clauses.append(AuditEvent.actor_label.ilike(f"%{audit._like(filters.person)}%", escape="\\"))
    if filters.item_type:
        clauses.append(AuditEvent.target_type == filters.item_type)
    if filters.item_id is not None:
        clauses.append(AuditEvent.target_id == str(filters.item_id))
    if filters.outcome:
        clauses.append(AuditEvent.outcome == Outcome(filters.outcome))
    if filters.date_from:
        clauses.append(AuditEvent.at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        clauses.append(AuditEvent.at < datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC))
    return clauses


def rows_query(viewer: Account, party: Party, filters: ReportFilter) -> Select[tuple[AuditEvent]]:
    """The trail rows of the report, newest first (403/404 as :func:`require_report`; 422 for bad filters)."""
    require_report(viewer, party)
    return select(AuditEvent).where(*_where(party, filters)).order_by(AuditEvent.id.desc())


def summary(viewer: Account, party: Party, filters: ReportFilter) -> Summary:
    """Counts by reader party and kind of the filtered rows, in one grouped query."""
    require_report(viewer, party)
    # Grouped by action (not by a CASE of the kinds: PostgreSQL would not match the CASE's parameters in the
    # GROUP BY to those of the SELECT); the few actions fold into their kinds here.
    query = (select(Party.code, AuditEvent.action, func.count())
             .select_from(AuditEvent).outerjoin(Party, Party.id == AuditEvent.actor_party_id)
             .where(*_where(party, filters)).group_by(Party.code, AuditEvent.action))
    result = Summary()
    for code, action, count in db.session.execute(query):
        key = (code or "", ACTIONS[action])
        result.counts[key] = result.counts.get(key, 0) + count
    result.parties = sorted({code for code, _kind in result.counts})
    return result


def _titles(viewer: Account, events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """The titles of the page's items the viewer may read: one query per item type."""
    wanted: dict[str, set[int]] = {kind: set() for kind in ITEM_TYPES}
    for event in events:
        if event.target_type in wanted and event.target_id.isdigit() and int(event.target_id) < 2**31:
            wanted[event.target_type].add(int(event.target_id))
    titles: dict[tuple[str, str], str] = {}
    loaders: dict[str, Any] = {
        "alert": (select(Alert).options(selectinload(Alert.infos)), Alert.id,
                  lambda a: a.infos[0].headline if a.infos else a.identifier),
        "document": (select(Document), Document.id, lambda d: d.title),
        "thread": (select(Thread), Thread.id, lambda t: t.title),
    }
    for kind, ids in wanted.items():
        if not ids:
            continue
        query, key, title_of = loaders[kind]
        for item in db.session.scalars(query.where(key.in_(ids))):
            if can_read_item(viewer, item):
                titles[(kind, str(item.id))] = title_of(item)
    return titles


def _code_of(details: dict[str, Any]) -> str | None:
    code = details.get("handling_code")
    if code is None and isinstance(details.get("to"), dict):  # a marking change: the code it was given
        code = details["to"].get("handling_code")
    return str(code) if code else None


def present(viewer: Account, events: list[AuditEvent]) -> list[ReportRow]:
    """A page of trail rows as report lines (the item titles looked up once for the page)."""
    titles = _titles(viewer, events)
    codes = dict(db.session.execute(select(Party.id, Party.code)).all())
    return [ReportRow(id=e.id, at=e.at, person=e.actor_label, party=codes.get(e.actor_party_id, ""),
                      action=e.action, kind=ACTIONS.get(e.action, ""), what=str(ACTION_LABELS.get(e.action, e.action)),
                      item_type=e.target_type, item_id=e.target_id, title=titles.get((e.target_type, e.target_id)),
                      handling_code=_code_of(e.details or {}), outcome=str(e.outcome.value))
            for e in events]


CSV_COLUMNS = ["id", "at", "when", "person", "party", "kind", "action", "what", "item_type", "item_id", "item",
               "handling_code", "outcome"]


def export_csv(viewer: Account, party: Party, filters: ReportFilter) -> Iterator[str]:
    """The filtered report as CSV lines, streamed a batch of rows at a time; the export itself is recorded.
    People's names and addresses leave the platform: a fresh sign-in is asked, as for the audit export."""
    query = rows_query(viewer, party, filters)
    permissions.require_fresh_sign_in(viewer)
    audit.record_now(viewer, "report.export", target_type="party", target_id=party.id, target_party_id=party.id,
                     details=filters.as_details())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    last_id: int | None = None
    with read_transaction():  # the batches read one snapshot
        while True:  # keyset batches on (target_party_id, id); the titles looked up once a batch
            batch_query = query if last_id is None else query.where(AuditEvent.id < last_id)
            rows = present(viewer, list(db.session.scalars(batch_query.limit(500))))
            if not rows:
                return
            yield _csv_lines(writer, buffer, rows)
            last_id = rows[-1].id


def _csv_lines(writer: Any, buffer: io.StringIO, rows: list[ReportRow]) -> str:
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([csv_cell(v) for v in (
            row.id, row.at.replace(tzinfo=row.at.tzinfo or UTC).isoformat(), timefmt.show(row.at,
            "datetime_seconds"), row.person, row.party, row.kind, row.action, row.what, row.item_type,
            row.item_id, row.item_label, row.handling_code or "", row.outcome)])
    return buffer.getvalue()

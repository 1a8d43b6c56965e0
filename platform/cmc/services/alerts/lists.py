"""Lists of alerts: active and history, drafts to look at, the pages of ``alerts:sync`` that bring a client
back up to date, and the alerts a party has not acknowledged yet."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from cmc import permissions
from cmc.extensions import db
from cmc.models import (
    Account,
    Alert,
    AlertInfo,
    AlertReceipt,
    AlertState,
    CapStatus,
    HandlingCode,
    MsgType,
    Network,
)
from cmc.models.alert import SEVERITIES
from cmc.models.types import utcnow
from cmc.services.alerts import json_rows, rows
from cmc.services.alerts.access import live_json, readable
from cmc.services.alerts.rows import asked_to_acknowledge

SYNC_LIMIT = 500  # alerts per page of alerts:sync
SYNC_PAGE_BYTES = 512 * 1024  # and at most about this much JSON per page


def active_clause() -> Any:
    """SQL: an alert that is current (not superseded, not cancelled, not a Cancel) and not expired, which
    ``active_until`` records (an indexed range, so the cost follows the current alerts, not the history)."""
    return Alert.active_until > utcnow()


def _with_list_data(query: Select[tuple[Alert]]) -> Select[tuple[Alert]]:
    """Load what a list row shows (infos, network, party) with the alerts: a fixed number of statements
    whatever the page holds."""
    return query.options(selectinload(Alert.infos), joinedload(Alert.network), joinedload(Alert.party))


#: What the ``active`` filter of the lists and the API may ask: every alert, the current ones, those that ended
#: (expired or updated, not cancelled), the cancelled ones; ``inactive`` (every alert no longer current: the
#: history, and the API's ``active=false``) is not offered by the page's form.
WHEN = ("all", "active", "expired", "cancelled", "inactive")
#: The ``active`` choices a person picks on the page.
WHEN_CHOICES = ("all", "active", "expired", "cancelled")
#: What the API's ``active`` takes: the page's choices, and true/1 and false/0 as before.
WHEN_WORDS = {"true": "active", "1": "active", "false": "inactive", "0": "inactive",
              **{when: when for when in WHEN_CHOICES}}
#: The CAP statuses a list may be filtered by.
FILTER_STATUSES = tuple(s.value for s in CapStatus)
#: The handling codes a list may be filtered by.
FILTER_HANDLING = tuple(code.value for code in HandlingCode)


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts a list shows, beyond what the reader may read: all filters combine (AND).

    ``when``: one of :data:`WHEN`; ``waiting``: only active alerts the reader's party has not acknowledged
    (as the navigation's count); ``handling``: one of :data:`FILTER_HANDLING`."""

    network: Network | None = None
    severity: str = ""
    status: str = ""
    when: str = "all"
    waiting: bool = False
    since: datetime | None = None
    handling: str = ""  # a handling code (H0-H3)


def _cancelled() -> Any:
    """SQL: a cancelled alert, or a Cancel message."""
    return or_(Alert.cancelled_at.is_not(None), Alert.msg_type == MsgType.CANCEL)


def _when_clause(when: str) -> Any:
    """SQL for a value of :data:`WHEN` (None: no condition)."""
    if when == "active":
        return active_clause()
    if when == "inactive":
        return ~active_clause()
    if when == "expired":
        return and_(~active_clause(), ~_cancelled())
    if when == "cancelled":
        return _cancelled()
    return None


def _filtered(query: Select[Any], actor: Account, filters: AlertFilter) -> Select[Any]:
    """``query`` (alerts, or a list's row columns) narrowed to published alerts the actor may read, newest first,
    filtered (an unknown severity, status, handling code or ``when`` filters nothing: callers check what people
    send)."""
    query = query.where(readable(actor)).order_by(Alert.id.desc())
    if filters.network is not None:
        query = query.where(Alert.network_id == filters.network.id)
    when = _when_clause(filters.when)
    if when is not None:
        query = query.where(when)
    if filters.waiting:
        query = query.where(active_clause(), _not_acknowledged_by(actor.party_id))
    if filters.severity in SEVERITIES:
        query = query.where(exists().where(AlertInfo.alert_id == Alert.id, AlertInfo.severity == filters.severity))
    if filters.status in {s.value for s in CapStatus}:
        query = query.where(Alert.status == CapStatus(filters.status))
    if filters.since is not None:
        query = query.where(Alert.published_at >= filters.since)
    if filters.handling in FILTER_HANDLING:
        query = query.where(Alert.handling_code == HandlingCode(filters.handling))
    return query


def _legacy(network: Network | None, active: bool | None, severity: str = "", status: str = "",
            since: datetime | None = None) -> AlertFilter:
    """The keyword filters of the older callers (``active=True/False``) as an :class:`AlertFilter`."""
    when = "all" if active is None else ("active" if active else "inactive")
    return AlertFilter(network=network, severity=severity, status=status, when=when, since=since)


def list_query(actor: Account, *, network: Network | None = None, active: bool | None = None,
               severity: str = "", status: str = "", since: datetime | None = None,
               filters: AlertFilter | None = None) -> Select[tuple[Alert]]:
    """Published alerts the actor may read, newest first, filtered (by ``filters`` when given, else by the
    keywords)."""
    filters = filters or _legacy(network, active, severity, status, since)
    return _with_list_data(_filtered(select(Alert), actor, filters))


def list_rows_query(actor: Account, *, network: Network | None = None, active: bool | None = None,
                    filters: AlertFilter | None = None) -> Select[Any]:
    """``list_query``'s alerts as list rows (``rows.ROW_SELECT``; run it with ``rows.load_rows``)."""
    return _filtered(rows.ROW_SELECT, actor, filters or _legacy(network, active))


def api_rows_query(actor: Account, *, network: Network | None = None, active: bool | None = None,
                   severity: str = "", status: str = "", since: datetime | None = None,
                   filters: AlertFilter | None = None) -> Select[Any]:
    """``list_query``'s alerts with every column the API shows (``json_rows.API_SELECT``; run it with
    ``json_rows.load_json_rows``)."""
    return _filtered(json_rows.API_SELECT, actor, filters or _legacy(network, active, severity, status, since))


def _drafts(query: Select[Any], actor: Account, network: Network) -> Select[Any]:
    unpublished = [state for state in AlertState if state != AlertState.PUBLISHED]  # IN: an index range per state
    query = query.where(Alert.network_id == network.id, Alert.state.in_(unpublished))
    if not permissions.can(actor, "network.moderate", network):
        query = query.where(Alert.author_id == actor.id)
    return query.order_by(Alert.id.desc())


def drafts_query(actor: Account, network: Network) -> Select[tuple[Alert]]:
    """Drafts a coordinator must look at, or the actor's own drafts."""
    return _with_list_data(_drafts(select(Alert), actor, network))


def drafts_rows_query(actor: Account, network: Network) -> Select[Any]:
    """``drafts_query``'s alerts as list rows (run it with ``rows.load_rows``)."""
    return _drafts(rows.ROW_SELECT, actor, network)


@dataclass
class SyncPage:
    """One answer of ``alerts:sync``: the next alerts after the cursor, oldest first, and whether more wait."""

    alerts: list[dict[str, Any]]
    has_more: bool
    next_after_id: int

    def as_json(self) -> dict[str, Any]:
        """The answer as the socket event sends it."""
        return {"alerts": self.alerts, "has_more": self.has_more, "next_after_id": self.next_after_id}


def _after(actor: Account, after_id: int) -> Any:
    """SQL: published after the alert ``after_id`` in publication order (published_at, then id). A draft
    keeps the id it was written with and is published when approved, so an id order would leave it behind
    a cursor that moved on meanwhile. An unknown cursor, or one the actor may not read, falls back to ids."""
    cursor = db.session.execute(select(Alert.published_at, Alert.id).where(Alert.id == after_id,
                                                                          readable(actor))).first()
    if cursor is None or cursor.published_at is None:
        return Alert.id > after_id
    return or_(Alert.published_at > cursor.published_at,
               and_(Alert.published_at == cursor.published_at, Alert.id > cursor.id))


def sync(actor: Account, after_id: int, *, limit: int = SYNC_LIMIT, max_bytes: int = SYNC_PAGE_BYTES) -> SyncPage:
    """The published alerts the actor may read that were published after the alert ``after_id`` (0: all),
    in publication order, one page at a time.

    A page holds at most ``limit`` alerts and stops early once its alerts take ``max_bytes`` of JSON (always
    at least one alert): a page of 500 alerts with long descriptions would otherwise be megabytes in one
    socket message. ``has_more`` says that more alerts wait; ask again with ``after_id=next_after_id`` until
    it is false. (A page cut silently at 500 left every alert between the cut and the next live one out of
    reach of a client back from a long outage.)
    """
    query = (select(Alert).where(readable(actor), _after(actor, after_id))
             .order_by(Alert.published_at, Alert.id).limit(limit + 1)
             .options(selectinload(Alert.infos), joinedload(Alert.network), joinedload(Alert.party),
                      joinedload(Alert.author)))
    rows = list(db.session.scalars(query))
    page: list[dict[str, Any]] = []
    size = 0
    for alert in rows[:limit]:
        payload = live_json(alert)
        size += len(json.dumps(payload, ensure_ascii=False))
        if page and size > max_bytes:
            break
        page.append(payload)
    has_more = len(page) < len(rows)
    return SyncPage(alerts=page, has_more=has_more, next_after_id=page[-1]["id"] if page else after_id)


def latest_id(actor: Account) -> int:
    """The highest published alert id the actor may read (0 when none)."""
    # Newest first, one row: a backward walk of the primary key stops at the first readable alert, where
    # max() over the same rows read every alert in history (27 ms at 100,000 alerts, on every page).
    return int(db.session.scalar(select(Alert.id).where(readable(actor)).order_by(Alert.id.desc()).limit(1)) or 0)


def _not_acknowledged_by(party_id: int) -> Any:
    """SQL: the party has not acknowledged the alert (a lookup per current alert on the receipts' unique
    index, rather than a list of every alert the party ever acknowledged)."""
    return ~exists().where(AlertReceipt.alert_id == Alert.id, AlertReceipt.party_id == party_id,
                           AlertReceipt.acknowledged_at.is_not(None))


def waiting_clause(actor: Account) -> Any:
    """SQL: an alert waiting for the actor's party to acknowledge it. Active, readable, not acknowledged by the
    party, and one the party is asked to acknowledge: not its own (the sender does not acknowledge its own
    alert), not a Cancel message (nothing to act on), and none at all for a party that is not a member state
    (``asked_to_acknowledge``). Home's "What needs you", the navigation count and the lists agree on it."""
    if not asked_to_acknowledge(actor):
        return false()
    return and_(readable(actor), active_clause(), _not_acknowledged_by(actor.party_id),
                Alert.party_id != actor.party_id, Alert.msg_type != MsgType.CANCEL)


def unacknowledged_query(actor: Account) -> Select[tuple[Alert]]:
    """Alerts waiting for the actor's party (``waiting_clause``), newest first."""
    return _with_list_data(select(Alert).where(waiting_clause(actor)).order_by(Alert.id.desc()))


def unacknowledged_rows_query(actor: Account) -> Select[Any]:
    """``unacknowledged_query``'s alerts as list rows (run it with ``rows.load_rows``)."""
    return rows.ROW_SELECT.where(waiting_clause(actor)).order_by(Alert.id.desc())


def unacknowledged_count(actor: Account) -> int:
    """How many alerts wait for the actor's party (``waiting_clause``)."""
    return int(db.session.scalar(select(func.count()).select_from(Alert).where(waiting_clause(actor))) or 0)

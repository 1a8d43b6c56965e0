"""The navigation's alert badge (alerts my party has not acknowledged, and the newest alert id for the live
client) and the bell's count of unread notifications, cached so that a page does not run its three queries
every time.

The count depends on the alerts (publish, approve, update, cancel), on the party's receipts (acknowledgement),
on the person's memberships and role, and on the clock (an alert whose expiry passes drops out). Each of those
has a generation number: every alert change bumps ``all``, a receipt change bumps its party's, a membership or
account change bumps that account's. A cached badge records the generations it was computed under (read
*before* computing, so a computation racing a change is stored already stale) and is used only while they
are unchanged and the next expiry among the alerts it counts has not passed. Generations are bumped after the
commit, from what the session flushed (and from bulk statements on the alert tables), so no service has to
remember to do it.

Where it is kept: Redis when the deployment has one (``SOCKETIO_MESSAGE_QUEUE``, which every multi-process
deployment needs anyway), so that all page processes see a bump at once; process memory otherwise (the
embedded profile is one process). Keys are prefixed with ``SOCKETIO_CHANNEL``, which deployments sharing a
Redis already keep apart.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from cmc.extensions import db
from cmc.models import Account, Alert, AlertReceipt, Membership, Notification
from cmc.models.types import utcnow
from cmc.services.alerts.lists import latest_id, waiting_clause

log = logging.getLogger("cmc.alerts")

#: Longest a badge is kept even when nothing changes (a bound on any change this module does not see).
MAX_AGE_SECONDS = 300
_MARKS = "cmc_badge_marks"  # session.info: generations to bump when the transaction commits
_EXTENSION = "cmc_badge"


@dataclass(frozen=True)
class Badge:
    """What the navigation shows: alerts waiting for acknowledgement, and the newest readable alert id."""

    waiting: int
    latest_id: int
    unread: int = 0  # the bell: unread notifications the person may still read


class Store(Protocol):
    """Generations and cached badges."""

    def read(self, account_id: int, party_id: int) -> tuple[tuple[int, int, int], str | None]:
        """The generations (all, party, account) and the cached value of the account, in one round trip."""

    def write(self, account_id: int, value: str, ttl: int) -> None:
        """Keep ``value`` for ``ttl`` seconds."""

    def bump(self, keys: set[str]) -> None:
        """Increment the generations named (``all``, ``party:N``, ``account:N``)."""


class MemoryStore:
    """One process's memory (the embedded profile)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generations: dict[str, int] = {}
        self._values: dict[int, tuple[str, float]] = {}

    def read(self, account_id: int, party_id: int) -> tuple[tuple[int, int, int], str | None]:
        """See :class:`Store`."""
        gens = self._generations
        found = self._values.get(account_id)
        value = found[0] if found is not None and found[1] > time.monotonic() else None
        return (gens.get("all", 0), gens.get(f"party:{party_id}", 0), gens.get(f"account:{account_id}", 0)), value

    def write(self, account_id: int, value: str, ttl: int) -> None:
        """See :class:`Store`."""
        self._values[account_id] = (value, time.monotonic() + ttl)

    def bump(self, keys: set[str]) -> None:
        """See :class:`Store`."""
        with self._lock:
            for key in keys:
                self._generations[key] = self._generations.get(key, 0) + 1


class RedisStore:
    """Redis, shared by every process of the deployment."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = f"{prefix}:badge:"

    def read(self, account_id: int, party_id: int) -> tuple[tuple[int, int, int], str | None]:
        """See :class:`Store`."""
        p = self._prefix
        found = self._redis.mget([f"{p}all", f"{p}party:{party_id}", f"{p}account:{account_id}",
                                  f"{p}value:{account_id}"])
        gens = tuple(int(v) if v is not None else 0 for v in found[:3])
        return (gens[0], gens[1], gens[2]), found[3].decode() if found[3] is not None else None

    def write(self, account_id: int, value: str, ttl: int) -> None:
        """See :class:`Store`."""
        self._redis.set(f"{self._prefix}value:{account_id}", value, ex=ttl)

    def bump(self, keys: set[str]) -> None:
        """See :class:`Store`."""
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.incr(f"{self._prefix}{key}")
        pipe.execute()


def install(app: Flask) -> None:
    """Choose the app's store (see the module's docstring)."""
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if queue.startswith(("redis://", "rediss://", "unix://")):
        app.extensions[_EXTENSION] = RedisStore(queue, app.config.get("SOCKETIO_CHANNEL") or "cmc")
    else:
        app.extensions[_EXTENSION] = MemoryStore()


def _store() -> Store:
    return current_app.extensions[_EXTENSION]  # type: ignore[no-any-return]


def navigation_badge(actor: Account) -> Badge:
    """The actor's badge: from the cache while nothing it depends on changed, else computed and kept."""
    store = _store()
    try:
        gens, value = store.read(actor.id, actor.party_id)
    except Exception:  # Redis unreachable: the page still shows the right count, from the database
        log.warning("the alert badge cache cannot be read; counting in the database", exc_info=True)
        return _compute(actor)[0]
    stamp = ":".join(map(str, gens))
    if value is not None:
        kept_stamp, waiting, latest, unread = value.rsplit(":", 3)
        if kept_stamp == stamp:
            return Badge(int(waiting), int(latest), int(unread))
    badge, next_expiry = _compute(actor)
    ttl = MAX_AGE_SECONDS
    if next_expiry is not None:
        # The first counted alert to expire leaves the count then: the badge must not outlive it.
        ttl = min(ttl, int((_aware(next_expiry) - _aware(utcnow())).total_seconds()))
    if ttl > 0:
        try:
            store.write(actor.id, f"{stamp}:{badge.waiting}:{badge.latest_id}:{badge.unread}", ttl)
        except Exception:  # not kept this time; the next page counts again
            log.warning("the alert badge cache cannot be written", exc_info=True)
    return badge


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compute(actor: Account) -> tuple[Badge, datetime | None]:
    """The count and the next expiry among the counted alerts in one statement, the newest id, and the unread
    notifications."""
    from cmc.services.notifications import unread_count

    waiting, next_expiry = db.session.execute(
        select(func.count(), func.min(Alert.active_until)).select_from(Alert)
        .where(waiting_clause(actor))).one()
    return Badge(int(waiting or 0), latest_id(actor), unread_count(actor)), next_expiry


# --- invalidation: generations bumped after the commit of what changed ---------------------------------------

def _mark(session: Session, key: str) -> None:
    session.info.setdefault(_MARKS, set()).add(key)


def account_changed(account_id: int) -> None:
    """Tell the cache, at the commit of the current transaction, that one person's count changed (their
    notifications were marked read by a bulk statement)."""
    _mark(db.session(), f"account:{account_id}")


def _after_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Notification):
            _mark(session, f"account:{obj.account_id}")
        elif isinstance(obj, Alert):
            _mark(session, "all")
        elif isinstance(obj, AlertReceipt):
            # Deliveries and openings (every live client's sync writes them) change no count.
            if obj in session.dirty and not inspect(obj).attrs.acknowledged_at.history.has_changes():
                continue
            _mark(session, f"party:{obj.party_id}")
        elif isinstance(obj, (Membership, Account)):
            _mark(session, f"account:{obj.account_id if isinstance(obj, Membership) else obj.id}")


def _bulk_statement(state: ORMExecuteState) -> None:
    """``update(Alert)...`` and the like bypass the flush: any of them counts as a change of every badge."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    entity = state.bind_mapper.class_ if state.bind_mapper is not None else None
    if entity is AlertReceipt and state.is_update and _sets_only(state.statement, {"delivered_at", "opened_at"}):
        return  # a delivery or an opening marked
    if entity is Notification and state.is_update:
        return  # marking read: the service names the person (``account_changed``)
    if entity in (Alert, AlertReceipt, Membership, Notification):
        _mark(state.session, "all")


def _sets_only(statement: Any, columns: set[str]) -> bool:
    """Whether an UPDATE sets nothing but ``columns`` (False when that cannot be told)."""
    values = getattr(statement, "_values", None)
    return bool(values) and {getattr(key, "key", key) for key in values} <= columns


def _after_commit(session: Session) -> None:
    marks = session.info.pop(_MARKS, None)
    if marks and has_app_context() and _EXTENSION in current_app.extensions:
        try:
            _store().bump(marks)
        except Exception:  # the change is committed; badges catch up within MAX_AGE_SECONDS at most
            log.exception("the alert badge cache could not be told of a change")


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_MARKS, None)


def listen(session_class: type[Session]) -> None:
    """Attach the invalidation to the session class (once per process)."""
    if event.contains(session_class, "after_commit", _after_commit):
        return
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "do_orm_execute", _bulk_statement)
    event.listen(session_class, "after_commit", _after_commit)
    event.listen(session_class, "after_rollback", _forget)

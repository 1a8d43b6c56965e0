"""Socket.IO: authentication at connect, server-chosen rooms, and inbound events.

A refused inbound event answers ``{"ok": false, "error": ..., "message": ...}``: ``error`` for programs (stable),
``message`` for people, in the language of the account the connection acts for.

``register_handlers`` is called by ``create_app`` after ``socketio.init_app``: handlers registered at
import time would outlive the app they were meant for.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import request, session
from flask_babel import gettext as _
from flask_socketio import SocketIO, join_room
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from cmc.extensions import db
from cmc.incidents import log_incident
from cmc.models import Outcome
from cmc.models.types import MAX_ID
from cmc.services import alerts, audit, auth, mfa, networks
from cmc.services.errors import DeniedError, ServiceError

log = logging.getLogger("cmc.realtime")

#: Inbound events and who may send them; the access-control proof reads this table.
EVENTS: dict[str, str] = {
    "ping:server": "signed_in",
    "alerts:sync": "signed_in",
    "alert:ack": "member of the alert's network",
    "alert:received": "member of the alert's network",
    "alert:opened": "member of the alert's network",
}

#: Inbound events a connection may send per window before it is refused (a flood must not stall the server).
RATE_LIMIT = 30
RATE_WINDOW = 10.0
_buckets: dict[str, tuple[float, float]] = {}


def _allowed(sid: str) -> bool:
    """A token bucket per connection: RATE_LIMIT events per RATE_WINDOW seconds."""
    now = time.monotonic()
    tokens, last = _buckets.get(sid, (float(RATE_LIMIT), now))
    tokens = min(float(RATE_LIMIT), tokens + (now - last) * RATE_LIMIT / RATE_WINDOW)
    if tokens < 1:
        _buckets[sid] = (tokens, now)
        return False
    _buckets[sid] = (tokens - 1, now)
    return True


def _alert_id(data: Any, key: str = "id") -> int | None:
    value = data.get(key) if isinstance(data, dict) else None
    # 0 (sync from the start) or an id the database can hold; a larger number would fail in the query.
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID else None


def _alert_ids(data: Any) -> list[int] | None:
    """The ``ids`` of a page confirmation: 1 to SYNC_LIMIT alert numbers (None when anything else)."""
    values = data.get("ids") if isinstance(data, dict) else None
    if not isinstance(values, list) or not 1 <= len(values) <= alerts.SYNC_LIMIT:
        return None
    ids = [alert_id for value in values if (alert_id := _alert_id({"id": value})) is not None]
    return ids if len(ids) == len(values) else None


def _identify(auth_payload: Any) -> tuple[Any, dict[str, int]]:
    """Who is connecting, from a personal access token or the browser session; refuse otherwise."""
    token = auth_payload.get("token") if isinstance(auth_payload, dict) else None
    if token:
        found = auth.authenticate_token(str(token))
        if found is None:
            raise SocketRefused("unauthenticated: the token is unknown, expired or revoked")
        account, token_row = found
        if mfa.must_enrol(account):
            raise SocketRefused("second factor required: set it up in the platform first")
        return account, {"token": token_row.id}
    live = auth.resume_session(session.get("sk"))
    if live is None:
        raise SocketRefused("unauthenticated: sign in first")
    if mfa.must_enrol(live.account):
        raise SocketRefused("second factor required: set it up in the platform first")
    return live.account, {"session": live.session.id}


def _sender() -> tuple[Any, dict[str, Any] | None]:
    """The account an inbound event acts for, or the answer that refuses the event (gone, or too many)."""
    account = _recheck()
    if account is None:
        return None, {"ok": False, "error": "unauthenticated",
                      "message": _("Your session has ended. Sign in again.")}
    # Checked after the account: each event re-checks the session, a query, so a flood is refused early.
    if not _allowed(request.sid):  # type: ignore[attr-defined]
        return None, {"ok": False, "error": "rate limited: slow down",
                      "message": _("Too many requests at once. Wait a moment and try again.")}
    return account, None


def on_connect(auth_payload: Any = None) -> bool:
    """Authenticate the connection and put it in the rooms the server knows it belongs to."""
    account, via = _identify(auth_payload)
    # Rooms come from the server's own knowledge, never from the client.
    join_room(f"user:{account.id}")
    for kind, ident in via.items():
        join_room(f"{kind}:{ident}")
    for network_id in networks.readable_network_ids(account):
        join_room(f"network:{network_id}")
    session["rt_account_id"] = account.id
    session["rt_via"] = via
    alerts.connection_opened(request.sid, account.id, session_id=via.get("session"),  # type: ignore[attr-defined]
                             token_id=via.get("token"))
    log.debug("connect sid=%s account=%s", request.sid, account.id)  # type: ignore[attr-defined]
    return True


def on_disconnect(*_args: Any) -> None:
    """Forget the connection's rate bucket and its live-connection row."""
    sid = request.sid  # type: ignore[attr-defined]
    _buckets.pop(sid, None)
    alerts.connection_closed(sid)


def on_sync(data: Any = None) -> dict[str, Any]:
    """One page of the alerts published after ``after_id``."""
    account, refusal = _sender()
    if refusal is not None:
        return refusal
    after_id = _alert_id(data, "after_id")
    if after_id is None:
        return {"ok": False, "error": "after_id must be a whole number, 0 or more",
                "message": _("The request was not understood. Reload the page.")}
    # One page; the client asks again from next_after_id while has_more is true.
    return {"ok": True, **alerts.sync(account, after_id).as_json()}


def _alert_event(data: Any, action: Any, *, many: bool = False) -> dict[str, Any]:
    """Run ``action(account, id or ids)`` for an alert event; a refusal is rolled back (and audited if denied)."""
    account, refusal = _sender()
    if refusal is not None:
        return refusal
    target: int | list[int] | None = _alert_ids(data) if many else _alert_id(data)
    if target is None:
        return {"ok": False, "error": f"ids must be a list of 1 to {alerts.SYNC_LIMIT} alert numbers" if many
                else "id must be the number of an alert",
                "message": _("The request was not understood. Reload the page.")}
    try:
        action(account, target)
    except DeniedError as exc:
        db.session.rollback()
        audit.record_now(account, exc.action or "socket.denied", target_type=exc.target_type or "alert",
                         target_id=exc.target_id, target_party_id=exc.target_party_id, outcome=Outcome.DENIED,
                         details={"event": event_name(), "status": exc.status})
        return {"ok": False, "error": exc.message, "message": exc.message}
    except ServiceError as exc:
        db.session.rollback()
        return {"ok": False, "error": exc.message, "message": exc.message}
    return {"ok": True}


def on_ack(data: Any = None) -> dict[str, Any]:
    """Acknowledge an alert for the account's party."""
    return _alert_event(data, alerts.acknowledge)


def on_received(data: Any = None) -> dict[str, Any]:
    """Confirm that an alert (or a page of ``alerts:sync``) reached this device."""
    if isinstance(data, dict) and "ids" in data:
        # A page of alerts:sync confirmed at once: one event against the rate limit, not hundreds.
        return _alert_event(data, alerts.mark_delivered, many=True)
    return _alert_event(data, lambda account, alert_id: alerts.mark(account, alert_id, "delivered"))


def on_opened(data: Any = None) -> dict[str, Any]:
    """Record that the person opened an alert."""
    return _alert_event(data, lambda account, alert_id: alerts.mark(account, alert_id, "opened"))


def on_ping(_data: Any = None) -> dict[str, Any]:
    """Answer who the connection still acts for (each ping re-checks the session)."""
    account, refusal = _sender()
    if refusal is not None:
        return refusal
    return {"ok": True, "account_id": account.id}


def on_error(exc: BaseException) -> dict[str, Any]:
    """A handler failed: roll back, log an incident, answer its id."""
    db.session.rollback()
    incident = log_incident(log, "socket event %s failed", event_name(), exc_info=exc)
    return {"ok": False, "error": "internal error", "incident": incident,
            "message": _("Something went wrong (incident %(incident)s). Try again in a moment.", incident=incident)}


#: Socket.IO event -> its handler (``EVENTS`` says who may send the inbound ones).
HANDLERS = {
    "connect": on_connect,
    "disconnect": on_disconnect,
    "alerts:sync": on_sync,
    "alert:ack": on_ack,
    "alert:received": on_received,
    "alert:opened": on_opened,
    "ping:server": on_ping,
}


def register_handlers(socketio: SocketIO) -> None:
    """Bind the connect handler and inbound events to the freshly initialised ``socketio``."""
    for event, handler in HANDLERS.items():
        socketio.on(event)(handler)
    socketio.on_error_default(on_error)


def _recheck() -> Any:
    """The account this connection still acts for, re-checked for every inbound event (None if gone)."""
    via = session.get("rt_via") or {}
    account = auth.live_account(session_id=via.get("session"), token_id=via.get("token"))
    if account is not None and mfa.must_enrol(account):
        return None
    return account


def event_name() -> str:
    """The name of the inbound event being handled (for the audit trail)."""
    event = getattr(request, "event", None)  # Flask-SocketIO sets {"message": name, "args": ...}
    return str(event.get("message", "")) if isinstance(event, dict) else ""

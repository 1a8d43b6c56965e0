"""The only module that emits Socket.IO events or drops live connections.

Services call these after their transaction has committed. Rooms are named by the server:
``user:<id>``, ``session:<id>``, ``token:<id>`` (and later ``network:<id>``).
"""

from __future__ import annotations

import logging

from flask import current_app

from cmc.extensions import db, socketio
from cmc.models import LiveConnection

log = logging.getLogger("cmc.realtime")
NAMESPACE = "/"


def _socketio_ready() -> bool:
    return "socketio" in current_app.extensions and socketio.server is not None


def _sids(room: str, **owner: int) -> set[str]:
    """The connections in ``room``: those of this process, and, from the table of live connections, those
    held by other processes (python-socketio forwards a disconnect or room change for a sid it does not hold
    to its owner through the message queue)."""
    local = {sid for sid, _eio in socketio.server.manager.get_participants(NAMESPACE, room)}
    query = db.select(LiveConnection.sid)
    for column, value in owner.items():
        query = query.where(getattr(LiveConnection, column) == value)
    return local | set(db.session.scalars(query))


def _disconnect_room(room: str, **owner: int) -> int:
    """Disconnect every connection in ``room``, in any process; return how many were asked to drop."""
    if not _socketio_ready():
        return 0
    sids = _sids(room, **owner)
    for sid in sids:
        socketio.server.disconnect(sid, namespace=NAMESPACE)
    if sids:
        log.info("dropped %d live connection(s) of %s", len(sids), room)
    return len(sids)


def disconnect_session(session_id: int) -> None:
    """Drop the live connections opened with one browser session."""
    _disconnect_room(f"session:{session_id}", session_id=session_id)


def disconnect_sessions(session_ids: list[int]) -> None:
    """Drop the live connections of several sessions."""
    for session_id in session_ids:
        disconnect_session(session_id)


def disconnect_token(token_id: int) -> None:
    """Drop the live connections opened with one personal access token."""
    _disconnect_room(f"token:{token_id}", token_id=token_id)


def disconnect_account(account_id: int) -> None:
    """Drop every live connection of an account (deactivation, role change)."""
    _disconnect_room(f"user:{account_id}", account_id=account_id)


def to_user(account_id: int, event: str, payload: dict[str, object]) -> None:
    """Send one event to every live connection of one account."""
    if _socketio_ready():
        socketio.emit(event, payload, to=f"user:{account_id}", namespace=NAMESPACE)


def to_network(network_id: int, event: str, payload: dict[str, object]) -> None:
    """Send one event to every live connection that may read the network."""
    if _socketio_ready():
        socketio.emit(event, payload, to=f"network:{network_id}", namespace=NAMESPACE)


def _user_sids(account_id: int) -> set[str]:
    return _sids(f"user:{account_id}", account_id=account_id)


def join_network(account_id: int, network_id: int) -> None:
    """Put the account's live connections in the network's room (it has just become a member)."""
    if not _socketio_ready():
        return
    for sid in _user_sids(account_id):
        socketio.server.enter_room(sid, f"network:{network_id}", namespace=NAMESPACE)


def leave_network(account_id: int, network_id: int) -> None:
    """Take the account's live connections out of the network's room (it has just lost access)."""
    if not _socketio_ready():
        return
    for sid in _user_sids(account_id):
        socketio.server.leave_room(sid, f"network:{network_id}", namespace=NAMESPACE)

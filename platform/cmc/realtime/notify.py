"""The only module that emits Socket.IO events or drops live connections.

Services call these after their transaction has committed. Rooms are named by the server:
``user:<id>``, ``session:<id>``, ``token:<id>`` (and later ``network:<id>``).
"""

from __future__ import annotations

import logging

from flask import current_app

from cmc.extensions import socketio

log = logging.getLogger("cmc.realtime")
NAMESPACE = "/"


def _socketio_ready() -> bool:
    return "socketio" in current_app.extensions and socketio.server is not None


def _disconnect_room(room: str) -> int:
    """Disconnect every connection of this process in ``room``; return how many were dropped."""
    if not _socketio_ready():
        return 0
    server = socketio.server
    sids = [sid for sid, _eio in server.manager.get_participants(NAMESPACE, room)]
    for sid in sids:
        server.disconnect(sid, namespace=NAMESPACE)
    if sids:
        log.info("dropped %d live connection(s) of %s", len(sids), room)
    return len(sids)


def disconnect_session(session_id: int) -> None:
    """Drop the live connections opened with one browser session."""
    _disconnect_room(f"session:{session_id}")


def disconnect_sessions(session_ids: list[int]) -> None:
    """Drop the live connections of several sessions."""
    for session_id in session_ids:
        disconnect_session(session_id)


def disconnect_token(token_id: int) -> None:
    """Drop the live connections opened with one personal access token."""
    _disconnect_room(f"token:{token_id}")


def disconnect_account(account_id: int) -> None:
    """Drop every live connection of an account (deactivation, role change)."""
    _disconnect_room(f"user:{account_id}")


def to_user(account_id: int, event: str, payload: dict[str, object]) -> None:
    """Send one event to every live connection of one account."""
    if _socketio_ready():
        socketio.emit(event, payload, to=f"user:{account_id}", namespace=NAMESPACE)


def to_network(network_id: int, event: str, payload: dict[str, object]) -> None:
    """Send one event to every live connection that may read the network."""
    if _socketio_ready():
        socketio.emit(event, payload, to=f"network:{network_id}", namespace=NAMESPACE)


def _user_sids(account_id: int) -> list[str]:
    return [sid for sid, _eio in socketio.server.manager.get_participants(NAMESPACE, f"user:{account_id}")]


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

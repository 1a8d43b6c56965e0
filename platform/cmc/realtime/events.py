"""Socket.IO: authentication at connect, server-chosen rooms, and inbound events.

``register_handlers`` is called by ``create_app`` after ``socketio.init_app``: handlers registered at
import time would outlive the app they were meant for.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request, session
from flask_socketio import SocketIO, join_room
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from cmc.services import auth, networks

log = logging.getLogger("cmc.realtime")

#: Inbound events and who may send them; the access-control proof reads this table.
EVENTS: dict[str, str] = {
    "ping:server": "signed_in",
}


def _identify(auth_payload: Any) -> tuple[Any, dict[str, int]]:
    """Who is connecting, from a personal access token or the browser session; refuse otherwise."""
    token = auth_payload.get("token") if isinstance(auth_payload, dict) else None
    if token:
        found = auth.authenticate_token(str(token))
        if found is None:
            raise SocketRefused("unauthenticated: the token is unknown, expired or revoked")
        account, token_row = found
        return account, {"token": token_row.id}
    live = auth.resume_session(session.get("sk"))
    if live is None:
        raise SocketRefused("unauthenticated: sign in first")
    return live.account, {"session": live.session.id}


def register_handlers(socketio: SocketIO) -> None:
    """Bind the connect handler and inbound events to the freshly initialised ``socketio``."""

    @socketio.on("connect")
    def on_connect(auth_payload: Any = None) -> bool:
        account, via = _identify(auth_payload)
        # Rooms come from the server's own knowledge, never from the client.
        join_room(f"user:{account.id}")
        for kind, ident in via.items():
            join_room(f"{kind}:{ident}")
        for network_id in networks.readable_network_ids(account):
            join_room(f"network:{network_id}")
        session["rt_account_id"] = account.id
        session["rt_via"] = via
        log.debug("connect sid=%s account=%s", request.sid, account.id)  # type: ignore[attr-defined]
        return True

    @socketio.on("ping:server")
    def on_ping(_data: Any = None) -> dict[str, Any]:
        account = _recheck()
        if account is None:
            return {"ok": False, "error": "unauthenticated"}
        return {"ok": True, "account_id": account.id}

    @socketio.on_error_default
    def on_error(exc: BaseException) -> dict[str, Any]:
        log.exception("socket event failed", exc_info=exc)
        return {"ok": False, "error": "internal error"}


def _recheck() -> Any:
    """The account this connection still acts for, re-checked for every inbound event (None if gone)."""
    via = session.get("rt_via") or {}
    return auth.live_account(session_id=via.get("session"), token_id=via.get("token"))

"""The embedded server: gevent's WSGI server with gevent-websocket, as Flask-SocketIO would start it,
plus an origin check *before* the websocket upgrade.

gevent-websocket answers ``101 Switching Protocols`` before the application sees the request, so the
origin check of Engine.IO only closes an already-open websocket. Refusing the handshake itself with 403
is clearer for clients and leaves nothing half open.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

log = logging.getLogger("cmc.realtime")


def make_handler(allowed_origins: set[str]) -> type:
    """A gevent-websocket handler class that refuses websocket upgrades from other origins with 403."""
    from geventwebsocket.handler import WebSocketHandler

    class OriginCheckingHandler(WebSocketHandler):  # type: ignore[misc]
        def run_application(self) -> Any:
            environ = self.environ
            origin = environ.get("HTTP_ORIGIN")
            upgrade = environ.get("HTTP_UPGRADE", "").lower() == "websocket"
            if upgrade and origin is not None and origin.rstrip("/") not in allowed_origins:
                log.info("refused a websocket from origin %s", origin)
                self.start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")])
                self.result = [b"This origin may not open a live connection.\n"]
                self.process_result()
                return None
            return super().run_application()

    return OriginCheckingHandler


def serve(app: Flask, host: str, port: int) -> None:
    """Serve pages and websockets until stopped (gevent must already have patched the standard library)."""
    from gevent import pywsgi

    from cmc.extensions import socketio

    # Before the first request: the anchor of the audit trail as this server found it.
    socketio.start_background_task(housekeeping, app, checkpoint=start_up_checkpoint(app))
    handler = make_handler({o.rstrip("/") for o in app.config["ALLOWED_ORIGINS"]})
    server = pywsgi.WSGIServer((host, port), app, handler_class=handler, log=None, error_log=log)
    server.serve_forever()


def start_up_checkpoint(app: Flask) -> Any:
    """Compare the audit trail with the last checkpoint of ``instance/audit-checkpoints`` (an error in the log
    when its head is gone) and record a new one; called before a server takes its first request."""
    from cmc.extensions import db

    with app.app_context():
        try:
            return _checkpoint(None, "start-up")
        finally:
            db.session.remove()


def daily_notifications(app: Flask) -> None:
    """What ``cmc notify digest`` and ``cmc notify purge`` do, run by the server: each person's digest once a
    day of their time zone (sending is recorded per person and day, so running it every hour, in several
    processes, still sends one), and the purge of notifications older than 90 days."""
    from cmc.extensions import db
    from cmc.services import notifications

    with app.app_context():
        try:
            notifications.send_digests()
            notifications.purge()
        except Exception:  # a passing database or mail error: the next run tries again
            log.exception("notification digest or purge failed; trying again within the hour")
        finally:
            db.session.remove()


#: How often the housekeeping loop runs the digests and the purge: each person's digest goes out within an hour
#: after their day starts (what was unread then, from the last day).
DIGEST_EVERY_SECONDS = 3600.0


def housekeeping(app: Flask, interval: float = 60.0, checkpoint: Any = None) -> None:
    """Every minute: keep this process's live connections counted as online, and flag alerts that a party
    has not acknowledged in time. Every hour: the daily digests and the purge (:func:`daily_notifications`).
    Every few minutes while it moves, checkpoint the audit trail's head into the log and
    ``instance/audit-checkpoints`` (``services/audit_checkpoint.py``), after ``checkpoint``, the one
    :func:`start_up_checkpoint` recorded."""
    import time

    from cmc.extensions import db, socketio
    from cmc.services import alerts, audit_checkpoint, rollcalls

    with app.app_context():
        alerts.refresh_presence(starting=True)
        db.session.remove()
    checkpointed = time.monotonic()
    digested = time.monotonic() - DIGEST_EVERY_SECONDS  # the first round runs the digests
    while True:
        socketio.sleep(interval)
        with app.app_context():
            try:
                alerts.refresh_presence()
                alerts.flag_overdue()
                rollcalls.reminders.send_due()
            except Exception:  # housekeeping must survive a passing database error
                log.exception("housekeeping failed; trying again in a minute")
            finally:
                db.session.remove()
            if time.monotonic() - digested >= DIGEST_EVERY_SECONDS:
                daily_notifications(app)
                digested = time.monotonic()
            if time.monotonic() - checkpointed >= audit_checkpoint.INTERVAL_SECONDS:
                checkpoint = _checkpoint(checkpoint, "periodic")
                checkpointed = time.monotonic()


def _checkpoint(previous: Any, reason: str) -> Any:
    """One checkpoint step that never stops the housekeeping loop; at start-up the previous checkpoint is the
    last one of the file (so a head removed while the server was down is reported at once)."""
    from cmc.services import audit_checkpoint

    try:
        if previous is None and reason == "start-up":
            previous = audit_checkpoint.last_recorded()
        return audit_checkpoint.check_and_write(previous, reason)
    except Exception:  # a missing table or an unwritable instance folder must not stop presence and reminders
        log.exception("audit checkpoint failed")
        return previous

"""``GET /healthz``: what monitoring asks (database, schema revision, storage, Redis)."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import current_app
from sqlalchemy import text

from cmc.extensions import db
from cmc.http.access import Access, access

log = logging.getLogger("cmc.web")


@access(Access.PUBLIC)
def healthz() -> Any:
    """Database, schema revision, storage and (when configured) Redis status for monitoring; 503 when one
    is down or the database is not at the code's schema revision."""
    from cmc.schema import schema_state

    report: dict[str, str] = {}
    revisions: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = "ok"
        state = schema_state(current_app)  # someone may have migrated or downgraded under this server
        report["schema"] = "ok" if state.current else state.status
        revisions = {"schema_revision": ",".join(state.database), "code_revision": ",".join(state.code)}
    except Exception:  # the probe must answer whatever the database does
        log.exception("health check: database unreachable")
        report["database"] = "unreachable"
    temp = current_app.extensions["cmc_storage"].temp_dir()
    report["storage"] = "ok" if os.access(temp, os.W_OK) else "not writable"
    queue = current_app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if queue:
        try:
            import redis

            redis.Redis.from_url(queue, socket_timeout=2).ping()
            report["redis"] = "ok"
        except Exception:  # unreachable, refused, timed out: all mean live delivery is down
            log.exception("health check: redis unreachable")
            report["redis"] = "unreachable"
    healthy = all(value == "ok" for value in report.values())
    return {"status": "ok" if healthy else "degraded", **report, **revisions}, 200 if healthy else 503

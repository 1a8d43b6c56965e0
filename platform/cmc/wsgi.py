"""The WSGI entry point for gunicorn: ``cmc.wsgi:app``.

Two kinds of processes run it in production (see docs/deploy.md): realtime processes
(``CMC_PROCESS_ROLE=realtime``, gevent-websocket workers serving ``/socket.io/``) and page workers
(sync workers that emit through the Redis queue). Realtime processes also run the housekeeping loop.

A database at another schema revision than the code's stops the process here, before it serves anything
(``cmc.schema``): under gunicorn the worker exits with gunicorn's "app failed to load" status, which halts the
master with the message on standard error and status 4, instead of booting workers again and again.
"""

from __future__ import annotations

import os
import sys

from cmc import create_app
from cmc.schema import SchemaMismatch, require_current_schema

app = create_app()

try:
    require_current_schema(app)
except SchemaMismatch as exc:
    if "gunicorn" in sys.modules:
        from gunicorn.errors import AppImportError

        raise AppImportError(f"Not starting: {exc}") from None
    raise

if os.environ.get("CMC_PROCESS_ROLE") == "realtime":
    from cmc.extensions import socketio
    from cmc.realtime.server import housekeeping, start_up_checkpoint

    socketio.start_background_task(housekeeping, app, checkpoint=start_up_checkpoint(app))

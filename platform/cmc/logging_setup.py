"""Logging that cannot be forged: CR, LF and other control characters in messages are escaped (text), or
every record is one JSON object per line (``LOG_FORMAT = "json"``), where JSON's own escaping does that.

Every request also gets one line on the ``cmc.request`` logger (method, path, status, milliseconds); with
``LOG_FORMAT = "json"`` the status and the time are fields of their own."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

_ESCAPES = {i: f"\\x{i:02x}" for i in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}
#: Path arguments that are credentials (the key of an invitation link): shown as ``[hidden]`` in logs.
_SECRET_ARGUMENTS = frozenset({"key", "token", "secret"})
#: Fields a record may carry for the JSON format (the request log's).
_EXTRA_FIELDS = ("status", "duration_ms")
#: Endpoints logged at DEBUG only: static files, and the health probe a load balancer calls every few seconds.
_QUIET_ENDPOINTS = frozenset({"static", "healthz"})
request_log = logging.getLogger("cmc.request")


def escape_controls(text: str) -> str:
    """Replace control characters so a value cannot start a fake log line."""
    return text.translate(_ESCAPES)


def loggable_path() -> str:
    """The request's path, with any credential in it (an invitation key) replaced by ``[hidden]``."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in _SECRET_ARGUMENTS and isinstance(value, str) and value:
            path = path.replace(value, "[hidden]")
    return path


class EscapingFormatter(logging.Formatter):
    """Formats as usual, then escapes control characters in the message (not in tracebacks)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.getMessage())
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``process``;
    inside a request also ``method``, ``path``, ``remote_addr`` and ``account_id`` (when someone is signed
    in); ``exception`` holds a traceback. A collector can filter on fields instead of parsing lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if has_request_context():
            entry.update(method=request.method, path=loggable_path(), remote_addr=request.remote_addr)
            # Only an account Flask-Login has already loaded: a log line must never query the database.
            user = g.get("_login_user")
            if user is not None and getattr(user, "is_authenticated", False):
                entry["account_id"] = user.get_id()
        for name in _EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class _CmcHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler the ``cmc`` loggers get, found again when another app is configured."""


def configure_logging(app: Flask) -> None:
    """Give the ``cmc`` loggers one handler at the configured level and format (``LOG_FORMAT``), and log each
    request of ``app`` (:func:`log_requests`)."""
    logger = logging.getLogger("cmc")
    logger.setLevel(app.config["LOG_LEVEL"])
    handler = next((h for h in logger.handlers if isinstance(h, _CmcHandler)), None)
    if handler is None:
        handler = _CmcHandler()
        logger.addHandler(handler)
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.propagate = True
    log_requests(app)


def log_requests(app: Flask) -> None:
    """One line per request on ``cmc.request``: ``GET /networks 200 12 ms`` (INFO; WARNING for a 5xx), static
    files and ``/healthz`` at DEBUG so the console stays readable. The time runs from the first
    ``before_request`` to the last ``after_request`` (the body of a streamed download is not counted)."""

    def start() -> None:
        g.cmc_request_started = time.perf_counter()

    def finish(response: Response) -> Response:
        started = g.pop("cmc_request_started", None)
        elapsed = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        if request.endpoint in _QUIET_ENDPOINTS:
            level = logging.DEBUG
        else:
            level = logging.WARNING if response.status_code >= 500 else logging.INFO
        if request_log.isEnabledFor(level):
            request_log.log(level, "%s %s %d %.0f ms", request.method, loggable_path(), response.status_code,
                            elapsed, extra={"status": response.status_code, "duration_ms": round(elapsed, 1)})
        return response

    # First in, so it times the other hooks; and first in the list of after_request functions, which Flask
    # calls in reverse order, so it sees the response every other hook has finished.
    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request_funcs.setdefault(None, []).insert(0, finish)

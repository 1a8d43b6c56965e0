"""Logging that cannot be forged: CR, LF and other control characters in messages are escaped (text), or
every record is one JSON object per line (``LOG_FORMAT = "json"``), where JSON's own escaping does that."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

_ESCAPES = {i: f"\\x{i:02x}" for i in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}


def escape_controls(text: str) -> str:
    """Replace control characters so a value cannot start a fake log line."""
    return text.translate(_ESCAPES)


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
            entry.update(method=request.method, path=request.path, remote_addr=request.remote_addr)
            # Only an account Flask-Login has already loaded: a log line must never query the database.
            user = g.get("_login_user")
            if user is not None and getattr(user, "is_authenticated", False):
                entry["account_id"] = user.get_id()
        if getattr(record, "incident", None):
            entry["incident"] = record.incident  # cmc.incidents: the id the person was shown
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class _CmcHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler the ``cmc`` loggers get, found again when another app is configured."""


def configure_logging(app: Flask) -> None:
    """Give the ``cmc`` loggers one handler at the configured level and format (``LOG_FORMAT``)."""
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

"""Logging that cannot be forged: CR, LF and other control characters in messages are escaped."""

from __future__ import annotations

import logging

from flask import Flask

_ESCAPES = {i: f"\\x{i:02x}" for i in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}


def escape_controls(text: str) -> str:
    """Replace control characters so a value cannot start a fake log line."""
    return text.translate(_ESCAPES)


class EscapingFormatter(logging.Formatter):
    """Formats as usual, then escapes control characters in the message (not in tracebacks)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.getMessage())
        return super().formatMessage(record)


def configure_logging(app: Flask) -> None:
    """Give the ``cmc`` loggers one escaping handler at the configured level."""
    logger = logging.getLogger("cmc")
    logger.setLevel(app.config["LOG_LEVEL"])
    if not any(isinstance(h.formatter, EscapingFormatter) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.propagate = True

"""Logging that cannot be forged: CR, LF and other control characters in messages are escaped (text), or
every record is one JSON object per line (``LOG_FORMAT = "json"``), where JSON's own escaping does that.

Logging that keeps secrets out: a log is shipped to collectors and read by more people than the platform's
secretariat, so no credential may reach it. The code logs none (mail in the embedded profile goes to the console,
``services/mail.py``; SQL parameters are hidden, ``config.py``), and, as a second line, every record made in
the process (the platform's, gunicorn's access log, any library's) passes :func:`redact` when it is created:
invitation links, bearer and personal access tokens, secrets in query strings, passwords in URLs, session
cookies, and this configuration's own secrets (``SECRET_KEY``, ``MAIL_PASSWORD``, the database password).

Every request also gets one line on the ``cmc.request`` logger (method, path, status, milliseconds); with
``LOG_FORMAT = "json"`` the status and the time are fields of their own."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy.engine import make_url

_ESCAPES = {i: f"\\x{i:02x}" for i in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}
#: Path arguments that are credentials (the key of an invitation link): shown as ``[redacted]`` in logs.
_SECRET_ARGUMENTS = frozenset({"key", "token", "secret"})
#: Fields a record may carry for the JSON format (the request log's).
_EXTRA_FIELDS = ("status", "duration_ms")
#: Endpoints logged at DEBUG only: static files, and the health probe a load balancer calls every few seconds.
_QUIET_ENDPOINTS = frozenset({"static", "healthz"})
request_log = logging.getLogger("cmc.request")

REDACTED = "[redacted]"
#: Path prefixes whose next segment is a credential (``auth.accept_invitation``, the calendar feeds' token). A
#: test walks the URL map so that a new route with a secret in its path cannot be forgotten here.
SECRET_PATH_PREFIXES = ("/invitations/", "/calendar/")
#: Query-string and form parameter names whose values are credentials.
SECRET_PARAMETERS = ("token", "access_token", "key", "sid", "secret", "password", "code", "csrf_token")
_PATTERNS = [
    (re.compile("(" + "|".join(re.escape(p) for p in SECRET_PATH_PREFIXES) + r")[^/\s?#\"'<>]+"), r"\1" + REDACTED),
    (re.compile(r"(\bBearer\s+)[^\s\"',;]+", re.IGNORECASE), r"\1" + REDACTED),
    (re.compile(r"\bcmc_[A-Za-z0-9_\-]{16,}"), "cmc_" + REDACTED),  # personal access tokens (services/auth.py)
    (re.compile(r"([?&;](?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&\s\"'#;]*", re.IGNORECASE), r"\1" + REDACTED),
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^:/?#\s@]*:)[^@/\s]+@", re.IGNORECASE), r"\1" + REDACTED + "@"),
    (re.compile(r"(session=)[^;\s\"']+", re.IGNORECASE), r"\1" + REDACTED),  # a Cookie header
]
_literal_secrets: tuple[str, ...] = ()


def escape_controls(text: str) -> str:
    """Replace control characters so a value cannot start a fake log line."""
    return text.translate(_ESCAPES)


def redact(text: str) -> str:
    """``text`` with every credential it shows replaced by ``[redacted]``."""
    for secret in _literal_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redacting_factory(previous: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format is logging's own error to report, later, as usual
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return record

    make.cmc_redacting = True  # type: ignore[attr-defined]
    return make


def install_redaction(app: Flask) -> None:
    """Redact every log record of the process when it is made (once per process), with ``app``'s secrets."""
    global _literal_secrets
    secrets = [app.config.get("SECRET_KEY"), app.config.get("MAIL_PASSWORD")]
    with contextlib.suppress(Exception):  # an unparsable URL fails later, with the engine's own message
        secrets.append(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).password)
    # Short values would redact ordinary words; the configuration refuses short keys anyway.
    _literal_secrets = tuple(str(s) for s in secrets if s and len(str(s)) >= 8)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "cmc_redacting", False):
        logging.setLogRecordFactory(_redacting_factory(factory))


def loggable_path() -> str:
    """The request's path, with any credential in it (an invitation key) replaced by ``[redacted]``."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in _SECRET_ARGUMENTS and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


class EscapingFormatter(logging.Formatter):
    """Formats as usual, then escapes control characters in the message (not in tracebacks)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.getMessage())
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        """A traceback, with credentials in exception messages redacted."""
        return redact(super().formatException(ei))


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
            entry.update(method=request.method, path=redact(loggable_path()), remote_addr=request.remote_addr)
            # Only an account Flask-Login has already loaded: a log line must never query the database.
            user = g.get("_login_user")
            if user is not None and getattr(user, "is_authenticated", False):
                entry["account_id"] = user.get_id()
        for name in _EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if getattr(record, "incident", None):
            entry["incident"] = record.incident  # cmc.incidents: the id the person was shown
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _CmcHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler the ``cmc`` loggers get, found again when another app is configured."""


def configure_logging(app: Flask) -> None:
    """Give the ``cmc`` loggers one handler at the configured level and format (``LOG_FORMAT``), redact
    credentials from every record of the process, and log each request of ``app`` (:func:`log_requests`)."""
    install_redaction(app)
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

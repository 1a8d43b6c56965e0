"""Configuration: built-in defaults, then ``instance/config.py``, then ``CMC_*`` environment variables.

Every setting is documented in ``instance/config.example.py``; keep the two in step.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from cmc.i18n import LANGUAGE_NAMES

#: Settings read from the environment as ``CMC_<NAME>``, with the type they are parsed into.
ENV_SETTINGS: dict[str, type] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "BASE_URL": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": bool,
    "MAIL_SENDER": str,
    "SECURE_COOKIES": bool,
    "SESSION_IDLE_MINUTES": int,
    "SESSION_ABSOLUTE_HOURS": int,
    "INVITATION_HOURS": int,
    "RATELIMIT_STORAGE_URI": str,
    "LOGIN_LIMIT_PER_ADDRESS": str,
    "LOGIN_LIMIT_PER_ACCOUNT": str,
    "SOCKETIO_MESSAGE_QUEUE": str,
    "SOCKETIO_ASYNC_MODE": str,
    "SOCKETIO_CHANNEL": str,
    "ALLOWED_ORIGINS": str,
    "LOG_LEVEL": str,
    "LOG_FORMAT": str,
    "MAX_UPLOAD_MB": int,
    "UPLOAD_DIR": str,
    "EXTRACT_MAX_UNPACKED_MB": int,
    "EXTRACT_MAX_RATIO": int,
    "EXTRACT_MAX_ENTRIES": int,
    "EXTRACT_TIMEOUT_SECONDS": int,
    "EXTRACT_MAX_MEMORY_MB": int,
    "EXTRACT_WORKERS": int,
    "PROXY_HOPS": int,
    "COMPRESS_RESPONSES": bool,
    "CAP_SENDER": str,
}

MIN_SECRET_KEY_LENGTH = 32
#: Age after which a pooled PostgreSQL connection is replaced: below the idle timeouts of firewalls and NAT.
POOL_RECYCLE_SECONDS = 1800
EXTRACT_SETTINGS = ("EXTRACT_MAX_UNPACKED_MB", "EXTRACT_MAX_RATIO", "EXTRACT_MAX_ENTRIES", "EXTRACT_TIMEOUT_SECONDS",
                    "EXTRACT_MAX_MEMORY_MB", "EXTRACT_WORKERS")
LOG_FORMATS = ("text", "json")


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run safely; the message says what to change."""


def defaults() -> dict[str, Any]:
    """Return the built-in defaults: the embedded profile (SQLite in the instance folder, mail to the log)."""
    return {
        "SECRET_KEY": None,
        "DATABASE_URL": None,  # None means sqlite:///<instance>/cmc.db
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": False,
        "MAIL_SENDER": "CMC Platform <no-reply@cmc.invalid>",
        "SECURE_COOKIES": False,
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_ABSOLUTE_HOURS": 12,
        "INVITATION_HOURS": 72,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_LIMIT_PER_ADDRESS": "30 per 5 minutes",
        "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
        "SOCKETIO_MESSAGE_QUEUE": None,
        "SOCKETIO_CHANNEL": "cmc-socketio",
        "SOCKETIO_ASYNC_MODE": None,  # None: gevent in a gevent-patched server, threading elsewhere
        "ALLOWED_ORIGINS": None,  # None: BASE_URL's origin only
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "text",  # or "json": one JSON object per line, for a log collector
        "MAX_UPLOAD_MB": 50,
        "PROXY_HOPS": 0,
        # Pages and API answers compressed by the app itself (brotli or gzip, as the browser accepts): the
        # embedded profile has no proxy to do it. Behind nginx, which compresses (deploy/nginx-cmc.conf), it may
        # be turned off to spare the page workers' CPU.
        "COMPRESS_RESPONSES": True,
        # Flask-Compress: the two encodings nginx also offers; brotli's quick level (4) keeps a page's cost low.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
        "COMPRESS_BR_LEVEL": 4,
        "COMPRESS_LEVEL": 6,
        "CAP_SENDER": "cmc-platform",
        "UPLOAD_DIR": None,  # None: instance/uploads
        # Text extraction of uploads (cmc.services.extract), in a confined child process.
        "EXTRACT_MAX_UNPACKED_MB": 100,  # unpacked bytes read from one file (each PDF stream)
        "EXTRACT_MAX_RATIO": 100,  # unpacked / packed size of a zip entry over 1 MB (office XML: 5-20)
        "EXTRACT_MAX_ENTRIES": 10_000,  # parts of a zip container (a 500-slide deck: ~2,000)
        "EXTRACT_TIMEOUT_SECONDS": 30,  # wall clock per file (and the wait for a free slot)
        "EXTRACT_MAX_MEMORY_MB": 512,  # address space of the child (idle: 18 MB, with pypdf: 43 MB)
        "EXTRACT_WORKERS": 2,  # children at once per instance folder, across processes
        "TESTING": False,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # The interface languages offered, code -> name in that language: every language the platform ships a
        # catalogue for (cmc.i18n.LANGUAGE_NAMES; catalogues in platform/cmc/translations), unless narrowed.
        "LANGUAGES": dict(LANGUAGE_NAMES),
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent / "translations"),
        "WTF_CSRF_TIME_LIMIT": None,  # the session's own lifetime bounds the token
    }


def _parse(value: str, kind: type) -> Any:
    if kind is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        return int(value)
    return value


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config`` in order: defaults, ``instance/config.py``, environment, then ``overrides``.

    ``overrides`` (the ``config`` argument of ``create_app``) wins so that tests are hermetic.
    """
    app.config.update(defaults())
    if not (overrides or {}).get("SKIP_INSTANCE_CONFIG"):
        app.config.from_pyfile("config.py", silent=True)
    for name, kind in ENV_SETTINGS.items():
        raw = os.environ.get(f"CMC_{name}")
        if raw is not None and raw != "":
            try:
                app.config[name] = _parse(raw, kind)
            except ValueError as exc:
                raise ConfigError(f"CMC_{name} must be {kind.__name__}: {raw!r}") from exc
    if overrides:
        app.config.update(overrides)
    _derive(app)
    _check(app)


def _derive(app: Flask) -> None:
    """Turn the CMC settings into the names Flask and its extensions read."""
    cfg = app.config
    url = cfg["DATABASE_URL"] or f"sqlite:///{os.path.join(app.instance_path, 'cmc.db')}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if url.startswith("sqlite"):
        # The busy timeout lets a writer wait for the lock instead of failing at once.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("connect_args", {"timeout": 15})
    else:
        # No ping before every checkout (a round trip per request): connections are renewed after half an
        # hour, and a request that meets a dead one is answered again on a new one (cmc.database).
        cfg["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    # SQL parameters hold TOTP secrets and personal data: never in an error message, a traceback or an echo.
    cfg["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("hide_parameters", True)
    # The whole request may carry the file plus a few form fields; the file itself is checked exactly later.
    cfg["MAX_CONTENT_LENGTH"] = (int(cfg["MAX_UPLOAD_MB"]) + 1) * 1024 * 1024
    cfg["UPLOAD_DIR"] = cfg["UPLOAD_DIR"] or os.path.join(app.instance_path, "uploads")
    _cookies(cfg)
    cfg["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    # The cookie is written only when the session changes. Refreshed on every answer, a request the page makes
    # by itself (a live notice, /parts) while a form's redirect is on its way sent back the cookie it had left
    # with and overwrote the new one, losing the flash ("Version 2 is published") and anything else just set.
    # Idle and absolute expiry are kept on the server (services/auth), not in the cookie's date.
    cfg["SESSION_REFRESH_EACH_REQUEST"] = False
    cfg["RATELIMIT_HEADERS_ENABLED"] = True
    if not cfg["ALLOWED_ORIGINS"]:
        base = cfg["BASE_URL"].rstrip("/")
        origins = [base]
        # 127.0.0.1 and localhost are the same machine to a person typing the address.
        if "://127.0.0.1" in base:
            origins.append(base.replace("://127.0.0.1", "://localhost"))
        cfg["ALLOWED_ORIGINS"] = origins
    elif isinstance(cfg["ALLOWED_ORIGINS"], str):
        cfg["ALLOWED_ORIGINS"] = [o.strip().rstrip("/") for o in cfg["ALLOWED_ORIGINS"].split(",") if o.strip()]


def _cookies(cfg: Any) -> None:
    """The session cookie (which also holds the CSRF token) and Flask-Login's remember cookie (never set: the
    platform has no "remember me", but configured as strictly in case).

    With secure cookies they are named ``__Host-...``: a browser then accepts them only over HTTPS, from this
    exact host, with ``Path=/`` and no ``Domain``, so a sibling subdomain cannot plant or overwrite them
    (session fixation). Without TLS (the embedded profile on 127.0.0.1) the prefix would make browsers drop
    the cookie, so the plain names are kept there.
    """
    secure = bool(cfg["SECURE_COOKIES"])
    prefix = "__Host-" if secure else ""
    for kind, name in (("SESSION", "cmc_session"), ("REMEMBER", "cmc_remember")):
        cfg[f"{kind}_COOKIE_NAME"] = prefix + name
        cfg[f"{kind}_COOKIE_SECURE"] = secure
        cfg[f"{kind}_COOKIE_HTTPONLY"] = True
        cfg[f"{kind}_COOKIE_SAMESITE"] = "Lax"
        cfg[f"{kind}_COOKIE_PATH"] = "/"
        cfg[f"{kind}_COOKIE_DOMAIN"] = None
    cfg["REMEMBER_COOKIE_DURATION"] = timedelta(seconds=0)


def _check(app: Flask) -> None:
    """Refuse to run with settings that would be unsafe outside tests."""
    if app.config["LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {app.config['LOG_FORMAT']!r}.")
    for name in EXTRACT_SETTINGS:
        if int(app.config[name]) <= 0:
            raise ConfigError(f"{name} must be a whole number above 0, not {app.config[name]!r}.")
    key = app.config.get("SECRET_KEY")
    if app.config.get("TESTING"):
        if not key:
            app.config["SECRET_KEY"] = "testing-" + "x" * MIN_SECRET_KEY_LENGTH
        return
    if str(key or "").lower().startswith(("change-me", "changeme", "<paste")):
        raise ConfigError("SECRET_KEY is still the example's placeholder. Generate a random one "
                          "(`make run` writes one into instance/config.py).")
    if not key or len(str(key)) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is missing or shorter than {MIN_SECRET_KEY_LENGTH} characters. "
            "Set CMC_SECRET_KEY or SECRET_KEY in instance/config.py "
            "(`make run` writes a random one there the first time)."
        )
    if "*" in app.config["ALLOWED_ORIGINS"]:
        raise ConfigError("ALLOWED_ORIGINS may not contain '*': list the sites that may open a live connection.")
    if not app.config.get("MAIL_SERVER") and (app.config["SECURE_COOKIES"] or app.config["LOG_FORMAT"] == "json"):
        # Without a mail server, mail is shown on the console (services/mail.py): fine for `make run`, but a
        # production server has no one at its console, and invitation links must not go anywhere else.
        raise ConfigError("MAIL_SERVER is not set, but SECURE_COOKIES or LOG_FORMAT = \"json\" say this is a "
                          "production server, where invitations and notifications must be mailed. Set "
                          "CMC_MAIL_SERVER (and MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS as needed).")

"""Static files under content-hashed names, cached by browsers for a year, served without touching the session.

At start the files under ``static/`` are hashed once: ``url_for('static', filename='css/app.css')`` then
writes ``/static/css/app.<hash>.css``. That name is answered with ``Cache-Control: public, max-age=31536000,
immutable`` (its content can never change: a changed file gets a new name), so a repeat page fetches no static
file at all, not even to revalidate it. The plain name (and a hashed name of an earlier release, asked for by a
page rendered before an upgrade) is still answered, with the current content but only ``no-cache``.

A static answer is the same for everyone: it reads no session, loads no account and sets no cookie
(:func:`is_sessionless` is what the access gate, the security headers and the session interface ask), so no
``Set-Cookie`` or ``Vary: Cookie`` keeps a browser from reusing it. Each hashed file is compressed once per
process (brotli, else gzip) and the bytes are kept; nginx, in production, serves the same names from disk
(``deploy/nginx-cmc.conf``).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, Response, abort, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
#: How a plain (or outdated) name is kept: the browser must ask again each time (a 304 when unchanged).
REVALIDATE = "no-cache"
HASH_LENGTH = 12
#: ``name.<12 hex>.ext``: a content-hashed name, current or of an earlier release.
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")
#: Answers with no session: static files, the scripts' catalogues, the health probe, and the calendar feeds
#: (a calendar program holds a token in the address, never a cookie, and must not be handed one).
SESSIONLESS_ENDPOINTS = frozenset({"static", "i18n.catalogue", "healthz", "calendar_feeds.all_meetings",
                                   "calendar_feeds.one_meeting"})
#: Types worth compressing (images and fonts of the vendored packages are compressed already, or absent).
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
#: Smaller files are sent as they are: compression would save less than its headers cost.
MIN_COMPRESS_BYTES = 500


def hashed_name(filename: str, digest: str) -> str:
    """``css/app.css`` -> ``css/app.<digest>.css`` (the hash goes before the last extension)."""
    folder, _, name = filename.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    hashed = f"{stem}.{digest}.{ext}" if dot and stem else f"{name}.{digest}"
    return f"{folder}/{hashed}" if folder else hashed


@dataclass
class StaticAssets:
    """The hashed names of every file under ``root``, computed once, and the compressed bodies kept so far."""

    root: Path
    names: dict[str, str] = field(default_factory=dict)  # plain name -> hashed name
    digests: dict[str, str] = field(default_factory=dict)  # plain name -> its content hash
    files: dict[str, str] = field(default_factory=dict)  # hashed name -> plain name
    _bodies: dict[tuple[str, str], bytes] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def scan(cls, root: Path) -> StaticAssets:
        """Hash every file under ``root`` (dot files skipped)."""
        assets = cls(root=root)
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if not path.is_file() or any(part.startswith(".") for part in relative.split("/")):
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
            hashed = hashed_name(relative, digest)
            assets.names[relative] = hashed
            assets.digests[relative] = digest
            assets.files[hashed] = relative
        return assets

    def url_name(self, filename: str) -> str:
        """The name a page should use for ``filename``: its hashed name when it is a known file."""
        return self.names.get(filename, filename)

    def body(self, plain: str, encoding: str) -> bytes:
        """The content of ``plain`` in ``encoding`` (``br``, ``gzip`` or ``identity``), compressed once."""
        key = (plain, encoding)
        found = self._bodies.get(key)
        if found is not None:
            return found
        raw = (self.root / plain).read_bytes()
        if encoding == "br":
            data = brotli.compress(raw, quality=11)
        elif encoding == "gzip":
            data = gzip.compress(raw, compresslevel=9, mtime=0)
        else:
            data = raw
        with self._lock:  # two threads may compress the same file; either result is right
            self._bodies[key] = data
        return data


def _encoding_for(mimetype: str, size: int) -> str:
    """The best encoding the browser accepts for a file of this type and size."""
    if size < MIN_COMPRESS_BYTES or not mimetype.startswith(_COMPRESSIBLE):
        return "identity"
    accepted = request.accept_encodings
    if accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return "identity"


def serve(assets: StaticAssets, filename: str) -> Response:
    """Answer ``/static/<filename>``: a current hashed name for a year, anything else with ``no-cache``."""
    plain = assets.files.get(filename)
    immutable = plain is not None
    if plain is None:
        plain = filename if filename in assets.names else None
    if plain is None:
        match = _HASHED.match(filename)
        candidate = f"{match['stem']}{match['ext']}" if match else None
        plain = candidate if candidate in assets.names else None
    if plain is None:
        abort(404)
    mimetype = mimetypes.guess_type(plain)[0] or "application/octet-stream"
    size = len(assets.body(plain, "identity"))
    encoding = _encoding_for(mimetype, size)
    response = Response(assets.body(plain, encoding), mimetype=mimetype)
    if mimetype.startswith("text/") or mimetype == "application/javascript":
        response.charset = "utf-8"
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{assets.digests[plain]}-{encoding}")
    response.headers["Cache-Control"] = IMMUTABLE if immutable else REVALIDATE
    return response.make_conditional(request)


def is_sessionless() -> bool:
    """Whether the current request is answered without reading the session (the same for everyone, or by a
    token in its address)."""
    return request.endpoint in SESSIONLESS_ENDPOINTS


class SessionlessAwareInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that a session-free answer never saves it: no ``Set-Cookie`` (the
    refresh of a permanent session would otherwise ride on every static file) and no ``Vary: Cookie``."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Save as Flask does, unless the answer is one of :data:`SESSIONLESS_ENDPOINTS`."""
        if is_sessionless():
            return
        super().save_session(app, session, response)


def install(app: Flask) -> StaticAssets:
    """Hash the static folder, make ``url_for('static', ...)`` write hashed names, keep the session off static
    answers; returns the assets (also in ``app.extensions['cmc_assets']``)."""
    assets = StaticAssets.scan(Path(app.static_folder or "static"))
    app.extensions["cmc_assets"] = assets
    app.session_interface = SessionlessAwareInterface()

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.url_name(values["filename"])

    return assets

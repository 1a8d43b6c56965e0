"""The API's own error answers, registered on its blueprint: always ``{"error": {"code", "message"}}`` JSON.

Flask runs a blueprint's handlers for every error raised while serving one of its routes (the access gate
and the other app-wide checks included). A request under ``/api/v1`` that matched no route has no blueprint
yet, so ``register_errors`` also claims those (``cmc.http.errors.claim_unrouted``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from cmc.http.errors import (
    SecondFactorRequired,
    SignInRequired,
    audit_denied,
    audit_reauthentication,
    claim_unrouted,
    http_problem,
    json_error,
    json_error_response,
    reauthentication_message,
    unexpected,
)
from cmc.services.errors import DeniedError, ReauthenticationRequired, ServiceError

log = logging.getLogger("cmc.api")


def _sign_in(exc: SignInRequired) -> Any:
    if exc.bad_token:
        return json_error(401, "invalid_token", _("The access token is unknown, expired or revoked."))
    return json_error(401, "unauthenticated", _("Sign in or send a personal access token."))


def _enrol(_exc: SecondFactorRequired) -> Any:
    return json_error(403, "second_factor_required",
                      _("Set up your second factor in the platform before using the API."))


def _denied(exc: DeniedError) -> Any:
    audit_denied(exc)
    return json_error_response(exc.status, exc.message if exc.status == 403 else None,
                               code=exc.code if exc.status == 403 else None)


def _reauthenticate(exc: ReauthenticationRequired) -> Any:
    audit_reauthentication()
    return json_error(403, exc.code, reauthentication_message(exc),
                      confirm_url=url_for("auth.confirm_password", _external=False))


def _service_error(exc: ServiceError) -> Any:
    return json_error(exc.status, exc.code, exc.message, fields=exc.fields)


def _csrf(exc: CSRFError) -> Any:
    log.info("CSRF refused on %s: %s", request.path, exc.description)
    return json_error(400, "csrf_failed",
                      _("The form expired or was sent from another site. Go back, reload the page and try again."))


def _http(exc: HTTPException) -> Any:
    status, message, incident = http_problem(exc, log)
    return json_error_response(status, message, incident=incident)


def _unexpected(_exc: Exception) -> Any:
    return json_error_response(500, _("The problem has been logged. Try again in a moment."),
                               incident=unexpected(log))


#: Most specific first: the first class an error is an instance of answers it.
HANDLERS: list[tuple[type[Exception], Any]] = [
    (SignInRequired, _sign_in),
    (SecondFactorRequired, _enrol),
    (DeniedError, _denied),
    (ReauthenticationRequired, _reauthenticate),
    (ServiceError, _service_error),
    (CSRFError, _csrf),
    (HTTPException, _http),
    (Exception, _unexpected),
]


def answer(exc: Exception) -> Any:
    """The API's answer to ``exc``."""
    for kind, handler in HANDLERS:
        if isinstance(exc, kind):
            return handler(exc)
    return _unexpected(exc)  # pragma: no cover (Exception is the last entry)


def register_errors(bp: Blueprint) -> None:
    """Answer every error of the blueprint's routes as JSON (once, before the blueprint is first registered:
    Flask refuses changes to a blueprint after that)."""
    for kind, handler in HANDLERS:
        bp.register_error_handler(kind, handler)


def claim_unrouted_errors(app: Flask, bp: Blueprint) -> None:
    """Answer as JSON the errors of requests under the blueprint's prefix that matched no route."""
    claim_unrouted(app, bp.url_prefix or "/", answer)

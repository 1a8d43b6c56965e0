"""Error answers the pages and the API share: the JSON error body, status titles and codes, the audit of a
refusal, and the exceptions the access gate raises so that each side answers in its own way."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from cmc.extensions import db
from cmc.incidents import log_incident
from cmc.models import Outcome
from cmc.schemas import ErrorSchema
from cmc.services import audit
from cmc.services.errors import DeniedError, ReauthenticationRequired
from cmc.uploads import too_large_message

#: The ``code`` of an API error by HTTP status, when the raiser named none.
CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 410: "gone", 413: "payload_too_large", 415: "unsupported_media_type",
         422: "validation_failed", 429: "too_many_requests", 500: "internal_error"}

_CLAIMS = "cmc_unrouted_errors"


class SignInRequired(Exception):
    """The route needs a signed-in person and there is none (``bad_token``: a bearer token was sent but is
    unknown, expired or revoked)."""

    def __init__(self, bad_token: bool = False) -> None:
        super().__init__("sign in required")
        self.bad_token = bad_token


class SecondFactorRequired(Exception):
    """The person must set up their second factor before anything else."""


def title(status: int) -> str:
    """What happened, in a few words, for ``status``."""
    titles = {
        400: _("The request could not be understood"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("That action is not possible here"),
        410: _("This link can no longer be used"),
        413: _("The upload is too large"),
        415: _("Unsupported content type"),
        429: _("Too many attempts"),
        500: _("Something went wrong on our side"),
    }
    return titles.get(status, _("Something went wrong"))


def json_error(status: int, code: str, message: str, **extra: Any) -> tuple[Any, int]:
    """The API's error body: ``{"error": {"code", "message"}}`` (plus ``extra`` that are set) with ``status``."""
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v})
    return jsonify(ErrorSchema().dump({"error": body})), status


def json_error_response(status: int, message: str | None = None, code: str | None = None,
                        incident: str | None = None) -> tuple[Any, int]:
    """A JSON error for ``status`` with the default code and title when none are given."""
    return json_error(status, code or CODES.get(status, "error"), message or title(status), incident=incident)


def audit_denied(exc: DeniedError) -> None:
    """Undo the request's changes and record the refusal (committed on its own)."""
    actor = current_user if current_user.is_authenticated else None
    db.session.rollback()
    audit.record_now(actor, exc.action or "access.denied", target_type=exc.target_type,
                     target_id=exc.target_id, target_party_id=exc.target_party_id, outcome=Outcome.DENIED,
                     details={"path": request.path[:200], "status": exc.status, **exc.audit_details})


def audit_reauthentication() -> None:
    """Undo the request's changes and record that a fresh sign-in was asked for."""
    db.session.rollback()
    audit.record_now(current_user._get_current_object(), "auth.reauthentication_required", outcome=Outcome.DENIED,
                     target_type="route", target_id=request.endpoint or request.path,
                     details={"path": request.path[:200], "method": request.method})


def reauthentication_message(exc: ReauthenticationRequired) -> str:
    """What a script or an API client is told when an action needs a fresh sign-in."""
    return _("%(reason)s Confirm your password at confirm_url in the browser, then send the request again; "
             "or use a personal access token.", reason=exc.message)


def http_problem(exc: HTTPException, log: logging.Logger) -> tuple[int, str | None, str | None]:
    """Status, message (None: the title says it) and incident id for an HTTP error; an ``abort(500)`` is
    unexpected and logged as an incident (503, 507 ... say what happened themselves)."""
    status = exc.code or 500
    if status == 500:
        incident = log_incident(log, "%s on %s %s", status, request.method, request.path)
        return status, _("The problem has been logged. Try again in a moment."), incident
    if status == 413:
        return status, too_large_message(), None
    if status == 429:
        return status, _("Too many attempts. Wait a few minutes, then try again."), None
    return status, None, None


def unexpected(log: logging.Logger) -> str:
    """Log an unhandled error with its traceback under a new incident id, undo the request's changes and
    return the id."""
    incident = log_incident(log, "unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return incident


def claim_unrouted(app: Flask, prefix: str, answer: Callable[[Exception], Any]) -> None:
    """Let ``answer`` reply to errors of requests under ``prefix`` that matched no route.

    Flask finds no blueprint for a URL that matched no rule (404, 405), so a blueprint's own error handlers
    cannot answer it (https://flask.palletsprojects.com/en/3.0.x/errorhandling/#blueprint-error-handlers);
    the app-level handlers ask this instead. Requests that matched a route never come here."""
    app.extensions.setdefault(_CLAIMS, []).append((prefix.rstrip("/") + "/", answer))


def claimed_answer(exc: Exception) -> Any | None:
    """The claimed answer to ``exc`` when the request matched no route under a claimed prefix, else None."""
    if request.url_rule is not None:
        return None
    for prefix, answer in current_app.extensions.get(_CLAIMS, []):
        if request.path.startswith(prefix) or request.path == prefix.rstrip("/"):
            return answer(exc)
    return None

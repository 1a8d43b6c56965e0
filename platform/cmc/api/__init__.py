"""JSON API under ``/api/v1``: the same services as the pages, JSON in and out.

Authentication: the session cookie (unsafe methods then need the ``X-CSRFToken`` header) or
``Authorization: Bearer <personal access token>``. Errors: ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, request
from flask_babel import gettext as _
from flask_login import current_user

from cmc.api.errors import claim_unrouted_errors, register_errors
from cmc.extensions import csrf
from cmc.models import Network
from cmc.services import networks
from cmc.services.errors import ServiceError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_errors(bp)


class BadRequestBody(ServiceError):
    """The body is not JSON of the expected shape."""


class MalformedJSON(BadRequestBody):
    """The body does not parse as JSON."""

    code = "malformed_json"


class UnsupportedMediaType(ServiceError):
    """The body is not ``application/json``."""

    status = 415
    code = "unsupported_media_type"


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a clear 415/400 error."""
    if not request.is_json:
        raise UnsupportedMediaType(_("Send the body as application/json."))
    data = request.get_json(silent=True)
    if data is None:
        raise MalformedJSON(_("The body is not valid JSON."))
    if not isinstance(data, dict):
        raise BadRequestBody(_("The body must be a JSON object."))
    return data


def network_filter() -> Network | None:
    """The network the ``network`` query parameter names, if any: 404 unless the caller may read it."""
    slug = request.args.get("network")
    return networks.open_network(current_user._get_current_object(), slug) if slug else None


@bp.before_request
def _csrf_for_cookie_sessions() -> None:
    # Token clients cannot be driven by another site; cookie sessions can, so they must show the token.
    if request.method not in ("GET", "HEAD", "OPTIONS") and g.get("access_token") is None:
        csrf.protect()


def register_api(app: Flask) -> None:
    """Register the API blueprint (exempt from form CSRF: it checks the header itself) and its spec."""
    from cmc.api import (  # noqa: F401  (routes register on import)
        alert_resources,
        document_resources,
        handling_resources,
        meeting_resources,
        network_resources,
        notification_resources,
        openapi,
        report_resources,
        resources,
        rollcall_after_resources,
        rollcall_answer_resources,
        rollcall_board_resources,
        rollcall_resources,
    )

    csrf.exempt(bp)
    app.register_blueprint(bp)
    claim_unrouted_errors(app, bp)

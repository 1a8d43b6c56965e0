"""Page forms that create things are handled once per form shown.

Each such form carries a fresh one-time nonce (``form_nonce``, the ``NonceField`` of ``cmc.web.forms.OnceForm``,
a new value every time the form is drawn). ``@once`` on the view claims the nonce before the view runs
(``cmc.services.idempotency.claim_form``; the database's unique constraint decides between two racing
submissions). Then:

- the first submission runs; when it answers a success (below 400) the nonce records where that answer led
  (its redirect, else the page itself); when it fails (a form error, an exception) the nonce is let go, so
  the corrected form can be sent again;
- an answer that made nothing although it succeeded (a preview, ``made_nothing()``) lets the nonce go too;
- a second submission of the same nonce (a double click, a resent form, the back button) runs nothing: it
  waits for the first to finish and lands the person where the first one did, with a note saying so.

A POST without a nonce (the JSON API, scripts) is handled as before: API clients have ``Idempotency-Key``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cmc.services import idempotency

F = TypeVar("F", bound=Callable[..., Any])
FIELD = "form_nonce"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_nonce() -> str:
    """A fresh nonce for one drawing of a form."""
    return secrets.token_urlsafe(18)


def made_nothing() -> None:
    """Say that this answer, although a success, made nothing (a preview): the nonce is let go afterwards, so
    the same form may be sent again (to publish what was previewed, or after the back button)."""
    g.cmc_once_made_nothing = True


def once(view: F) -> F:
    """Handle each nonce of a create form once; a repeat lands where the first submission did."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonce = request.form.get(FIELD, "") if request.method == "POST" else ""
        if not _NONCE.match(nonce):
            return view(*args, **kwargs)
        owner = current_user.id if current_user.is_authenticated else 0
        first = idempotency.claim_form(owner, nonce)
        if first is not None:
            return _repeat(first.location)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            _let_go(owner, nonce)
            raise
        if response.status_code >= 400 or g.pop("cmc_once_made_nothing", False):
            _let_go(owner, nonce)
            return response
        landed = response.headers.get("Location") or _json_location(response) or request.path
        if not landed.startswith("/"):
            landed = urlsplit(landed)._replace(scheme="", netloc="").geturl() or "/"
        idempotency.land_form(owner, nonce, landed)
        return response

    return wrapper  # type: ignore[return-value]


def _json_location(response: Any) -> str | None:
    """Where a script-sent form's answer leads (``{"location": ...}``, as the upload page's script expects)."""
    if not response.is_json:
        return None
    body = response.get_json(silent=True)
    location = body.get("location") if isinstance(body, dict) else None
    return location if isinstance(location, str) else None


def _let_go(owner: int, nonce: str) -> None:
    try:
        idempotency.release_form(owner, nonce)
    except Exception:  # the database refuses even that (a full disk): the nonce stays used, nothing worse
        from cmc.extensions import db

        db.session.rollback()


def _repeat(location: str) -> Any:
    """The answer to a second submission: where the first one led (or, while it is still running, back)."""
    if location:
        message = _("This form was already sent, so nothing new was made. Here is what the first sending did.")
    else:
        message = _("This form was already sent and is still being handled. Look again in a moment.")
        location = _same_site(request.referrer) or url_for("home.index")
    if request.headers.get("X-Requested-With") == "fetch":
        flash(message, "info")
        return {"location": location, "repeated": True}, 200
    flash(message, "info")
    return redirect(location)


def _same_site(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts._replace(scheme="", netloc="").geturl() or "/"

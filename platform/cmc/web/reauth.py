"""Fresh sign-in for actions that hand out power: how a refusal is answered, and how the person gets back to
what they were doing once they have confirmed their password.

Services decide (``permissions.require_fresh_sign_in`` raises ``ReauthenticationRequired`` before anything
changes); this module answers:

- a page's script (and the API, in ``cmc.api.errors``): 403 ``reauthentication_required``, with the page to
  confirm at;
- a page opened with GET (the audit export, replacing one's second factor): a redirect to the confirmation
  page, which comes back to the same address;
- a form sent with POST (a role, a party, a coordinator, a token): the confirmation page itself, carrying
  the form's fields; once the password is right, a page whose one button sends the same form again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, session, url_for

from cmc.http.errors import audit_reauthentication, reauthentication_message
from cmc.services.errors import ReauthenticationRequired

#: A form larger than this is not carried through the confirmation (no guarded form comes near it).
MAX_REPLAY_BYTES = 8 * 1024


def remember_proof(account_id: int) -> None:
    """Tell the services when this browser session last proved its password (``session["auth_at"]``, set
    at sign-in and at each confirmation)."""
    stamp = session.get("auth_at")
    if isinstance(stamp, (int, float)):
        g.password_proof = (account_id, datetime.fromtimestamp(stamp, UTC))


def encode_replay(form: Any) -> str:
    """The fields of a refused form (its CSRF token aside) as one hidden value; empty when too large (an
    empty form is ``[]``, which is carried)."""
    pairs = [[name, value] for name in form for value in form.getlist(name) if name != "csrf_token"]
    encoded = json.dumps(pairs, ensure_ascii=False)
    return encoded if len(encoded.encode()) <= MAX_REPLAY_BYTES else ""


def decode_replay(raw: str | None) -> list[tuple[str, str]] | None:
    """The fields carried by the confirmation form, or None when there are none (or they are malformed)."""
    if not raw or len(raw.encode()) > MAX_REPLAY_BYTES:
        return None
    try:
        pairs = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs):
        return None
    return [(name, value) for name, value in pairs]


def respond(exc: ReauthenticationRequired) -> Any:
    """The answer to an action refused for want of a fresh sign-in (nothing has changed)."""
    from cmc.web import json_error, wants_json

    audit_reauthentication()
    here = request.full_path.rstrip("?")
    if wants_json():
        return json_error(403, exc.code, reauthentication_message(exc),
                          confirm_url=url_for("auth.confirm_password", _external=False))
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("auth.confirm_password", next=here))
    from cmc.web.auth_views import safe_next
    from cmc.web.forms import ConfirmPasswordForm

    replay = encode_replay(request.form)
    if not replay:  # too large to carry: come back to the page the form was on, to send it again
        referrer = urlsplit(request.referrer or "")
        here = safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else "")) or url_for("home.index")
    return render_template("auth/confirm_password.html", form=ConfirmPasswordForm(formdata=None), error=None,
                           next_path=here, replay=replay, message=exc.message), 403

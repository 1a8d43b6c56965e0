"""The confirmation that what is published is what was previewed, shared by composing (``preview.confirm``)
and approving a draft (``workflow.approve``): an HMAC of the normalised alert, the network, the person
confirming and what the alert is (an update's original, a draft's id), keyed with the application's secret
under its own salt. It lives apart from ``preview`` because ``preview`` imports ``workflow``, which checks it.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import Signer

from cmc.i18n.labels import label
from cmc.models import Account, Alert, Network
from cmc.services.alerts.compose import AlertInput, as_input
from cmc.services.errors import ConflictError, ValidationError

SALT = "cmc.alert-preview"


class StaleConfirmation(ConflictError):
    """The alert confirmed is not the one previewed (fields changed, a draft edited, another form's token)."""


class SevereNotConfirmed(ValidationError):
    """A Severe or Extreme alert sent without its second confirmation."""


def _normalised(data: AlertInput) -> dict[str, Any]:
    """The input as it will be stored (text trimmed, parties once each), so whitespace alone is no change."""
    plain = asdict(data)
    for name in ("restriction", "note", "handling_text"):
        plain[name] = plain[name].strip()
    for name in ("handling_code", "source_reliability", "info_accuracy"):  # as ``handling.validate`` reads them
        if plain[name] is not None:
            plain[name] = str(plain[name]).strip().upper()
    for info in plain["infos"]:
        for name, value in list(info.items()):
            if isinstance(value, str):
                info[name] = value.strip()
        info["geocodes"] = sorted(set(info["geocodes"]))
        info["expires"] = info["expires"].isoformat() if info["expires"] else None
    return plain


def token_for(actor: Account, network: Network, data: AlertInput, *, publishes: bool,
              original_id: int | None = None, draft_id: int | None = None) -> str:
    """The confirmation token of this input, person, network and kind of message (``draft_id``: the approval
    of that submitted draft)."""
    signed: dict[str, Any] = {"alert": _normalised(data), "author": actor.id, "network": network.id,
                              "original": original_id, "publishes": publishes}
    if draft_id is not None:  # only then, so that a compose page's token is the same as before drafts had one
        signed["draft"] = draft_id
    payload = json.dumps(signed, sort_keys=True, separators=(",", ":"))
    signer = Signer(current_app.config["SECRET_KEY"], salt=SALT)
    return signer.get_signature(payload).decode()


def draft_token(actor: Account, draft: Alert) -> str:
    """The token of a submitted draft's content as ``actor`` sees it before approving it: any change to the
    stored draft (its expiry too, which ``as_input`` leaves out) gives another token."""
    data = as_input(draft)
    for shown, row in zip(data.infos, draft.infos, strict=True):
        shown.expires = row.expires
    return token_for(actor, draft.network, data, publishes=True, draft_id=draft.id)


def matches(sent: str | None, expected: str) -> bool:
    """Whether the token sent is the one expected (compared in constant time)."""
    return hmac.compare_digest(expected.encode(), (sent or "").encode())


def severe_refusal(severity: str, **details: Any) -> SevereNotConfirmed:
    """The refusal of a Severe or Extreme alert sent without the box ticked (the message also marks the box)."""
    message = _("Tick the box to confirm this %(severity)s alert before publishing it.",
                severity=label("severity", severity))
    return SevereNotConfirmed(message, fields={"confirm_severe": message}, **details)

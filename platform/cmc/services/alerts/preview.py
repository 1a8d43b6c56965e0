"""Preview before publishing: the alert as members will see it and who it reaches, judged by the same rules as
publishing but writing nothing; and the confirmation that what is published is what was previewed.

``preview`` validates the input (``compose.validate``) and answers a ``Preview`` carrying a confirmation token:
an HMAC of the normalised input, the network, the author and what the alert answers (an update's original),
keyed with the application's secret under its own salt. ``confirm`` recomputes it from the fields sent with
"Publish": a field changed after the preview, or a token from another form, gives another token, and nothing is
published (``StaleConfirmation``, 409). A Severe or Extreme alert that would be published needs the author's
second confirmation too (``SevereNotConfirmed``, 422). The JSON API publishes without a preview.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import Signer

from cmc.i18n.labels import label
from cmc.models import Account, AlertState, CapStatus, MsgType, Network
from cmc.services.alerts.access import get
from cmc.services.alerts.areas import outside_caribbean
from cmc.services.alerts.compose import AlertInput, InfoInput, validate
from cmc.services.alerts.delivery import mail_subject, recipients
from cmc.services.alerts.workflow import URGENT, require_composer, require_revisable
from cmc.services.errors import ConflictError, ValidationError

SALT = "cmc.alert-preview"


@dataclass
class PreviewAlert:
    """The alert as it will read, for the templates that draw a real one (tags, header, text); never stored."""

    infos: list[InfoInput]
    status: CapStatus
    msg_type: MsgType
    state: AlertState
    restriction: str
    cancelled_at: datetime | None = None
    superseded_by_id: int | None = None


@dataclass
class Preview:
    """What publishing would do: the alert, who it reaches, the e-mail subject, and the token that confirms it."""

    network: Network
    alert: PreviewAlert
    parties: int
    people: int
    publishes: bool  # False: a member's draft, submitted to the coordinators
    urgent: bool  # Severe or Extreme: e-mailed to members offline, and confirmed twice
    subject: str
    token: str
    original_id: int | None = None
    fields: dict[str, str] = field(default_factory=dict)
    outside_caribbean: bool = False  # a point of the area lies outside the region the maps show: warned


class StaleConfirmation(ConflictError):
    """The fields sent with "Publish" are not the ones previewed (or the token is another form's)."""


class SevereNotConfirmed(ValidationError):
    """A Severe or Extreme alert sent without its second confirmation."""


def _normalised(data: AlertInput) -> dict[str, Any]:
    """The input as it will be stored (text trimmed, parties once each), so whitespace alone is no change."""
    plain = asdict(data)
    for name in ("restriction", "note"):
        plain[name] = plain[name].strip()
    for info in plain["infos"]:
        for name, value in list(info.items()):
            if isinstance(value, str):
                info[name] = value.strip()
        info["geocodes"] = sorted(set(info["geocodes"]))
        info["expires"] = info["expires"].isoformat() if info["expires"] else None
    return plain


def token_for(actor: Account, network: Network, data: AlertInput, *, publishes: bool,
              original_id: int | None = None) -> str:
    """The confirmation token of this input, author, network and kind of message."""
    payload = json.dumps({"alert": _normalised(data), "author": actor.id, "network": network.id,
                          "original": original_id, "publishes": publishes}, sort_keys=True, separators=(",", ":"))
    signer = Signer(current_app.config["SECRET_KEY"], salt=SALT)
    return signer.get_signature(payload).decode()


def preview(actor: Account, slug: str | None, data: AlertInput, *, submit: bool = False,
            original_id: int | None = None) -> Preview:
    """Judge the alert as publishing would (permissions, then ``validate``) and describe what publishing it
    would do; writes nothing. ``original_id`` previews an update of that alert (``slug`` is then unused)."""
    if original_id is not None:
        original = get(actor, original_id, audit_read=False)
        require_revisable(actor, original, cancel=False)
        network, publishes, msg_type = original.network, True, MsgType.UPDATE
    else:
        assert slug is not None
        network, publishes = require_composer(actor, slug, submit=submit)
        msg_type = MsgType.ALERT
    validate(data, network)
    first = data.infos[0]
    parties, people = recipients(network)
    shown = PreviewAlert(infos=data.infos, status=CapStatus(data.status), msg_type=msg_type,
                         state=AlertState.PUBLISHED if publishes else AlertState.SUBMITTED,
                         restriction=data.restriction.strip())
    return Preview(network=network, alert=shown, parties=parties, people=people, publishes=publishes,
                   urgent=first.severity in URGENT, subject=mail_subject(first.severity, first.headline.strip()),
                   token=token_for(actor, network, data, publishes=publishes, original_id=original_id),
                   original_id=original_id, outside_caribbean=outside_caribbean(first.circle, first.polygon))


def confirm(actor: Account, slug: str | None, data: AlertInput, *, token: str, severe_checked: bool,
            submit: bool = False, original_id: int | None = None) -> Preview:
    """Check that "Publish" sends what was previewed (else ``StaleConfirmation``) and, for a Severe or Extreme
    alert that would be published, that the author ticked the second confirmation (else
    ``SevereNotConfirmed``). Both errors carry the fresh preview (``details["preview"]``) to show again."""
    shown = preview(actor, slug, data, submit=submit, original_id=original_id)
    if not hmac.compare_digest(shown.token.encode(), (token or "").encode()):
        raise StaleConfirmation(_("You changed the alert after the preview: check it again and confirm."),
                                preview=shown)
    if shown.publishes and shown.urgent and not severe_checked:
        message = _("Tick the box to confirm this %(severity)s alert before publishing it.",
                    severity=label("severity", data.infos[0].severity))
        raise SevereNotConfirmed(message, fields={"confirm_severe": message}, preview=shown)
    return shown

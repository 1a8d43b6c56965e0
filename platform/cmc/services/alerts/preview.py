"""Preview before publishing: the alert as members will see it and who it reaches, judged by the same rules as
publishing but writing nothing; and the confirmation that what is published is what was previewed.

``preview`` validates the input (``compose.validate``) and answers a ``Preview`` carrying a confirmation token:
an HMAC of the normalised input, the network, the author and what the alert answers (an update's original),
keyed with the application's secret under its own salt. ``confirm`` recomputes it from the fields sent with
"Publish": a field changed after the preview, or a token from another form, gives another token, and nothing is
published (``StaleConfirmation``, 409). A Severe or Extreme alert that would be published needs the author's
second confirmation too (``SevereNotConfirmed``, 422). The JSON API publishes without a preview.

``draft_preview`` is the same for a coordinator about to approve a member's submitted draft (on the draft's
page); ``workflow.approve`` then checks the token of the stored draft and the Severe box alike. The token's
making lives in ``confirmation``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from cmc import permissions
from cmc.models import Account, Accuracy, Alert, AlertState, CapStatus, HandlingCode, MsgType, Network, Reliability
from cmc.services import handling
from cmc.services.alerts.access import get
from cmc.services.alerts.areas import outside_caribbean
from cmc.services.alerts.compose import AlertInput, InfoInput, as_input, marking, validate
from cmc.services.alerts.confirmation import (
    StaleConfirmation,
    draft_token,
    matches,
    severe_refusal,
    token_for,
)
from cmc.services.alerts.delivery import mail_subject, recipients
from cmc.services.alerts.workflow import URGENT, require_composer, require_marking, require_revisable


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
    #: The marking it will carry (read by the ``tag`` macro as on an ``Alert``).
    handling_code: HandlingCode = HandlingCode.H0
    handling_text: str = ""
    source_reliability: Reliability | None = None
    info_accuracy: Accuracy | None = None

    def mark(self, kept: handling.Marking) -> PreviewAlert:
        """The preview with this marking."""
        self.handling_code, self.handling_text = kept.code, kept.text
        self.source_reliability, self.info_accuracy = kept.reliability, kept.accuracy
        return self


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


def preview(actor: Account, slug: str | None, data: AlertInput, *, submit: bool = False,
            original_id: int | None = None) -> Preview:
    """Judge the alert as publishing would (permissions, then ``validate``) and describe what publishing it
    would do; writes nothing. ``original_id`` previews an update of that alert (``slug`` is then unused)."""
    original = None
    if original_id is not None:
        original = get(actor, original_id, audit_read=False)
        require_revisable(actor, original, cancel=False)
        network, publishes, msg_type = original.network, True, MsgType.UPDATE
    else:
        assert slug is not None
        network, publishes = require_composer(actor, slug, submit=submit)
        msg_type = MsgType.ALERT
    validate(data, network)
    kept = require_marking(actor, original, data) if original is not None else marking(data)
    first = data.infos[0]
    parties, people = recipients(network)
    shown = PreviewAlert(infos=data.infos, status=CapStatus(data.status), msg_type=msg_type,
                         state=AlertState.PUBLISHED if publishes else AlertState.SUBMITTED,
                         restriction=data.restriction.strip()).mark(kept)
    return Preview(network=network, alert=shown, parties=parties, people=people, publishes=publishes,
                   urgent=first.severity in URGENT,
                   subject=mail_subject(first.severity, first.headline.strip(), kept.code),
                   token=token_for(actor, network, data, publishes=publishes, original_id=original_id),
                   original_id=original_id, outside_caribbean=outside_caribbean(first.circle, first.polygon))


def confirm(actor: Account, slug: str | None, data: AlertInput, *, token: str, severe_checked: bool,
            submit: bool = False, original_id: int | None = None) -> Preview:
    """Check that "Publish" sends what was previewed (else ``StaleConfirmation``) and, for a Severe or Extreme
    alert that would be published, that the author ticked the second confirmation (else
    ``SevereNotConfirmed``). Both errors carry the fresh preview (``details["preview"]``) to show again."""
    shown = preview(actor, slug, data, submit=submit, original_id=original_id)
    if not matches(token, shown.token):
        raise StaleConfirmation(_("You changed the alert after the preview: check it again and confirm."),
                                preview=shown)
    if shown.publishes and shown.urgent and not severe_checked:
        raise severe_refusal(data.infos[0].severity, preview=shown)
    return shown


def draft_preview(actor: Account, draft: Alert) -> Preview | None:
    """What approving a submitted draft would publish, for a person who may approve it (None for anyone else,
    and for an alert that is no draft waiting): the draft as members will see it, who it reaches (counted by
    the fan-out's own queries) and the token ``workflow.approve`` checks. Writes nothing."""
    if draft.state != AlertState.SUBMITTED or not permissions.can(actor, "alert.publish", draft.network):
        return None
    data = as_input(draft)
    first = draft.infos[0]
    parties, people = recipients(draft.network)
    shown = PreviewAlert(infos=data.infos, status=draft.status, msg_type=draft.msg_type,
                         state=AlertState.PUBLISHED, restriction=draft.restriction).mark(handling.marking_of(draft))
    return Preview(network=draft.network, alert=shown, parties=parties, people=people, publishes=True,
                   urgent=first.severity in URGENT,
                   subject=mail_subject(first.severity, first.headline, draft.handling_code),
                   token=draft_token(actor, draft), outside_caribbean=outside_caribbean(first.circle, first.polygon))

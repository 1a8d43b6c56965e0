"""Forms of the handling panel (``templates/handling/_panel.html``): changing an item's marking, asking for a
release, deciding and withdrawing one. They check shape only; ``cmc.services.handling`` decides the rules.

Each form has its own prefix: the panel sits inside an alert's, a document's or a thread's page, beside that
page's own forms, and draws one decision form per pending request (``decide-<id>-``): every field id stays
unique on the page.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from cmc.services.handling.releases import DEFAULT_DAYS, MAX_DAYS, REASON_MAX
from cmc.web.forms import OnceForm, label_choices
from cmc.web.once import FIELD as NONCE_FIELD

MARKING_PREFIX = "marking-"
RELEASE_PREFIX = "release-"


def decision_prefix(release_id: int) -> str:
    """The prefix of one request's decision form."""
    return f"decide-{release_id}-"


class PanelForm(OnceForm):
    """A prefixed one-time form: its nonce keeps the name ``@once`` reads (a prefix would rename it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form_nonce.name = NONCE_FIELD


class HandlingChangeForm(PanelForm):
    """A new handling code (H3's text) and, on alerts and documents for those who may lower, the evaluation.
    The route offers the codes the person may choose (only the stricter ones when they may only raise)."""

    handling_code = SelectField(_l("New handling code"), validate_choice=False)
    handling_text = StringField(_l("Restriction (H3)"), validators=[Optional(), Length(max=500)])
    source_reliability = SelectField(_l("Reliability of the source"), validate_choice=False)
    info_accuracy = SelectField(_l("Accuracy of the information"), validate_choice=False)

    def __init__(self, *args: Any, codes: list[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", MARKING_PREFIX)
        super().__init__(*args, **kwargs)
        self.handling_code.choices = label_choices("handling", codes)
        self.source_reliability.choices = [("", _l("Not evaluated")), *label_choices("reliability")]
        self.info_accuracy.choices = [("", _l("Not evaluated")), *label_choices("accuracy")]


class ReleaseRequestForm(PanelForm):
    """Ask the originating party to release an H2 item: where it would go, and why."""

    purpose = SelectField(_l("Release it to"), validate_choice=False)
    network_id = SelectField(_l("Network (for another network)"), validate_choice=False)
    party_id = SelectField(_l("Party (for a named party)"), validate_choice=False)
    reason = TextAreaField(_l("Why you need it released"),
                           validators=[DataRequired(_l("Say why you need the item released.")),
                                       Length(max=REASON_MAX)], render_kw={"rows": 3})

    def __init__(self, *args: Any, networks: list[tuple[str, str]] | None = None,
                 parties: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", RELEASE_PREFIX)
        super().__init__(*args, **kwargs)
        self.purpose.choices = label_choices("release_purpose")
        self.network_id.choices = [("", _l("Choose a network")), *(networks or [])]
        self.party_id.choices = [("", _l("Choose a party")), *(parties or [])]


class ReleaseDecisionForm(PanelForm):
    """Grant (for 1 to 365 days) or refuse a pending request, with a note; the pressed button decides."""

    days = IntegerField(_l("Days the release lasts"), default=DEFAULT_DAYS,
                        validators=[InputRequired(_l("Say for how many days (1 to 365).")),
                                    NumberRange(min=1, max=MAX_DAYS,
                                                message=_l("Grant a release for 1 to 365 days."))],
                        render_kw={"min": 1, "max": MAX_DAYS, "inputmode": "numeric"})
    note = TextAreaField(_l("Note to the asker"), validators=[Optional(), Length(max=REASON_MAX)],
                         render_kw={"rows": 2})
    decision = StringField()  # sent by the pressed button (grant or refuse); never drawn as an input


class ReleaseWithdrawForm(PanelForm):
    """The asker withdraws their request (a button)."""

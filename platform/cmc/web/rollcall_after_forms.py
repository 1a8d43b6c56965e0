"""Forms of a roll call's organiser panel (``templates/rollcalls/_after.html``): closing it, reopening it with a
new deadline, its handling code. They check shape only; ``cmc.services.rollcalls.closing`` decides.

Each has its own prefix: the panel sits in the board page beside the board's own forms, and every field id must
stay unique there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from cmc.i18n import timefmt
from cmc.models import HandlingCode
from cmc.models.handling import HANDLING_TEXT_MAX
from cmc.models.types import utcnow
from cmc.services.errors import ValidationError
from cmc.web.alert_forms import parse_expires
from cmc.web.forms import label_choices
from cmc.web.handling_forms import PanelForm

#: The value a datetime-local input takes and sends ("2026-12-01T18:30").
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class CloseForm(PanelForm):
    """Close the roll call: the box says the person knows closing freezes the answers."""

    confirm = BooleanField(_l("I understand: closing freezes the answers; no party can answer or change its "
                              "answer until the roll call is reopened."),
                           validators=[DataRequired(_l("Tick the box to confirm that you want to close the roll "
                                                       "call."))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "close-")
        super().__init__(*args, **kwargs)


class ReopenForm(PanelForm):
    """Reopen with a new deadline, typed in the person's own time zone."""

    deadline = StringField(_l("New deadline (your time zone)"), render_kw={"type": "datetime-local"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reopen-")
        super().__init__(*args, **kwargs)

    def suggest(self, hours: int = 24) -> None:
        """Fill the field with a deadline ``hours`` from now, on the person's clock."""
        local = (utcnow() + timedelta(hours=hours)).astimezone(timefmt.viewer_zone())
        self.deadline.data = local.strftime(LOCAL_FORMAT)

    def deadline_utc(self, zone: str) -> datetime | None:
        """The deadline sent, as aware UTC (None when empty; the service says so); ``ValidationError`` for a
        value that is not a date and time."""
        raw = self.deadline.data if isinstance(self.deadline.data, str) else ""
        try:
            return parse_expires(raw, zone or "UTC")
        except ValueError:
            message = _("Give the new deadline as a date and a time, for example 2026-12-01T18:30.")
            raise ValidationError(message, fields={"deadline": message}) from None


class RollCallHandlingForm(PanelForm):
    """The handling code of the roll call's board, report and CSV (H3 with its restriction)."""

    handling_code = SelectField(_l("Handling code"), validate_choice=False)
    handling_text = StringField(_l("Restriction (H3)"), validators=[Optional(), Length(max=HANDLING_TEXT_MAX)],
                                render_kw={"maxlength": HANDLING_TEXT_MAX})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "rc-handling-")
        super().__init__(*args, **kwargs)
        self.handling_code.choices = label_choices("handling", [code.value for code in HandlingCode])

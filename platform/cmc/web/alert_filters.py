"""The filters of the alert lists (the page's GET form, and the API's query string): network, severity, CAP
status, handling code, active, waiting for my party, and the view (list or map). A value that is not one of the
choices is refused with a message per field (the page answers 400 with them, never a 500 and never an empty list that
looks like "no alerts")."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import AnyOf, ValidationError

from cmc.i18n import labels
from cmc.models import Network
from cmc.models.alert import SEVERITIES
from cmc.services import alerts, networks

STATUSES = alerts.FILTER_STATUSES
HANDLING = alerts.FILTER_HANDLING
WHEN_CHOICES = alerts.WHEN_CHOICES
#: What a checkbox may send (``waiting=1`` from the form, true/false from the API).
_YES = ("1", "true", "on", "yes", "y")
_NO = ("", "0", "false", "off", "no", "n")
VIEWS = ("list", "map")


class AlertFilterForm(FlaskForm):
    """The alert list's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    network = SelectField(_l("Network"), default="", validate_choice=False)
    severity = SelectField(_l("Severity"), default="", validate_choice=False, validators=[
        AnyOf(("", *SEVERITIES), message=_l("Choose a severity from the list."))])
    status = SelectField(_l("Status"), default="", validate_choice=False, validators=[
        AnyOf(("", *STATUSES), message=_l("Choose a status from the list: Actual, Exercise or Test."))])
    # In the context of alerts (a feminine noun in Spanish and French): not the accounts' "Active" and "All".
    active = SelectField(_p("alert_filter", "Active"), default="all", validate_choice=False, validators=[
        AnyOf(WHEN_CHOICES, message=_l("Choose active, expired, cancelled or all."))])
    handling = SelectField(_l("Handling code"), default="", validate_choice=False, validators=[
        AnyOf(("", *HANDLING), message=_l("Choose a handling code from the list: H0, H1, H2 or H3."))])
    waiting = BooleanField(_l("Waiting for my party"), false_values=_NO)
    view = SelectField(_l("View"), default="list", validate_choice=False, validators=[
        AnyOf(VIEWS, message=_l("Choose the list or the map."))])

    def __init__(self, args: MultiDict[str, str], readable: list[Network], *, fixed_network: bool) -> None:
        super().__init__(formdata=args)
        self.readable = {n.slug: n for n in readable}
        self.fixed_network = fixed_network
        self.network.choices = [SelectChoice("", _l("All networks"))] + [
            SelectChoice(n.slug, networks.network_name(n, plain=True)) for n in readable]
        self.severity.choices = [SelectChoice("", _l("All severities"))] + [
            SelectChoice(code, text) for code, text in labels.choices("severity", SEVERITIES)]
        self.status.choices = [SelectChoice("", _l("All statuses"))] + [
            SelectChoice(code, text) for code, text in labels.choices("cap_status", STATUSES)]
        self.handling.choices = [SelectChoice("", _l("All codes"))] + [
            SelectChoice(code, code) for code in HANDLING]  # the codes (their meanings are on each alert)
        self.active.choices = [SelectChoice("all", _p("alert_filter", "All")),
                               SelectChoice("active", _p("alert_filter", "Active")),
                               SelectChoice("expired", _p("alert_filter", "Expired or updated")),
                               SelectChoice("cancelled", _l("Cancelled"))]
        self.view.choices = [SelectChoice("list", _l("List")), SelectChoice("map", _l("Map"))]

    def validate_network(self, field: Any) -> None:
        """A network the reader may read alerts of (the same message whether it exists or not)."""
        if field.data and not self.fixed_network and field.data not in self.readable:
            raise ValidationError(_l("Choose a network from the list."))

    def validate_waiting(self, field: Any) -> None:
        """A yes or a no."""
        if field.raw_data and field.raw_data[0].strip().lower() not in _YES + _NO:
            raise ValidationError(_l("Tick the box or leave it empty."))

    def errors_by_field(self) -> dict[str, str]:
        """{field: its first message}, as the error summary and the ``field`` macro read them."""
        return {name: str(messages[0]) for name, messages in self.errors.items() if messages}

    def to_filter(self, network: Network | None = None) -> alerts.AlertFilter:
        """The filters as the service takes them (``network``: the page's own network, if any)."""
        chosen = network or (self.readable.get(self.network.data) if self.network.data else None)
        return alerts.AlertFilter(network=chosen, severity=self.severity.data or "",
                                  status=self.status.data or "", when=self.active.data or "all",
                                  waiting=bool(self.waiting.data), handling=self.handling.data or "")

    @property
    def narrowed(self) -> bool:
        """Whether any filter narrows the list (so it is shown as one list, not active then history)."""
        return bool(self.network.data and not self.fixed_network) or bool(self.severity.data) \
            or bool(self.status.data) or (self.active.data or "all") != "all" or bool(self.waiting.data) \
            or bool(self.handling.data)

"""Home: who I am, for which party, and what needs me."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user

from cmc.http.access import Access, access
from cmc.models import NetworkRole, Role
from cmc.services import alerts, directory, listing, meetings, networks

bp = Blueprint("home", __name__)


@bp.get("/")
@access(Access.SIGNED_IN)
def index() -> Any:
    """The signed-in person's home page."""
    account = current_user._get_current_object()
    # The person's networks first: the lists below name them, and find them in the session instead of reading
    # them again.
    mine = directory.networks_of(account)
    activity = networks.load_activity(networks.activity_rows_query(account).limit(15), with_networks=False)
    waiting = alerts.load_rows(alerts.unacknowledged_rows_query(account).limit(10), with_networks=False)
    listing.attach_networks(activity, waiting)  # the networks both lists name, in one query
    upcoming = meetings.upcoming_rows(account, date.today(), limit=5)  # the soonest first
    actions = meetings.action_rows(account, limit=10)
    role_labels = {Role.SECRETARIAT: _("Secretariat"), Role.FOCAL_POINT: _("National focal point"),
                   Role.DELEGATE: _("Delegate")}
    coordinating = {n["id"] for n in mine if NetworkRole(n["role"]).is_coordinator}
    return render_template("home/index.html", account=account, networks=mine, coordinating=coordinating,
                           role_label=role_labels[account.role],
                           activity=activity, waiting=waiting, upcoming=upcoming, actions=actions)

"""The parts of a page that follow alert events: home's "What needs you", the activity feeds of home and of a
network's workspace, the workspace's active alerts, and the navigation count.

When an alert is published, updated, cancelled or acknowledged, the page's script (``static/js/parts.js``)
asks ``/parts`` once for every part it shows and replaces them with what the server renders now, from the same
templates and queries as the page itself. The count and the lists therefore come from one request at one moment
and cannot disagree, whatever events the link dropped; the script never adds or subtracts on its own.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from cmc.http.access import Access, access
from cmc.http.errors import json_error
from cmc.services import alerts, listing, networks

bp = Blueprint("parts", __name__)

#: Parts a page may ask for, and how many lines each shows (the same as the pages that hold them).
PARTS = ("waiting", "activity", "network_alerts", "rollcalls")
HOME_ACTIVITY, NETWORK_ACTIVITY, WAITING, NETWORK_ALERTS = 15, 8, 10, 5


@bp.get("/parts")
@access(Access.SIGNED_IN)
def parts() -> Any:
    """``?part=waiting&part=activity[&network=slug]``: each part's HTML, with the navigation count and the
    newest alert id, as JSON. A network the person may not read answers 404, as its pages do."""
    actor = current_user._get_current_object()
    wanted = request.args.getlist("part")
    unknown = [name for name in wanted if name not in PARTS]
    if unknown or len(wanted) > len(PARTS):
        return json_error(400, "unknown_part", _("Unknown part of a page: %(part)s.", part=", ".join(unknown)))
    slug = request.args.get("network", "")
    network = networks.open_network(actor, slug) if slug else None
    if "network_alerts" in wanted and network is None:
        return json_error(400, "network_required", _("Name the network whose alerts to show."))
    rendered: dict[str, str] = {}
    if "waiting" in wanted:
        waiting = alerts.load_rows(alerts.unacknowledged_rows_query(actor).limit(WAITING))
        rendered["waiting"] = render_template("home/_waiting.html", waiting=waiting, account=actor)
    if "activity" in wanted:
        query = networks.activity_rows_query(actor, network).limit(NETWORK_ACTIVITY if network else HOME_ACTIVITY)
        activity = networks.load_activity(query, with_networks=network is None)
        rendered["activity"] = render_template("parts/activity.html", activity=activity,
                                               show_network=network is None)
    if "network_alerts" in wanted and network is not None:
        active = alerts.load_rows(alerts.list_rows_query(actor, network=network, active=True).limit(NETWORK_ALERTS),
                                  with_networks=False)
        listing.attach_networks(active)
        rendered["network_alerts"] = render_template("parts/network_alerts.html", active_alerts=active)
    if "rollcalls" in wanted:  # the banner of roll calls waiting for the person's party (every page holds it)
        rendered["rollcalls"] = render_template("rollcalls/_waiting.html")
    badge = alerts.navigation_badge(actor)
    return {"waiting": badge.waiting, "latest_id": badge.latest_id, "unread": badge.unread, "parts": rendered}

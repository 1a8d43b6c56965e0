"""The alert lists' page (all my alerts, or one network's): filters, the list (active then history, or one list
of what the filters match) or the map of the active alerts with its list twin; every list read as rows, with my
party's acknowledgement of each alert."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from flask import render_template, request

from cmc import i18n
from cmc.http.pagination import paginate
from cmc.i18n.catalogues import request_locale
from cmc.models import Account, Network
from cmc.services import alerts, listing
from cmc.web.alert_filters import AlertFilterForm

#: Active alerts the map (and its twin) shows at most; the list pages on.
MAP_LIMIT = 200
ACTIVE_LIMIT = 100


def _map_items(actor: Account, filters: alerts.AlertFilter) -> list[tuple[alerts.AlertRow, alerts.MapArea]]:
    """The active alerts the filters keep, each with the area the map draws (from the block the reader reads)."""
    rows = alerts.load_rows(alerts.list_rows_query(actor, filters=replace(filters, when="active")).limit(MAP_LIMIT),
                            reader=actor)
    language = str(request_locale() or i18n.DEFAULT)
    shown = {row.id: block.info.language for row in rows if (block := alerts.block_for(row, language))}
    areas = alerts.load_areas([row.id for row in rows], shown)
    return [(row, areas.get(row.id) or alerts.MapArea()) for row in rows]


def map_items(actor: Account) -> list[tuple[alerts.AlertRow, alerts.MapArea]]:
    """Every active alert the actor may read, with its area (the situation dashboard's map)."""
    return _map_items(actor, alerts.AlertFilter())


def render_list(actor: Account, network: Network | None = None, **extra: Any) -> Any:
    """The list page: 400 with a message per field for a filter value that is not a choice."""
    form = AlertFilterForm(request.args, [] if network else alerts.readable_networks(actor),
                           fixed_network=network is not None)
    context: dict[str, Any] = {"form": form, "network": network, "errors": {}, "view": "list", "active": [],
                               "page": None, "map_items": None, **extra}
    if not form.validate():
        listing.attach_networks(extra.get("drafts") or [])
        context["errors"] = form.errors_by_field()
        return render_template("alerts/index.html", **context), 400
    filters = form.to_filter(network)
    load = partial(alerts.load_rows, reader=actor, with_networks=False)
    context["view"] = form.view.data
    if form.view.data == "map":
        context["map_items"] = _map_items(actor, filters)
    elif form.narrowed:
        context["page"] = paginate(alerts.list_rows_query(actor, filters=filters), per_page=25, load=load)
    else:
        context["active"] = load(alerts.list_rows_query(actor, filters=replace(filters, when="active"))
                                 .limit(ACTIVE_LIMIT))
        context["page"] = paginate(alerts.list_rows_query(actor, filters=replace(filters, when="inactive")),
                                   per_page=25, load=load)
    page = context["page"]  # every list's networks in one query
    listing.attach_networks(context["active"], page.items if page is not None else [], extra.get("drafts") or [])
    return render_template("alerts/index.html", **context)

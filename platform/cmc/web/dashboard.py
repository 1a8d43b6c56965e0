"""The situation dashboard (``/situation``): a map of the active alerts, how fast each member state
acknowledges, alerts per month by kind, open action items by owner; each figure drawn server side (SVG, no chart
library) with a table twin, printable, and as CSV (``/situation/<figure>.csv``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from cmc.http.access import Access, access
from cmc.i18n import timefmt
from cmc.models import Account
from cmc.models.types import utcnow
from cmc.services import alerts, audit, dashboard
from cmc.services.text import csv_cell
from cmc.web.alert_lists import map_items

bp = Blueprint("situation", __name__)

FIGURES = ("pace", "months", "actions")


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its value and its length as a share (0 to 1) of the longest."""

    label: str
    value: float
    share: float
    text: str


def _bars(items: list[tuple[str, float, str]], *, whole: float | None = None) -> list[Bar]:
    """Bars scaled to ``whole`` (a share's 1) or to the largest value."""
    top = whole if whole is not None else max((value for _label, value, _text in items), default=0) or 1
    return [Bar(label, value, min(value / top, 1.0), text) for label, value, text in items]


def _median_words(seconds: float | None) -> str:
    return alerts.duration_words(int(seconds)) if seconds is not None else _("none acknowledged")


def _actor() -> Account:
    return current_user._get_current_object()


@bp.get("/situation")
@access(Access.SIGNED_IN)
def index() -> Any:
    """The dashboard of the networks the reader may read."""
    actor, now = _actor(), utcnow()
    pace = dashboard.party_pace(actor, now)
    months = dashboard.alerts_by_month(actor, now)
    actions = dashboard.open_actions(actor, date.today())
    month_labels = [timefmt.show(date(int(key[:4]), int(key[5:]), 1), "month") for key in months.months]
    return render_template(
        "dashboard/index.html", window=dashboard.WINDOW_DAYS, pace=pace,
        pace_bars=_bars([(f"{p.name} ({p.code})", p.share, _("%(done)d of %(asked)d", done=p.acknowledged,
                                                             asked=p.asked)) for p in pace], whole=1.0),
        median_words={p.code: _median_words(p.median_seconds) for p in pace},
        months=months, month_labels=month_labels,
        month_bars=_bars([(label, total, str(total)) for label, total in zip(month_labels, months.totals,
                                                                               strict=True)]),
        actions=actions, action_bars=_bars([(o.owner, o.open, str(o.open)) for o in actions]),
        map_items=map_items(actor), form=None, now=now)


@bp.get("/situation/<figure>.csv")
@access(Access.SIGNED_IN)
def figure_csv(figure: str) -> Any:
    """One figure's table as CSV (cells that start like a formula are quoted as text)."""
    if figure not in FIGURES:
        abort(404)
    actor, now = _actor(), utcnow()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if figure == "pace":
        writer.writerow([_("Party code"), _("Party"), _("Alerts to acknowledge"), _("Acknowledged"),
                         _("Share acknowledged (%)"), _("Median time to acknowledge (minutes)")])
        for p in dashboard.party_pace(actor, now):
            median = "" if p.median_seconds is None else str(round(p.median_seconds / 60))
            writer.writerow([csv_cell(v) for v in (p.code, p.name, p.asked, p.acknowledged,
                                                   round(p.share * 100), median)])
    elif figure == "months":
        months = dashboard.alerts_by_month(actor, now)
        writer.writerow([_("Event"), *months.months])
        for event, counts in months.kinds.items():
            writer.writerow([csv_cell(event), *counts])
        writer.writerow([_("All alerts"), *months.totals])
    else:
        writer.writerow([_("Owner"), _("Open action items"), _("Past due")])
        for o in dashboard.open_actions(actor, date.today()):
            writer.writerow([csv_cell(o.owner), o.open, o.overdue])
    audit.record_now(actor, "situation.export", target_type="figure", target_id=figure)
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cmc-situation-{figure}-{now:%Y-%m-%d}.csv"'})

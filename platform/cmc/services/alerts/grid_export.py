"""The acknowledgement grid as CSV, for the coordinator's report: every party, whether it is expected to
acknowledge and why not, and its delivery, opening and acknowledgement. Headers and words in the reader's
language; times in ISO 8601 UTC (what a spreadsheet sorts); every cell safe from formula injection."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask_babel import gettext as _

from cmc import permissions
from cmc.models import Account
from cmc.services import audit
from cmc.services.alerts.access import get
from cmc.services.alerts.grid import delay_words, grid, reason_word
from cmc.services.text import csv_cell


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def grid_csv(actor: Account, alert_id: int) -> str:
    """The alert's whole grid as CSV (coordinators of the network and the secretariat, as the full grid;
    403 for other readers, 404 for who may not read the alert). The export is recorded."""
    alert = get(actor, alert_id, audit_read=False)
    permissions.require(actor, "alert.grid", alert, action="alert.grid_export", target_type="alert",
                        target_id=alert.id, target_party_id=alert.party_id)
    rows = grid(actor, alert.id)
    audit.record_now(actor, "alert.grid_export", target_type="alert", target_id=alert.id,
                     target_party_id=alert.party_id, details={"rows": len(rows)})
    yes, no = _("yes"), _("no")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Party code"), _("Party"), _("Expected to acknowledge"), _("Why not expected"),
                     _("Delivered (UTC)"), _("Opened (UTC)"), _("Acknowledged by"), _("Acknowledged at (UTC)"),
                     _("Delay"), _("Delay (minutes)"), _("Overdue")])
    for row in rows:
        minutes = "" if row.delay_seconds is None else str(row.delay_seconds // 60)
        writer.writerow([csv_cell(value) for value in (
            row.party_code, row.party_name, yes if row.expected else no, reason_word(row.reason),
            _when(row.delivered_at), _when(row.opened_at), row.acknowledged_by, _when(row.acknowledged_at),
            delay_words(row.delay_seconds), minutes, yes if row.overdue else no)])
    return buffer.getvalue()

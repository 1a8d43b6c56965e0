"""An alert's exports as pages offer them: the PDF with its handling marking (issue 18). Adds its views to
``alerts.bp``.

The PDF is an export like CAP: an H2 alert leaves only for its originating party or under a release covering
the reader's party (``handling.require_export``; a refusal is the error page with its message, audited as
denied), and every export is audited with the alert's code.
"""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from cmc import i18n, permissions
from cmc.http.access import Access, access
from cmc.i18n.catalogues import request_locale
from cmc.models import Account, AlertState
from cmc.services import alerts, audit, handling
from cmc.services.alerts import pdf
from cmc.web.alerts import bp
from cmc.web.meeting_times import css_string, page_counter


def _actor() -> Account:
    return current_user._get_current_object()


def printable_alert(alert: Any) -> str:
    """The HTML of the alert's PDF in the reader's language (the block in their language when the alert has
    one), its handling marking written into the margins of every page as CSS strings."""
    language = str(request_locale() or i18n.DEFAULT)
    shown = alerts.block_for(alert, language)
    margins = pdf.margin_texts(alert)
    return render_template(
        "alerts/print.html", alert=alert, shown=shown, page_language=language,
        statement=handling.statement(alert, alert.party.name), evaluation=handling.evaluation(alert),
        header_marking=css_string(margins.header), footer_marking=css_string(margins.footer),
        page_counter=page_counter(_("Page %(n)s of %(total)s", n="%(n)s", total="%(total)s")))


@bp.get("/alerts/<int:alert_id>.pdf")
@access(Access.SIGNED_IN)
def pdf_export(alert_id: int) -> Any:
    """The published alert as a printable A4 PDF, its handling code and statement on every page; refused
    (403, with the reason) for an H2 alert that no release lets leave for the reader's party."""
    actor = _actor()
    alert = alerts.get(actor, alert_id, audit_read=False)
    permissions.check(alert.state == AlertState.PUBLISHED, action="alert.export", target_type="alert",
                      target_id=alert_id, hide=True)
    released = handling.require_export(actor, alert, "pdf")
    body = pdf.write_pdf(printable_alert(alert))
    if not released:  # an export under a release is recorded by the guard itself, once
        audit.record_now(actor, "alert.export", target_type="alert", target_id=alert.id,
                         target_party_id=alert.party_id,
                         details={"format": "pdf", "handling_code": alert.handling_code.value})
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="alert-{alert.id}.pdf"', "Cache-Control": "no-store"})

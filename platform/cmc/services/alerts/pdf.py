"""An alert as a printable A4 PDF that carries its handling marking on every page (issue 18).

The page template (``alerts/print.html``) writes the marking into the page margins: the code's statement
(naming the originating party; H1's judicial-disclosure warning, H3's restriction) at the top of every page, the
evaluation and the page number at the bottom, so a printed or forwarded page never loses what the originator
asked. :func:`margin_texts` says those sentences in the reader's language; :func:`write_pdf` lays the HTML out
with WeasyPrint. Whether the alert may be exported at all is ``handling.require_export(actor, alert, "pdf")``,
asked by the page before it renders.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from cmc.models import Alert
from cmc.services import handling
from cmc.services.text import xml_safe


@dataclass(frozen=True)
class MarginTexts:
    """What every page's margins say about the alert, in the reader's language."""

    header: str
    footer: str


def margin_texts(alert: Alert) -> MarginTexts:
    """The running header (the handling statement) and footer (identifier, originator, evaluation) of the
    alert's PDF."""
    origin = alert.party.name
    footer = [alert.identifier, _("Originator: %(party)s", party=origin),
              handling.evaluation(alert) or _("Not evaluated")]
    return MarginTexts(header=handling.statement(alert, origin), footer=" · ".join(footer))


def write_pdf(html: str) -> bytes:
    """The PDF of a page rendered from ``alerts/print.html``. Characters XML forbids are replaced first: a lone
    surrogate in a stored headline cannot even be encoded."""
    # Imported on use: WeasyPrint is slow to import and only the printed exports need it.
    from weasyprint import HTML

    return bytes(HTML(string=xml_safe(html), base_url=None).write_pdf())

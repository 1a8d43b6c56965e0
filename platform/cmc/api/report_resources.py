""""Who read what we shared" in the API (issue 18): a page of the report of a party's items."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError as SchemaError

from cmc.api import bp
from cmc.api.spec import operation
from cmc.http.access import Access
from cmc.http.pagination import paginate
from cmc.schemas.report import SharedReportPageSchema, SharedReportQuerySchema
from cmc.services.errors import ValidationError
from cmc.services.handling import report


def _filters() -> report.ReportFilter:
    """The query string as the report's filters; 422 naming each field that is not right."""
    try:
        args = SharedReportQuerySchema().load(request.args.to_dict())
    except SchemaError as exc:
        problems = {name: " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
                    for name, messages in exc.normalized_messages().items()}
        raise ValidationError(_("Some filters are not right: %(fields)s.", fields=", ".join(sorted(problems))),
                              fields=problems) from exc
    return report.ReportFilter(
        reader_party=str(args.get("reader", "")).strip().upper(), person=str(args.get("person", "")).strip(),
        kind=args.get("kind", ""), item_type=args.get("item_type", ""), item_id=args.get("item_id"),
        date_from=args.get("date_from"), date_to=args.get("date_to"),
        include_own=bool(args.get("include_own", False)), outcome=args.get("outcome", ""))


@bp.get("/parties/<party>/shared-report")
@operation(Access.SIGNED_IN, summary="Who read what the party shared: other parties' uses of its items, newest "
                                     "first (50 a page; the party's focal point, or the secretariat)",
           tags=["handling"], query=SharedReportQuerySchema, errors=(404,),
           answers={200: ("One page of the report", SharedReportPageSchema)})
def shared_report(party: str) -> Any:
    """A page of the report (404 for an unknown party, 403 for anyone the rule refuses)."""
    actor = current_user._get_current_object()
    owner = report.require_report(actor, report.party_by_code(party))
    filters = _filters()
    page = paginate(report.rows_query(actor, owner, filters), per_page=50)
    page.items = report.present(actor, page.items)
    return jsonify(SharedReportPageSchema().dump(page))

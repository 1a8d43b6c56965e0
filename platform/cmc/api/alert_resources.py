"""Alert endpoints of the API, the CAP export and the Atom feed; ``@operation`` declares each one's OpenAPI
operation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cmc import i18n, permissions
from cmc.api import BadRequestBody, UnsupportedMediaType, bp, json_body, network_filter
from cmc.api.spec import operation, text
from cmc.extensions import db
from cmc.http.access import Access
from cmc.http.pagination import paginate
from cmc.models import Account, Accuracy, Alert, AlertState, HandlingCode, Reliability
from cmc.models.alert import SEVERITIES
from cmc.schemas import AcknowledgementSchema, AlertInputSchema, AlertPageSchema, AlertSchema, GridSchema
from cmc.schemas.alerts import TranslationInputSchema
from cmc.schemas.common import With
from cmc.schemas.queries import AlertQuerySchema
from cmc.services import alerts, audit, cap, handling, networks
from cmc.services.errors import ValidationError


def _actor() -> Account:
    return current_user._get_current_object()


def _input(data: dict[str, Any]) -> alerts.AlertInput:
    """The JSON body of a new alert or update as service input (shape only; the service checks the rules)."""
    infos = data.get("infos")
    if not isinstance(infos, list) or not infos or not all(isinstance(i, dict) for i in infos):
        raise BadRequestBody(_("infos must be a list of information blocks."), fields={"infos": "required"})
    parsed = []
    for block in infos:
        expires = block.get("expires")
        try:
            when = datetime.fromisoformat(expires) if isinstance(expires, str) and expires else None
            if when is not None and when.tzinfo is not None:
                when.astimezone(UTC)  # a date at the edge of the calendar cannot be stored
        except (ValueError, OverflowError) as exc:
            raise ValidationError(_("expires must be an ISO 8601 date-time with a time zone."),
                                  fields={"expires": "format"}) from exc
        if when is not None and when.tzinfo is None:
            raise ValidationError(_("expires must carry a time zone, e.g. +00:00."), fields={"expires": "timezone"})
        geocodes = block.get("geocodes", [])
        if not isinstance(geocodes, list):
            raise BadRequestBody(_("geocodes must be a list of party codes."), fields={"geocodes": "type"})
        texts = {key: block.get(key, "") for key in ("headline", "event", "severity", "urgency", "certainty",
                                                     "category", "language", "description", "instruction",
                                                     "area_desc", "circle", "polygon")}
        if not all(isinstance(v, str) for v in texts.values()):
            raise BadRequestBody(_("Every text field of an info block must be a string."), fields={"infos": "type"})
        parsed.append(alerts.InfoInput(
            headline=texts["headline"], event=texts["event"], severity=texts["severity"],
            urgency=texts["urgency"] or "Expected", certainty=texts["certainty"] or "Likely",
            category=texts["category"] or "Security", language=texts["language"] or "en",
            description=texts["description"], instruction=texts["instruction"], expires=when,
            area_desc=texts["area_desc"], geocodes=[str(g).upper() for g in geocodes], circle=texts["circle"],
            polygon=texts["polygon"]))
    ack_minutes = data.get("ack_within_minutes", 60)
    if not isinstance(ack_minutes, int) or isinstance(ack_minutes, bool):
        raise BadRequestBody(_("ack_within_minutes must be a whole number."), fields={"ack_within_minutes": "type"})
    status = data.get("status", "Actual")
    restriction = data.get("restriction", "For members of the network only")
    if not isinstance(status, str) or not isinstance(restriction, str):
        raise BadRequestBody(_("status and restriction must be strings."), fields={"status": "type"})
    return alerts.AlertInput(infos=parsed, status=status, restriction=restriction,
                             note=str(data.get("note", ""))[:500], ack_within_minutes=ack_minutes, **_marking(data))


#: The marking's fields of ``AlertInputSchema`` (``HandlingInputSchema``'s).
MARKING_FIELDS = ("handling_code", "handling_text", "source_reliability", "info_accuracy")


def _marking(data: dict[str, Any]) -> dict[str, Any]:
    """The marking sent with the alert, for the service to judge (``handling.validate``: 422 naming the field).
    None of its fields sent: the service's default (H0, or an Update's inherited marking)."""
    if not any(name in data for name in MARKING_FIELDS):
        return {}
    code, restriction = data.get("handling_code"), data.get("handling_text")
    if not isinstance(code, str | None) or not isinstance(restriction, str | None):
        raise ValidationError(_("handling_code and handling_text must be strings."),
                              fields={"handling_code": "type"})
    return {"handling_code": code or "H0", "handling_text": restriction or "",
            "source_reliability": data.get("source_reliability"), "info_accuracy": data.get("info_accuracy")}


@bp.get("/alerts")
@operation(Access.SIGNED_IN, summary="Published alerts of my networks, newest first (50 a page)", tags=["alerts"],
           description="Each alert carries its handling marking. An H2 alert that no release lets leave for the "
                       "caller's party is a placeholder: `restricted` true, only its id, identifier, network "
                       "and `handling`, and `infos` empty.",
           query=AlertQuerySchema, errors=(400, 404), answers={200: ("One page of alerts", AlertPageSchema)})
def list_alerts() -> Any:
    """Alerts I may read, filtered as the alerts page filters them (a value that is not a choice: 400)."""
    args = request.args
    network = network_filter()
    since = None
    if args.get("since"):
        try:
            since = datetime.fromisoformat(args["since"])
        except ValueError as exc:
            raise BadRequestBody(_("since must be an ISO 8601 date-time.")) from exc
        if since.tzinfo is None:
            raise BadRequestBody(_("since must carry a time zone, e.g. +00:00."))
    filters = _filters(args)
    query = alerts.api_rows_query(_actor(), filters=replace(filters, network=network, since=since))
    page = paginate(query, per_page=50, load=alerts.load_json_rows)
    page.items = marked_rows(_actor(), page.items)  # the page's rows only (not the one that says a next exists)
    return jsonify(AlertPageSchema().dump(page))


def _filters(args: Any) -> alerts.AlertFilter:
    """The list's filters from the query string: each value one of its choices, else 400 naming the field."""
    severity, status, code = args.get("severity", ""), args.get("status", ""), args.get("handling", "")
    when = alerts.WHEN_WORDS.get(args.get("active", "").strip().lower()) if args.get("active") else "all"
    waiting = args.get("waiting", "").strip().lower()
    problems = {}
    if severity and severity not in SEVERITIES:
        problems["severity"] = _("severity must be one of %(values)s.", values=", ".join(SEVERITIES))
    if status and status not in alerts.FILTER_STATUSES:
        problems["status"] = _("status must be one of %(values)s.", values=", ".join(alerts.FILTER_STATUSES))
    if when is None:
        problems["active"] = _("active must be true, false, active, expired, cancelled or all.")
    if waiting not in ("", "true", "1", "false", "0"):
        problems["waiting"] = _("waiting must be true or false.")
    if code and code not in alerts.FILTER_HANDLING:
        problems["handling"] = _("handling must be one of %(values)s.", values=", ".join(alerts.FILTER_HANDLING))
    if problems:
        raise BadRequestBody(next(iter(problems.values())), fields=dict.fromkeys(problems, "choice"))
    return alerts.AlertFilter(severity=severity, status=status, when=when or "all", waiting=waiting in ("true", "1"),
                              handling=code)


@bp.post("/networks/<slug>/alerts")
@operation(Access.SIGNED_IN,
           summary="Publish (coordinators) or submit for approval (members); Idempotency-Key makes retries safe",
           tags=["alerts"], body=AlertInputSchema, idempotent=True, errors=(410,),
           answers={200: ("The alert made earlier with the same Idempotency-Key", AlertSchema),
                    201: ("The alert", AlertSchema)})
def publish_alert(slug: str) -> Any:
    """Publish an alert."""
    body = json_body()
    data = _input(body)
    alert, created = alerts.publish(_actor(), slug, data, idempotency_key=request.headers.get("Idempotency-Key"),
                                    submit=body.get("submit") is True)
    return jsonify(alerts.alert_json(alert)), 201 if created else 200


@bp.post("/networks/<slug>/alerts/import")
@operation(Access.SIGNED_IN,
           summary="Publish (or submit) an alert from a CAP 1.2 document (scope Restricted, msgType Alert)",
           description="Any encoding an XML parser reads (UTF-8, UTF-16, UTF-32, a declared ISO-8859-1...). "
                       "Nothing is fetched or expanded: a document type declaration, an entity reference or an "
                       "XInclude is refused, as is XML that is not well-formed or not valid against the CAP 1.2 "
                       "schema; each with a 422 whose message names the problem.",
           tags=["alerts"], body=text("application/cap+xml"), idempotent=True,
           answers={200: ("The alert made earlier with the same Idempotency-Key", AlertSchema),
                    201: ("The alert", AlertSchema)})
def import_alert(slug: str) -> Any:
    """Import a CAP alert."""
    if request.mimetype not in ("application/cap+xml", "application/xml", "text/xml"):
        raise UnsupportedMediaType(_("Send the CAP document as application/cap+xml."))
    networks.open_network(_actor(), slug)
    data = cap.parse(request.get_data(cache=False)[: cap.MAX_IMPORT_BYTES + 1])
    alert, created = alerts.publish(_actor(), slug, data, idempotency_key=request.headers.get("Idempotency-Key"),
                                    submit=request.args.get("submit") == "1")
    return jsonify(alerts.alert_json(alert)), 201 if created else 200


@bp.get("/alerts/<int:alert_id>")
@operation(Access.SIGNED_IN, summary="An alert (reading is audited)",
           description="An H2 alert leaves the platform only for its originating party or under a release that "
                       "covers the caller's party: otherwise 403 with the code `handling_restricted` (audited).",
           tags=["alerts"], answers={200: ("The alert", AlertSchema)})
def get_alert(alert_id: int) -> Any:
    """One alert; an H2 alert no release lets leave for the caller's party: 403 ``handling_restricted``."""
    actor = _actor()
    alert = alerts.get(actor, alert_id, audit_read=False)
    # Refused first: a refused read is recorded as the refusal, not also as a view.
    if not handling.require_export(actor, alert, "api"):
        audit.record_now(actor, "alert.read", target_type="alert", target_id=alert.id,
                         target_party_id=alert.party_id, details={"handling_code": alert.handling_code.value})
    return jsonify(alerts.alert_json(alert))


@bp.post("/alerts/<int:alert_id>/update")
@operation(Access.SIGNED_IN, summary="Issue an Update that references the alert (coordinators)", tags=["alerts"],
           body=AlertInputSchema, errors=(409,), answers={201: ("The update", AlertSchema)})
def update_alert(alert_id: int) -> Any:
    """Update an alert."""
    data = _input(json_body())
    return jsonify(alerts.alert_json(alerts.revise(_actor(), alert_id, data))), 201


@bp.post("/alerts/<int:alert_id>/cancel")
@operation(Access.SIGNED_IN,
           summary="Issue a Cancel that references the alert (coordinators); 409 when already cancelled",
           tags=["alerts"], errors=(409,), answers={201: ("The cancellation", AlertSchema)})
def cancel_alert(alert_id: int) -> Any:
    """Cancel an alert."""
    note = ""
    if request.is_json:
        body = json_body()
        note = str(body.get("note", ""))[:500]
    return jsonify(alerts.alert_json(alerts.cancel(_actor(), alert_id, note))), 201


@bp.post("/alerts/<int:alert_id>/translations")
@operation(Access.SIGNED_IN,
           summary="Add a translation of a published alert (members of its network; a second one of a language "
                   "replaces the first)",
           description="The codes (severity, urgency, certainty, category, expiry, area geometry) are copied from "
                       "the author's first block. 403 for an observer, 404 for someone outside the network, 409 "
                       "for a language the author wrote, 422 for a language not offered or an empty headline.",
           tags=["alerts"], body=TranslationInputSchema, errors=(409,),
           answers={201: ("The alert with its current blocks", AlertSchema)})
def translate_alert(alert_id: int) -> Any:
    """Translate an alert."""
    body = json_body()
    texts = {key: body.get(key, "") for key in ("language", "headline", "event", "description", "instruction",
                                               "area_desc")}
    if not all(isinstance(value, str) for value in texts.values()):
        raise BadRequestBody(_("Every field of a translation must be a string."), fields={"headline": "type"})
    alert = alerts.translate(_actor(), alert_id, alerts.TranslationInput(**texts))
    return jsonify(alerts.alert_json(alert)), 201


@bp.post("/alerts/<int:alert_id>/ack")
@operation(Access.SIGNED_IN, summary="Acknowledge the alert for my own party (always the caller's party)",
           tags=["alerts"],
           answers={200: ("Acknowledged (the first acknowledgement of the party counts)", AcknowledgementSchema)})
def ack_alert(alert_id: int) -> Any:
    """Acknowledge an alert."""
    if request.is_json:
        body = json_body()
        if "party" in body and str(body["party"]).upper() != _actor().party.code:
            raise ValidationError(_("You acknowledge for your own party only."), fields={"party": "own party only"})
    receipt = alerts.acknowledge(_actor(), alert_id)
    return jsonify(AcknowledgementSchema().dump({"alert_id": alert_id, "party": _actor().party.code,
                                                 "acknowledged_at": receipt.acknowledged_at}))


@bp.get("/alerts/<int:alert_id>/grid")
@operation(Access.SIGNED_IN, summary="One row per party (coordinators see every party; others their own)",
           tags=["alerts"], answers={200: ("Rows (expected parties first, the missing ones at the top; then the "
                                           "parties not expected, with why) and their summary", GridSchema)})
def alert_grid(alert_id: int) -> Any:
    """The acknowledgement grid and its summary."""
    rows = alerts.grid(_actor(), alert_id)
    return jsonify(GridSchema().dump(SimpleNamespace(items=rows, summary=alerts.summary(rows))))


@bp.get("/alerts/<int:alert_id>.cap")
@operation(Access.SIGNED_IN,
           summary="CAP 1.2 XML of a published alert (validates against the OASIS schema; export audited)",
           description="The handling marking travels with it: the code's statement in `note` (in English) and "
                       "`parameter` entries `CMC:handling-code` (H0-H3), `CMC:handling-restriction` (H3), "
                       "`CMC:source-reliability` and `CMC:information-accuracy` (when evaluated). An H2 alert "
                       "no release covers for the caller's party: 403 `handling_restricted` (audited).",
           tags=["alerts"], answers={200: ("The CAP document", text("application/cap+xml"))})
def alert_cap(alert_id: int) -> Any:
    """The alert as CAP 1.2 XML."""
    actor = _actor()
    alert = alerts.get(actor, alert_id, audit_read=False)
    permissions.check(alert.state == AlertState.PUBLISHED, action="alert.export", target_type="alert",
                      target_id=alert_id, hide=True)
    if not handling.require_export(actor, alert, "cap"):  # else recorded as an export under a release
        audit.record_now(actor, "alert.export", target_type="alert", target_id=alert.id,
                         target_party_id=alert.party_id,
                         details={"format": "cap", "handling_code": alert.handling_code.value})
    return Response(cap.to_xml(alert), mimetype="application/cap+xml")


@bp.get("/networks/<slug>/alerts.atom")
@operation(Access.SIGNED_IN, summary="Atom feed of the network's published alerts (newest 50), for national systems; "
                                     "each entry in the caller's language when translated",
           description="Each entry carries its handling code (`category` of the scheme `urn:cmc:handling`) and "
                       "the code's statement in its summary. An H2 alert that no release covers for the "
                       "caller's party is a placeholder: its identifier, \"restricted by the originator\" and a "
                       "link to its page, without its text or area.",
           tags=["alerts"], answers={200: ("The feed", text("application/atom+xml"))})
def alerts_feed(slug: str) -> Any:
    """The network's alerts as Atom."""
    actor = _actor()
    network = networks.open_network(actor, slug)
    items = list(db.session.scalars(alerts.list_query(actor, network=network).limit(50)))
    restricted = {alert.id for alert in items if not handling.may_export(actor, alert, "atom")}
    for alert in items:
        if alert.id not in restricted and alert.handling_code == HandlingCode.H2:
            handling.require_export(actor, alert, "atom")  # a release lets it out: audited, originator told
    audit.record_now(actor, "alert.export", target_type="network", target_id=network.id,
                     details={"format": "atom", "count": len(items), "restricted": len(restricted),
                              "handling_codes": sorted({alert.handling_code.value for alert in items})})
    # Each entry in the caller's language when the alert has a block in it (else the author's).
    return Response(cap.atom_feed(network, items, current_app.config["BASE_URL"].rstrip("/"),
                                  language=i18n.language_of(actor), restricted=restricted),
                    mimetype="application/atom+xml")


def marked_rows(actor: Account, rows: list[alerts.JsonAlertRow]) -> list[With]:
    """A page of the API's list with each alert's marking (``handling``) and whether it is a placeholder
    (``restricted``): an H2 alert that no release lets leave for the actor's party shows only its id,
    identifier, network and marking. One statement for the page's markings (unless the rows carry them), and
    only when the page holds H2 alerts of other parties: one that loads them and the export rule's release
    check for each (an export under a release is then recorded and its originator told, as for CAP)."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    if all(hasattr(row, "handling_code") for row in rows):
        markings = {row.id: _RowMarking(row.handling_code, getattr(row, "handling_text", ""),
                                        getattr(row, "source_reliability", None), getattr(row, "info_accuracy", None))
                    for row in rows}
    else:  # rows without the marking columns: read them for the page in one statement
        markings = {r[0]: _RowMarking(*r[1:]) for r in db.session.execute(
            select(Alert.id, Alert.handling_code, Alert.handling_text, Alert.source_reliability,
                   Alert.info_accuracy).where(Alert.id.in_(ids)))}
    others = [row.id for row in rows if markings[row.id].handling_code == HandlingCode.H2
              and row.party.code != actor.party.code]
    restricted: set[int] = set()
    if others:
        for alert in db.session.scalars(select(Alert).where(Alert.id.in_(others))):
            if handling.may_export(actor, alert, "api"):
                handling.require_export(actor, alert, "api")  # under a release: audited, the originator told
            else:
                restricted.add(alert.id)
    return [With(row, handling=markings[row.id], restricted=row.id in restricted,
                 infos=[] if row.id in restricted else row.infos) for row in rows]


@dataclass(frozen=True, slots=True)
class _RowMarking:
    """A listed alert's marking, with the attributes ``HandlingSchema`` reads."""

    handling_code: HandlingCode
    handling_text: str
    source_reliability: Reliability | None
    info_accuracy: Accuracy | None

"""Alert endpoints of the API, the CAP export and the Atom feed. YAML after ``---`` is the OpenAPI operation."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from cmc import permissions
from cmc.api import BadRequestBody, UnsupportedMediaType, bp, json_body
from cmc.extensions import db
from cmc.http.access import Access, access
from cmc.http.pagination import paginate
from cmc.models import Account, AlertState
from cmc.schemas import AcknowledgementSchema, AlertPageSchema, GridSchema
from cmc.services import alerts, audit, cap, networks
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
                             note=str(data.get("note", ""))[:500], ack_within_minutes=ack_minutes)


@bp.get("/alerts")
@access(Access.SIGNED_IN)
def list_alerts() -> Any:
    """Alerts I may read.
    ---
    get:
      summary: Published alerts of my networks, newest first (50 a page)
      tags: [alerts]
      parameters:
        - {name: network, in: query, schema: {type: string}}
        - {name: active, in: query, schema: {type: boolean}}
        - {name: severity, in: query, schema: {type: string, enum: [Extreme, Severe, Moderate, Minor, Unknown]}}
        - {name: status, in: query, schema: {type: string, enum: [Actual, Exercise, Test]}}
        - {name: since, in: query, schema: {type: string, format: date-time}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
      responses:
        200:
          description: One page of alerts
          content:
            application/json:
              schema: {$ref: '#/components/schemas/AlertPage'}
        400: {$ref: '#/components/responses/BadRequest'}
        401: {$ref: '#/components/responses/Unauthenticated'}
    """
    args = request.args
    network = networks.open_network(_actor(), args["network"]) if args.get("network") else None
    active = {"true": True, "1": True, "false": False, "0": False}.get(args.get("active", "").lower())
    since = None
    if args.get("since"):
        try:
            since = datetime.fromisoformat(args["since"])
        except ValueError as exc:
            raise BadRequestBody(_("since must be an ISO 8601 date-time.")) from exc
        if since.tzinfo is None:
            raise BadRequestBody(_("since must carry a time zone, e.g. +00:00."))
    query = alerts.list_query(_actor(), network=network, active=active, severity=args.get("severity", ""),
                              status=args.get("status", ""), since=since)
    page = paginate(query, per_page=50)
    return jsonify(AlertPageSchema().dump(page))


@bp.post("/networks/<slug>/alerts")
@access(Access.SIGNED_IN)
def publish_alert(slug: str) -> Any:
    """Publish an alert.
    ---
    post:
      summary: Publish (coordinators) or submit for approval (members); Idempotency-Key makes retries safe
      tags: [alerts]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: Idempotency-Key, in: header, schema: {type: string, maxLength: 80}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AlertInput'}
      responses:
        200:
          description: The alert made earlier with the same Idempotency-Key
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Alert'}
        201:
          description: The alert
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Alert'}
        400: {$ref: '#/components/responses/BadRequest'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        410: {$ref: '#/components/responses/Gone'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    body = json_body()
    data = _input(body)
    alert, created = alerts.publish(_actor(), slug, data, idempotency_key=request.headers.get("Idempotency-Key"),
                                    submit=body.get("submit") is True)
    return jsonify(alerts.alert_json(alert)), 201 if created else 200


@bp.post("/networks/<slug>/alerts/import")
@access(Access.SIGNED_IN)
def import_alert(slug: str) -> Any:
    """Import a CAP alert.
    ---
    post:
      summary: Publish (or submit) an alert from a CAP 1.2 document (scope Restricted, msgType Alert)
      description: >-
        Any encoding an XML parser reads (UTF-8, UTF-16, UTF-32, a declared ISO-8859-1...). Nothing is
        fetched or expanded: a document type declaration, an entity reference or an XInclude is refused, as
        is XML that is not well-formed or not valid against the CAP 1.2 schema; each with a 422 whose
        message names the problem.
      tags: [alerts]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/cap+xml:
            schema: {type: string}
      responses:
        201:
          description: The alert
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Alert'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    if request.mimetype not in ("application/cap+xml", "application/xml", "text/xml"):
        raise UnsupportedMediaType(_("Send the CAP document as application/cap+xml."))
    networks.open_network(_actor(), slug)
    data = cap.parse(request.get_data(cache=False)[: cap.MAX_IMPORT_BYTES + 1])
    alert, created = alerts.publish(_actor(), slug, data, idempotency_key=request.headers.get("Idempotency-Key"),
                                    submit=request.args.get("submit") == "1")
    return jsonify(alerts.alert_json(alert)), 201 if created else 200


@bp.get("/alerts/<int:alert_id>")
@access(Access.SIGNED_IN)
def get_alert(alert_id: int) -> Any:
    """One alert.
    ---
    get:
      summary: An alert (reading is audited)
      tags: [alerts]
      parameters:
        - {name: alert_id, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          description: The alert
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Alert'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(alerts.alert_json(alerts.get(_actor(), alert_id)))


@bp.post("/alerts/<int:alert_id>/update")
@access(Access.SIGNED_IN)
def update_alert(alert_id: int) -> Any:
    """Update an alert.
    ---
    post:
      summary: Issue an Update that references the alert (coordinators)
      tags: [alerts]
      parameters:
        - {name: alert_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AlertInput'}
      responses:
        201:
          description: The update
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Alert'}
        400: {$ref: '#/components/responses/BadRequest'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        409: {$ref: '#/components/responses/Conflict'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    data = _input(json_body())
    return jsonify(alerts.alert_json(alerts.revise(_actor(), alert_id, data))), 201


@bp.post("/alerts/<int:alert_id>/cancel")
@access(Access.SIGNED_IN)
def cancel_alert(alert_id: int) -> Any:
    """Cancel an alert.
    ---
    post:
      summary: Issue a Cancel that references the alert (coordinators); 409 when already cancelled
      tags: [alerts]
      parameters:
        - {name: alert_id, in: path, required: true, schema: {type: integer}}
      responses:
        201:
          description: The cancellation
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Alert'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        409: {$ref: '#/components/responses/Conflict'}
    """
    note = ""
    if request.is_json:
        body = json_body()
        note = str(body.get("note", ""))[:500]
    return jsonify(alerts.alert_json(alerts.cancel(_actor(), alert_id, note))), 201


@bp.post("/alerts/<int:alert_id>/ack")
@access(Access.SIGNED_IN)
def ack_alert(alert_id: int) -> Any:
    """Acknowledge an alert.
    ---
    post:
      summary: Acknowledge the alert for my own party (always the caller's party)
      tags: [alerts]
      parameters:
        - {name: alert_id, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          description: Acknowledged (the first acknowledgement of the party counts)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Acknowledgement'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        400: {$ref: '#/components/responses/BadRequest'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    if request.is_json:
        body = json_body()
        if "party" in body and str(body["party"]).upper() != _actor().party.code:
            raise ValidationError(_("You acknowledge for your own party only."), fields={"party": "own party only"})
    receipt = alerts.acknowledge(_actor(), alert_id)
    return jsonify(AcknowledgementSchema().dump({"alert_id": alert_id, "party": _actor().party.code,
                                                 "acknowledged_at": receipt.acknowledged_at}))


@bp.get("/alerts/<int:alert_id>/grid")
@access(Access.SIGNED_IN)
def alert_grid(alert_id: int) -> Any:
    """The acknowledgement grid.
    ---
    get:
      summary: One row per party (coordinators see every party; others their own)
      tags: [alerts]
      parameters:
        - {name: alert_id, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          description: Rows, missing parties first
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Grid'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(GridSchema().dump(SimpleNamespace(items=alerts.grid(_actor(), alert_id))))


@bp.get("/alerts/<int:alert_id>.cap")
@access(Access.SIGNED_IN)
def alert_cap(alert_id: int) -> Any:
    """The alert as CAP 1.2 XML.
    ---
    get:
      summary: CAP 1.2 XML of a published alert (validates against the OASIS schema; export audited)
      tags: [alerts]
      parameters:
        - {name: alert_id, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          description: The CAP document
          content:
            application/cap+xml:
              schema: {type: string}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    alert = alerts.get(_actor(), alert_id, audit_read=False)
    permissions.check(alert.state == AlertState.PUBLISHED, action="alert.export", target_type="alert",
                      target_id=alert_id, hide=True)
    audit.record_now(_actor(), "alert.export", target_type="alert", target_id=alert.id,
                     target_party_id=alert.party_id, details={"format": "cap"})
    return Response(cap.to_xml(alert), mimetype="application/cap+xml")


@bp.get("/networks/<slug>/alerts.atom")
@access(Access.SIGNED_IN)
def alerts_feed(slug: str) -> Any:
    """The network's alerts as Atom.
    ---
    get:
      summary: Atom feed of the network's published alerts (newest 50), for national systems
      tags: [alerts]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      responses:
        200:
          description: The feed
          content:
            application/atom+xml:
              schema: {type: string}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    network = networks.open_network(_actor(), slug)
    items = list(db.session.scalars(alerts.list_query(_actor(), network=network).limit(50)))
    audit.record_now(_actor(), "alert.export", target_type="network", target_id=network.id,
                     details={"format": "atom", "count": len(items)})
    return Response(cap.atom_feed(network, items, current_app.config["BASE_URL"].rstrip("/")),
                    mimetype="application/atom+xml")

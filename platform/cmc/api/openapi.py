"""The OpenAPI 3 document, generated from the API's view functions (apispec reads their docstrings)."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.yaml_utils import load_operations_from_docstring
from flask import current_app, jsonify

from cmc.api import bp
from cmc.http.access import Access, access

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                "confirm_url": {"type": "string", "description": "With reauthentication_required: the page "
                                "where the signed-in person confirms their password before sending again"},
                "incident": {"type": "string", "description": "With a 500: the id of the incident in the "
                             "server's log, to give when reporting the problem"},
            },
        }
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": ERROR,
    "Party": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["state", "territory", "organization"]},
            "status": {"type": "string", "enum": ["member", "observer", "support"]},
            "languages": {"type": "array", "items": {"type": "string"}},
            "founding": {"type": "boolean"},
            "retired": {"type": "boolean"},
        },
    },
    "PartyInput": {
        "type": "object",
        "required": ["code", "name", "kind", "status"],
        "properties": {
            "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9]{1,11}$"},
            "name": {"type": "string", "maxLength": 120},
            "kind": {"type": "string", "enum": ["state", "territory", "organization"]},
            "status": {"type": "string", "enum": ["member", "observer", "support"]},
            "languages": {"type": "array", "items": {"type": "string"}},
            "founding": {"type": "boolean"},
        },
    },
    "Me": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string", "format": "email"},
            "name": {"type": "string"},
            "title": {"type": "string"},
            "role": {"type": "string", "enum": ["secretariat", "focal_point", "delegate"]},
            "language": {"type": "string"},
            "timezone": {"type": "string"},
            "party": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                               "status": {"type": "string"}},
            },
            "networks": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Token": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "prefix": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time", "nullable": True},
            "revoked": {"type": "boolean"},
            "last_used_at": {"type": "string", "format": "date-time", "nullable": True},
        },
    },
    "Network": {
        "type": "object",
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "kind": {"type": "string", "enum": ["thematic_network", "technical_network", "dialogue_space"]},
            "alerts_enabled": {"type": "boolean"},
            "archived": {"type": "boolean"},
            "my_role": {"type": "string", "enum": ["coordinator", "member"], "nullable": True},
            "party_count": {"type": "integer"},
            "member_count": {"type": "integer"},
            "charter": {"type": "string"},
            "parties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Member": {
        "type": "object",
        "properties": {
            "account_id": {"type": "integer"},
            "name": {"type": "string"},
            "party": {"type": "string"},
            "role": {"type": "string", "enum": ["coordinator", "member"]},
        },
    },
    "Thread": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "network": {"type": "string"},
            "network_id": {"type": "integer"},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "body_html": {"type": "string", "description": "Rendered Markdown, sanitised"},
            "author": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"},
            "edited": {"type": "boolean"},
            "pinned": {"type": "boolean"},
            "reply_count": {"type": "integer"},
            "last_activity_at": {"type": "string", "format": "date-time"},
        },
    },
    "Reply": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "thread_id": {"type": "integer"},
            "body": {"type": "string"},
            "body_html": {"type": "string"},
            "deleted": {"type": "boolean"},
            "author": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"},
            "edited": {"type": "boolean"},
        },
    },
    "Document": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "kind": {"type": "string"},
            "status": {"type": "string", "nullable": True},
            "languages": {"type": "array", "items": {"type": "string"}},
            "audience": {"type": "string", "enum": ["network", "all", "named"]},
            "named_parties": {"type": "array", "items": {"type": "string"}},
            "owner_party": {"type": "string"},
            "network": {"type": "string", "nullable": True},
            "current_version": {"type": "integer"},
            "updated_at": {"type": "string", "format": "date-time"},
            "versions": {"type": "array", "items": {"$ref": "#/components/schemas/DocumentVersion"}},
        },
    },
    "DocumentVersion": {
        "type": "object",
        "properties": {
            "number": {"type": "integer"},
            "filename": {"type": "string"},
            "size": {"type": "integer"},
            "sha256": {"type": "string"},
            "content_type": {"type": "string"},
            "note": {"type": "string"},
            "uploader": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"},
            "restored_from": {"type": "integer", "nullable": True},
            "text": {
                "type": "object",
                "description": "Whether search finds the words inside this file. A file over a text-extraction "
                               "limit (unpacked size, compression ratio, parts, time, memory) is stored without "
                               "text: search then finds the document by its title and description only.",
                "properties": {
                    "indexed": {"type": "boolean", "nullable": True,
                                "description": "null for versions stored before this was recorded"},
                    "status": {"type": "string", "nullable": True,
                               "enum": ["indexed", "none", "unreadable", "busy", "limit:size", "limit:ratio",
                                        "limit:entries", "limit:time", "limit:memory", None]},
                    "message": {"type": "string", "nullable": True,
                                "description": "what to tell a person when the text is not indexed"},
                },
            },
        },
    },
    "AlertInput": {
        "type": "object",
        "required": ["infos"],
        "properties": {
            "status": {"type": "string", "enum": ["Actual", "Exercise", "Test"]},
            "restriction": {"type": "string", "maxLength": 300},
            "note": {"type": "string"},
            "ack_within_minutes": {"type": "integer", "minimum": 5},
            "submit": {"type": "boolean", "description": "members: submit a draft for a coordinator"},
            "infos": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/AlertInfo"}},
        },
    },
    "AlertInfo": {
        "type": "object",
        "required": ["headline", "event", "severity"],
        "properties": {
            "language": {"type": "string", "enum": ["en", "es", "fr", "nl"]},
            "category": {"type": "string"},
            "event": {"type": "string"},
            "urgency": {"type": "string", "enum": ["Immediate", "Expected", "Future", "Past", "Unknown"]},
            "severity": {"type": "string", "enum": ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]},
            "certainty": {"type": "string", "enum": ["Observed", "Likely", "Possible", "Unlikely", "Unknown"]},
            "headline": {"type": "string", "maxLength": 160},
            "description": {"type": "string"},
            "instruction": {"type": "string"},
            "expires": {"type": "string", "format": "date-time", "nullable": True},
            "area_desc": {"type": "string"},
            "geocodes": {"type": "array", "items": {"type": "string"}},
            "circle": {"type": "string"},
            "polygon": {"type": "string"},
        },
    },
    "Alert": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "identifier": {"type": "string"},
            "network": {"type": "object"},
            "state": {"type": "string", "enum": ["draft", "submitted", "returned", "published"]},
            "status": {"type": "string"},
            "msg_type": {"type": "string", "enum": ["Alert", "Update", "Cancel"]},
            "references": {"type": "integer", "nullable": True,
                           "description": "The message this Update or Cancel directly follows"},
            "references_chain": {
                "type": "array",
                "description": "Every earlier message of the chain, oldest first (what CAP references lists)",
                "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "identifier": {"type": "string"}, "sender": {"type": "string"},
                    "sent": {"type": "string", "description": "CAP date-time, e.g. 2026-11-28T10:00:00+00:00"}}},
            },
            "restriction": {"type": "string"},
            "sender_party": {"type": "string"},
            "sent": {"type": "string", "format": "date-time", "nullable": True},
            "cancelled": {"type": "boolean"},
            "infos": {"type": "array", "items": {"$ref": "#/components/schemas/AlertInfo"}},
        },
    },
    "GridRow": {
        "type": "object",
        "properties": {
            "party": {"type": "string"},
            "party_name": {"type": "string"},
            "delivered_at": {"type": "string", "format": "date-time", "nullable": True},
            "opened_at": {"type": "string", "format": "date-time", "nullable": True},
            "acknowledged_at": {"type": "string", "format": "date-time", "nullable": True},
            "acknowledged_by": {"type": "string"},
            "overdue": {"type": "boolean"},
        },
    },
    "Meeting": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "kind": {"type": "string"},
            "status": {"type": "string", "enum": ["draft", "published", "in_session", "concluded", "cancelled"]},
            "start_date": {"type": "string", "format": "date"},
            "end_date": {"type": "string", "format": "date"},
            "timezone": {"type": "string"},
            "agenda_revision": {"type": "integer"},
            "versions": {"type": "array", "items": {"type": "object"}},
            "registrations": {"type": "array", "items": {"type": "object"}},
        },
    },
    "ActionItem": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "meeting_id": {"type": "integer"},
            "title": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "in_progress", "done"]},
            "owner_party": {"type": "string", "nullable": True},
            "owner_network": {"type": "string", "nullable": True},
            "due_date": {"type": "string", "format": "date", "nullable": True},
        },
    },
    "AgendaItemInput": {
        "type": "object",
        "required": ["day", "title", "revision"],
        "properties": {
            "revision": {"type": "integer", "description": "the agenda_revision the change starts from"},
            "day": {"type": "string", "format": "date"},
            "title": {"type": "string", "maxLength": 200},
            "start_time": {"type": "string", "example": "09:30"},
            "end_time": {"type": "string", "example": "10:30"},
            "kind": {"type": "string", "enum": ["opening", "session", "panel", "break", "closing"]},
            "session": {"type": "string"},
            "presenters": {"type": "string"},
            "description": {"type": "string"},
            "document_ids": {"type": "array", "items": {"type": "integer"}},
        },
    },
}

RESPONSES = {
    "BadRequest": "The body is malformed JSON or misses a field",
    "Unauthenticated": "No valid session or token",
    "Forbidden": "The policy refuses this action. Code reauthentication_required: the action hands out power "
                 "(a role, a party, a coordinator, a token) and a session cookie last proved its password over "
                 "15 minutes ago; confirm it at confirm_url and send again (bearer tokens are not asked)",
    "NotFound": "No such thing, or nothing the caller may read",
    "Conflict": "Clashes with existing data",
    "Gone": "It existed but cannot be used any more (deleted, archived)",
    "UnsupportedMediaType": "The body or file is not of an accepted type",
    "PayloadTooLarge": "The file is over the upload limit",
    "ValidationFailed": "The values break a rule; fields says which",
    "InsufficientStorage": "The server's disk is full: nothing was stored; try again later",
    "TooManyRequests": "Slow down",
}


def build_spec() -> dict[str, Any]:
    """Walk the app's API routes and assemble the document from their docstrings."""
    spec = APISpec(
        title="CMC Platform API",
        version="1",
        openapi_version="3.0.3",
        info={"description": "JSON API of the Caribbean Migration Consultations platform. Errors are "
                             "`{\"error\": {\"code\", \"message\"}}` with the matching HTTP status."},
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("cookie", {"type": "apiKey", "in": "cookie",
                                                "name": current_app.config["SESSION_COOKIE_NAME"]})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    for name, description in RESPONSES.items():
        spec.components.response(name, {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        })
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = current_app.view_functions[rule.endpoint]
        operations = load_operations_from_docstring(view.__doc__ or "")
        if not operations:
            continue
        path = rule.rule.removeprefix("/api/v1")
        for converter_arg in rule.arguments:
            path = path.replace(f"<int:{converter_arg}>", "{" + converter_arg + "}")
            path = path.replace(f"<string:{converter_arg}>", "{" + converter_arg + "}")
            path = path.replace(f"<{converter_arg}>", "{" + converter_arg + "}")
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}, {"cookie": []}]
    return document


@bp.get("/openapi.json")
@access(Access.PUBLIC)
def openapi_document() -> Any:
    """The OpenAPI 3 document of this API.
    ---
    get:
      summary: This document
      tags: [meta]
      security: []
      responses:
        200: {description: The OpenAPI 3 document}
    """
    return jsonify(build_spec())

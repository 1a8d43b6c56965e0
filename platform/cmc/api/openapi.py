"""The OpenAPI 3 document: components from the marshmallow schemas of ``cmc.schemas``, operations from what
the API's view functions declare with ``cmc.api.spec.operation`` and from their routes."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from flask import current_app, jsonify
from werkzeug.routing import Rule

from cmc.api import bp
from cmc.api.spec import IDEMPOTENCY_KEY, RESPONSES, Operation, operation, operation_of
from cmc.http.access import Access
from cmc.schemas import COMPONENTS, component_name

#: A variable of a Flask rule: ``<slug>``, ``<int:alert_id>``.
_VARIABLE = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_TYPES = {"int": "integer", "float": "number"}


def _path(rule: Rule) -> tuple[str, list[dict[str, Any]]]:
    """The rule's OpenAPI path template and its path parameters, typed by their converters, in order."""
    parameters = [{"name": match["name"], "in": "path", "required": True,
                   "schema": {"type": _TYPES.get(match["converter"] or "", "string")}}
                  for match in _VARIABLE.finditer(rule.rule)]
    return _VARIABLE.sub(r"{\g<name>}", rule.rule.removeprefix("/api/v1")), parameters


def _operation(declared: Operation, method: str, path_parameters: list[dict[str, Any]],
               converter: OpenAPIConverter) -> dict[str, Any]:
    """The document's operation for what a view declared (schemas are left for apispec to resolve)."""
    parameters = list(path_parameters)
    for name, field in (declared.query().fields.items() if declared.query else ()):
        schema = converter.field2property(field)
        description = schema.pop("description", None)
        parameters.append({"name": name, "in": "query", "schema": schema}
                          | ({"description": description} if description else {}))
    if declared.idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    found: dict[str, Any] = {"summary": declared.summary}
    if declared.description:
        found["description"] = declared.description
    found["tags"] = list(declared.tags)
    if parameters:
        found["parameters"] = parameters
    body = declared.request_body()
    if body is not None:
        found["requestBody"] = body
    found["responses"] = declared.responses(method, in_path=bool(path_parameters))
    if declared.public:
        found["security"] = []
    return found


def build_spec() -> dict[str, Any]:
    """Assemble the document: the components from the schemas that serialise the answers (``cmc.schemas``),
    the operations from what the app's API routes declare."""
    plugin = MarshmallowPlugin(schema_name_resolver=component_name)
    spec = APISpec(
        title="CMC Platform API",
        version="1",
        openapi_version="3.0.3",
        info={"description": "JSON API of the Caribbean Migration Consultations platform. Errors are "
                             "`{\"error\": {\"code\", \"message\"}}` with the matching HTTP status."},
        servers=[{"url": "/api/v1"}],
        plugins=[plugin],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("cookie", {"type": "apiKey", "in": "cookie",
                                                "name": current_app.config["SESSION_COOKIE_NAME"]})
    for schema in COMPONENTS:
        if component_name(schema) not in spec.components.schemas:  # a nested one registers itself on first use
            spec.components.schema(component_name(schema), schema=schema)
    for name, description in sorted(RESPONSES.values()):
        spec.components.response(name, {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        })
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = operation_of(current_app.view_functions[rule.endpoint])
        if not rule.endpoint.startswith("api.") or declared is None:
            continue
        path, path_parameters = _path(rule)
        spec.path(path=path, operations={
            method: _operation(declared, method, path_parameters, plugin.converter)
            for method in sorted(m.lower() for m in rule.methods or () if m not in ("HEAD", "OPTIONS"))})
    document = spec.to_dict()
    document["security"] = [{"bearer": []}, {"cookie": []}]
    return document


@bp.get("/openapi.json")
@operation(Access.PUBLIC, summary="This document", tags=["meta"], answers={200: "The OpenAPI 3 document"})
def openapi_document() -> Any:
    """The OpenAPI 3 document of this API."""
    return jsonify(build_spec())

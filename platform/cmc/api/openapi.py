"""The OpenAPI 3 document: components from the marshmallow schemas of ``cmc.schemas``, operations from the API's
view functions (apispec reads the YAML after ``---`` in their docstrings)."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_operations_from_docstring
from flask import current_app, jsonify

from cmc.api import bp
from cmc.http.access import Access, access
from cmc.schemas import COMPONENTS, component_name

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
    "InternalError": "An unexpected failure; incident names it in the server's log",
}

#: Answers any operation can give, whatever its own docstring lists: every route may fail unexpectedly, and
#: refuses a NUL or a lone surrogate in a parameter or JSON body with 422 naming it; a route that needs a
#: caller answers 401 without one and 403 to someone who must first set up a second factor; a change sent
#: with a session cookie but without its X-CSRFToken header answers 400.
ANY_OPERATION = {"422": "ValidationFailed", "500": "InternalError"}
SIGNED_IN = {"401": "Unauthenticated", "403": "Forbidden"}
CHANGES = {"400": "BadRequest"}


def _with_common_answers(method: str, operation: dict[str, Any]) -> dict[str, Any]:
    responses = operation.setdefault("responses", {})
    common = ANY_OPERATION | ({} if operation.get("security") == [] else SIGNED_IN) \
        | (CHANGES if method in ("post", "put", "patch", "delete") else {})
    for status, name in common.items():
        if status not in responses and int(status) not in responses:
            responses[status] = {"$ref": f"#/components/responses/{name}"}
    return operation


def build_spec() -> dict[str, Any]:
    """Assemble the document: the components from the schemas that serialise the answers (``cmc.schemas``),
    the operations from the docstrings of the app's API routes."""
    spec = APISpec(
        title="CMC Platform API",
        version="1",
        openapi_version="3.0.3",
        info={"description": "JSON API of the Caribbean Migration Consultations platform. Errors are "
                             "`{\"error\": {\"code\", \"message\"}}` with the matching HTTP status."},
        servers=[{"url": "/api/v1"}],
        plugins=[MarshmallowPlugin(schema_name_resolver=component_name)],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("cookie", {"type": "apiKey", "in": "cookie",
                                                "name": current_app.config["SESSION_COOKIE_NAME"]})
    for schema in COMPONENTS:
        if component_name(schema) not in spec.components.schemas:  # a nested one registers itself on first use
            spec.components.schema(component_name(schema), schema=schema)
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
        spec.path(path=path, operations={method: _with_common_answers(method, operation)
                                         for method, operation in operations.items()})
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

"""The API answers what its published OpenAPI document says: every JSON answer an API route gives during the
tests is recorded and checked against ``/api/v1/openapi.json`` (status documented, body valid for the schema
documented for it), so a serialiser and the document cannot drift apart unnoticed.

``tests/conftest.py`` turns this on for every test that builds an app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, request
from openapi_schema_validator import OAS30Validator

#: Path converters in Flask rules, as OpenAPI path templates.
_CONVERTERS = ("int:", "string:", "path:")


@dataclass(frozen=True)
class Answer:
    """One JSON answer of an API route."""

    method: str
    rule: str
    status: int
    body: Any


def _openapi_path(rule: str) -> str:
    path = rule.removeprefix("/api/v1")
    for converter in _CONVERTERS:
        path = path.replace("<" + converter, "<")
    return path.replace("<", "{").replace(">", "}")


def record(app: Flask) -> list[Answer]:
    """Start recording the JSON answers of ``app``'s API routes; the list fills as requests are served."""
    answers: list[Answer] = []

    @app.after_request
    def _keep(response: Response) -> Response:
        if request.blueprint == "api" and request.url_rule is not None and response.is_json \
                and not response.direct_passthrough:
            answers.append(Answer(request.method.lower(), request.url_rule.rule, response.status_code,
                                  response.get_json(silent=True)))
        return response

    return answers


def closed(schema: Any, *, in_all_of: bool = False) -> Any:
    """``schema`` with every object that lists its properties closed to others (``additionalProperties:
    false``): a field the API sends but the document does not name is drift too. Members of an ``allOf``
    stay open (each sees only its own properties)."""
    if isinstance(schema, list):
        return [closed(item, in_all_of=in_all_of) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {key: closed(value, in_all_of=key == "allOf") for key, value in schema.items()}
    if "properties" in copy and "additionalProperties" not in copy and not in_all_of:
        copy["additionalProperties"] = False
    return copy


def problems(document: dict[str, Any], answers: list[Answer]) -> list[str]:
    """What in ``answers`` the OpenAPI ``document`` does not describe (empty when all agree)."""
    found: list[str] = []
    components = closed(document.get("components", {}))
    for answer in answers:
        where = f"{answer.method.upper()} {answer.rule} -> {answer.status}"
        operation = document["paths"].get(_openapi_path(answer.rule), {}).get(answer.method)
        if operation is None:
            found.append(f"{where}: the operation is not in the document")
            continue
        responses = operation.get("responses", {})
        response = responses.get(str(answer.status), responses.get(answer.status, responses.get("default")))
        if response is None:
            found.append(f"{where}: status not documented (documented: {sorted(map(str, responses))})")
            continue
        if "$ref" in response:
            response = components["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            if answer.body not in (None, {}) and answer.rule != "/api/v1/openapi.json":
                found.append(f"{where}: a JSON body is sent but no schema is documented")
            continue
        validator = OAS30Validator({**closed(schema), "components": components})
        for error in validator.iter_errors(answer.body):
            location = "/".join(str(part) for part in error.absolute_path) or "(body)"
            found.append(f"{where}: {location}: {error.message[:300]}")
    return found

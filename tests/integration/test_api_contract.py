"""The OpenAPI document and the answers come from the same schemas, and the drift check (run on every JSON
answer of the test suite by ``tests/conftest.py``) catches an answer the document does not describe."""

from __future__ import annotations

from typing import Any

import pytest

from cmc.api.openapi import build_spec
from cmc.api.spec import operation
from cmc.http.access import Access
from tests.api_contract import Answer, problems


@pytest.fixture
def document(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_alert_schema_names_every_field_the_api_sends(document):
    # The fields the hand-written document had left out, among the others.
    properties = document["components"]["schemas"]["Alert"]["properties"]
    assert {"author", "superseded_by", "ack_within_minutes", "references_chain", "infos"} <= set(properties)
    assert properties["superseded_by"]["nullable"] is True


def test_the_published_document_is_the_built_one(app, document):
    assert document == build_spec()


def _alert(**changes: Any) -> dict[str, Any]:
    body = {"id": 1, "identifier": "x", "network": {"id": 1, "slug": "n", "name": "N"}, "state": "published",
            "status": "Actual", "msg_type": "Alert", "references": None, "references_chain": [],
            "restriction": "", "sender_party": "JM", "author": "A", "sent": None, "cancelled": False,
            "superseded_by": None, "ack_within_minutes": None, "infos": []}
    return body | changes


@pytest.mark.parametrize(("answer", "complaint"), [
    (Answer("get", "/api/v1/alerts/<int:alert_id>", 200, _alert()), None),
    (Answer("get", "/api/v1/alerts/<int:alert_id>", 200, _alert(colour="red")), "'colour' was unexpected"),
    (Answer("get", "/api/v1/alerts/<int:alert_id>", 200, _alert(id="1")), "is not of type 'integer'"),
    (Answer("get", "/api/v1/alerts/<int:alert_id>", 200, _alert(state="lost")), "is not one of"),
    (Answer("get", "/api/v1/alerts/<int:alert_id>", 418, {}), "status not documented"),
    (Answer("get", "/api/v1/nowhere", 200, {}), "not in the document"),
])
def test_the_drift_check_catches_what_the_document_does_not_say(app, answer, complaint):
    found = problems(build_spec(), [answer])
    if complaint is None:
        assert found == []
    else:
        assert len(found) == 1 and complaint in found[0], found


def test_path_parameters_come_from_the_route(document):
    # Declared by the Flask rule only: the converter gives the type, the rule the order.
    parameters = document["paths"]["/networks/{slug}/members/{account_id}"]["delete"]["parameters"]
    assert parameters == [
        {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "account_id", "in": "path", "required": True, "schema": {"type": "integer"}},
    ]


@pytest.mark.parametrize(("path", "method", "implied", "absent"), [
    # a path naming a thing may answer 404; a body of the wrong media type 415; a change 400
    ("/alerts/{alert_id}/update", "post", {"404", "415", "400", "401", "403", "422", "500"}, set()),
    ("/alerts/{alert_id}", "get", {"404", "401", "403", "422", "500"}, {"400", "415"}),
    ("/networks", "get", {"401", "403"}, {"404", "415"}),
    # a public operation asks for no credentials and cannot answer 401/403
    ("/openapi.json", "get", {"200", "422", "500"}, {"401", "403"}),
])
def test_answers_implied_by_the_kind_of_operation(document, path, method, implied, absent):
    responses = document["paths"][path][method]["responses"]
    assert implied <= set(responses) and not absent & set(responses), sorted(responses)


def test_every_request_body_is_a_named_schema(document):
    bodies = [(path, method, media, content["schema"])
              for path, operations in document["paths"].items() for method, operation in operations.items()
              for media, content in operation.get("requestBody", {}).get("content", {}).items()]
    assert bodies
    for path, method, media, schema in bodies:
        if media.endswith("xml"):
            assert schema == {"type": "string"}, (path, method)
        else:
            assert set(schema) == {"$ref"}, (path, method, schema)
            assert schema["$ref"].removeprefix("#/components/schemas/") in document["components"]["schemas"]


def test_query_parameters_come_from_the_query_schema(document):
    parameters = {p["name"]: p for p in document["paths"]["/documents"]["get"]["parameters"]}
    assert list(parameters) == ["q", "network", "kind", "language", "party", "status", "handling", "sort", "page"]
    assert parameters["q"]["description"] == "words to find in title, description and text"
    assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1}


def test_an_unknown_error_status_is_refused_when_declared():
    with pytest.raises(ValueError, match="418"):
        operation(Access.SIGNED_IN, summary="x", tags=["x"], answers={200: "ok"}, errors=(418,))

"""The OpenAPI document and the answers come from the same schemas, and the drift check (run on every JSON
answer of the test suite by ``tests/conftest.py``) catches an answer the document does not describe."""

from __future__ import annotations

from typing import Any

import pytest

from cmc.api.openapi import build_spec
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

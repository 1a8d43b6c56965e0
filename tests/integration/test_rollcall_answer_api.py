"""Roll call answers in the JSON API: PUT /rollcalls/<id>/answer, the latest answers and their history, each
refusal with its status and code (the answers are checked against the OpenAPI document by the contract hook)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cmc.extensions import db
from cmc.models import RollCallState
from cmc.models.types import utcnow
from tests.conftest import bearer_headers
from tests.rollcall_world import world  # noqa: F401

BODY = {"status": "affected_coping", "displaced": 120, "displaced_quality": "estimate", "departed": 3,
        "departed_quality": "confirmed", "needs": ["shelter"], "note": "Roads cut."}


def put(client, account, roll_call_id, **changes):
    body = {**BODY, "base_revision": 0, **changes}
    return client.put(f"/api/v1/rollcalls/{roll_call_id}/answer", json=body, headers=bearer_headers(account))


def test_first_answer_201_then_update_200_and_the_history(client, world):  # noqa: F811
    roll_call = world.start()
    first = put(client, world.focal["JM"], roll_call.id)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["revision"] == 1 and body["party"] == "JM" and body["by_focal_point"] is True
    assert body["author"]["name"] == "Focal point JM" and body["needs"] == ["shelter"] and body["flags"] == []
    second = put(client, world.delegate["JM"], roll_call.id, base_revision=1, displaced=200)
    assert second.status_code == 200 and second.get_json()["revision"] == 2
    history = client.get(f"/api/v1/rollcalls/{roll_call.id}/answers/history?party=JM",
                         headers=bearer_headers(world.coordinator)).get_json()["items"]
    assert [(a["revision"], a["author"]["name"], a["displaced"]) for a in history] == [
        (1, "Focal point JM", 120), (2, "Delegate JM", 200)]
    assert all(a["created_at"] for a in history)


def test_board_readers_see_every_party_others_only_their_own(client, world, make_party, make_account):  # noqa: F811
    roll_call = world.start()
    put(client, world.delegate["JM"], roll_call.id)
    put(client, world.delegate["TT"], roll_call.id, displaced=5)
    everyone = client.get(f"/api/v1/rollcalls/{roll_call.id}/answers", headers=bearer_headers(world.observer))
    assert [a["party"] for a in everyone.get_json()["items"]] == ["JM", "TT"]
    # A member of an asked party who is not in the network reads only their own party's answers.
    lone = make_account("delegate", party="TT", name="Not in the network")
    own = client.get(f"/api/v1/rollcalls/{roll_call.id}/answers", headers=bearer_headers(lone))
    assert [a["party"] for a in own.get_json()["items"]] == ["TT"]
    history = client.get(f"/api/v1/rollcalls/{roll_call.id}/answers/history", headers=bearer_headers(lone))
    assert {a["party"] for a in history.get_json()["items"]} == {"TT"}
    assert client.get(f"/api/v1/rollcalls/{roll_call.id}/answers/history?party=JM",
                      headers=bearer_headers(lone)).status_code == 404
    stranger = make_account("delegate", party=make_party("KN", name="Saint Kitts and Nevis"))
    assert client.get(f"/api/v1/rollcalls/{roll_call.id}/answers",
                      headers=bearer_headers(stranger)).status_code == 404


def test_a_stale_base_revision_answers_409_with_the_current_answer(client, world):  # noqa: F811
    roll_call = world.start()
    assert put(client, world.focal["BB"], roll_call.id, displaced=40).status_code == 201
    refused = put(client, world.delegate["BB"], roll_call.id, displaced=90)
    error = refused.get_json()["error"]
    assert refused.status_code == 409 and error["code"] == "answer_conflict"
    assert error["current"]["displaced"] == 40 and error["current"]["author"]["name"] == "Focal point BB"
    assert error["current"]["revision"] == 1 and error["current"]["created_at"]
    again = put(client, world.delegate["BB"], roll_call.id, displaced=90, base_revision=1)
    assert again.status_code == 200 and again.get_json()["revision"] == 2


def test_the_absurd_figure_needs_confirm_then_is_flagged(client, world):  # noqa: F811
    roll_call = world.start()
    refused = put(client, world.delegate["AI"], roll_call.id, displaced=1_000_000)
    error = refused.get_json()["error"]
    assert refused.status_code == 422 and error["code"] == "confirmation_required"
    assert set(error["fields"]) == {"displaced"} and "15,900" in error["message"]
    kept = put(client, world.delegate["AI"], roll_call.id, displaced=1_000_000, confirm=True)
    assert kept.status_code == 201 and kept.get_json()["flags"] == ["displaced"]


@pytest.mark.parametrize(("changes", "status", "code", "field"), [
    ({"displaced": -1}, 422, "validation_failed", "displaced"),
    ({"displaced": 1.5}, 422, "validation_failed", "displaced"),
    ({"displaced": "many"}, 422, "validation_failed", "displaced"),
    ({"status": None}, 422, "validation_failed", "status"),
    ({"status": 3}, 422, "validation_failed", "status"),
    ({"needs": ["pizza"]}, 422, "validation_failed", "needs"),
    ({"extra": {"q7": 1}}, 422, "validation_failed", "q7"),
    ({"extra": "q7"}, 422, "validation_failed", "extra"),
    ({"base_revision": None}, 400, "bad_request", "base_revision"),
    ({"base_revision": "0"}, 400, "bad_request", "base_revision"),
    ({"confirm": "yes"}, 400, "bad_request", "confirm"),
])
def test_bad_bodies(client, world, changes, status, code, field):  # noqa: F811
    roll_call = world.start()
    refused = put(client, world.delegate["HT"], roll_call.id, **changes)
    error = refused.get_json()["error"]
    assert (refused.status_code, error["code"]) == (status, code), error
    assert field in error["fields"]


def test_json_that_is_not_an_object_and_a_missing_base_revision(client, world):  # noqa: F811
    roll_call = world.start()
    headers = bearer_headers(world.delegate["HT"])
    path = f"/api/v1/rollcalls/{roll_call.id}/answer"
    listed = client.put(path, json=[BODY], headers=headers)
    assert listed.status_code == 400 and "JSON object" in listed.get_json()["error"]["message"]
    assert client.put(path, data="{", headers={**headers, "Content-Type": "application/json"}).status_code == 400
    no_base = client.put(path, json=BODY, headers=headers)
    assert no_base.status_code == 400 and "base_revision" in no_base.get_json()["error"]["fields"]


def test_who_may_not_answer(client, world):  # noqa: F811
    roll_call = world.start(parties=["JM", "US"])
    for account in (world.observer, world.outsider):
        refused = put(client, account, roll_call.id)
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert put(client, world.delegate["JM"], 999_999).status_code == 404


def test_closed_and_past_deadline_409_then_reopened(client, world):  # noqa: F811
    roll_call = world.start(hours=-0.5, started_hours_ago=2)
    refused = put(client, world.delegate["TT"], roll_call.id)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "roll_call_closed"
    assert "current" not in refused.get_json()["error"]
    roll_call.state, roll_call.closed_at = RollCallState.CLOSED, utcnow()
    db.session.commit()
    assert put(client, world.delegate["TT"], roll_call.id).get_json()["error"]["code"] == "roll_call_closed"
    roll_call.state, roll_call.deadline = RollCallState.OPEN, utcnow() + timedelta(hours=1)
    db.session.commit()
    assert put(client, world.delegate["TT"], roll_call.id).status_code == 201


def test_the_openapi_document_lists_the_answer_routes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    put_answer = paths["/rollcalls/{roll_call_id}/answer"]["put"]
    assert {"200", "201", "409", "422", "403", "404"} <= set(put_answer["responses"])
    assert "AnswerInput" in str(put_answer["requestBody"])
    assert "base_revision" in document["components"]["schemas"]["AnswerInput"]["required"]
    assert "get" in paths["/rollcalls/{roll_call_id}/answers"]
    assert "get" in paths["/rollcalls/{roll_call_id}/answers/history"]

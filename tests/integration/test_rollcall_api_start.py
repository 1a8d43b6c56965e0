"""The roll call API of starting (issue 19): POST /api/v1/rollcalls, the list, one roll call, and bad bodies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Notification, RollCall
from cmc.models.types import utcnow
from cmc.services import alerts, rollcalls
from tests.conftest import bearer_headers
from tests.rollcall_world import NETWORK, World, world  # noqa: F401


def body(**changes: Any) -> dict[str, Any]:
    return {"network": NETWORK, "title": "Hurricane Lena: how do you stand?",
            "deadline": (utcnow() + timedelta(hours=6)).isoformat(), **changes}


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(RollCall)) or 0


def test_start_from_an_alert_and_read_it_back(client: Any, world: World) -> None:  # noqa: F811
    world.network.alerts_enabled = True
    db.session.commit()
    info = alerts.InfoInput(headline="Hurricane Lena", event="Hurricane", severity="Severe", urgency="Immediate",
                            description="", area_desc="BB", geocodes=["BB"])
    alert, _ = alerts.publish(world.coordinator, NETWORK, alerts.AlertInput(infos=[info]))
    headers = bearer_headers(world.coordinator)
    answer = client.post("/api/v1/rollcalls", json=body(alert_id=alert.id, parties=["JM", "bb"],
                                                        handling_code="H3", handling_text="Relief only"),
                         headers=headers)
    assert answer.status_code == 201, answer.get_json()
    shown = answer.get_json()
    assert shown["network"] == NETWORK and shown["alert_id"] == alert.id and shown["state"] == "open"
    assert sorted(shown["parties"]) == ["BB", "JM"] and (shown["answered"], shown["asked"]) == (0, 2)
    assert shown["organiser_party"] == "BB" and shown["must_answer"] is True  # Barbados asked itself
    assert shown["handling"]["code"] == "H3" and "Relief only" in shown["handling"]["statement"]
    assert [q["key"] for q in shown["questions"]] == ["status", "displaced", "departed", "needs", "note"]
    assert shown["questions"][0]["label"] == "How is your country or territory affected?"
    assert shown["questions"][0]["options"] == ["not_affected", "affected_coping", "assistance_needed"]
    assert shown["links"]["board"].endswith(f"/rollcalls/{shown['id']}")
    assert shown["links"]["answer"].endswith(f"/rollcalls/{shown['id']}/answer")
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.roll_call_id == shown["id"])) == 5  # JM: focal point, delegate; BB: those two and the coordinator
    jamaica = bearer_headers(world.delegate["JM"])
    read = client.get(f"/api/v1/rollcalls/{shown['id']}", headers=jamaica)
    assert read.status_code == 200 and read.get_json()["must_answer"] is True
    listed = client.get("/api/v1/rollcalls?state=open", headers=jamaica).get_json()["items"]
    assert [item["id"] for item in listed] == [shown["id"]]
    assert client.get("/api/v1/rollcalls?state=closed", headers=jamaica).get_json()["items"] == []
    assert client.get("/api/v1/rollcalls?state=maybe", headers=jamaica).status_code == 400


def test_defaults_ask_every_member_party(client: Any, world: World) -> None:  # noqa: F811
    answer = client.post("/api/v1/rollcalls", json=body(), headers=bearer_headers(world.coordinator))
    assert answer.status_code == 201
    assert sorted(answer.get_json()["parties"]) == ["AI", "BB", "GY", "HT", "JM", "TT"]


def test_bad_bodies(client: Any, world: World) -> None:  # noqa: F811
    headers = bearer_headers(world.coordinator)
    cases = [
        (body(parties=["JM", "US"]), 422, "US"),
        (body(parties=["JM", "ZZ"]), 422, "ZZ"),
        (body(deadline=(utcnow() - timedelta(hours=1)).isoformat()), 422, "15 minutes"),
        (body(deadline=(utcnow() + timedelta(days=40)).isoformat()), 422, "30 days"),
        (body(deadline="2030-01-01T12:00:00"), 400, "zone"),
        (body(deadline="tomorrow"), 400, "ISO 8601"),
        (body(questions=[]), 422, "A roll call needs at least one question."),
        (body(template_id=999_999), 422, "template"),
        (body(parties="JM"), 400, "parties"),
        (body(title=""), 422, "title"),
        (body(handling_code="H3"), 422, "H3"),
        (body(alert_id=999_999), 404, ""),
        (body(previous_id=999_999), 404, ""),
        ({"title": "No network"}, 400, "network"),
    ]
    for sent, status, words in cases:
        answer = client.post("/api/v1/rollcalls", json=sent, headers=headers)
        assert answer.status_code == status, (sent, answer.get_json())
        error = answer.get_json()["error"]
        assert error["code"] and words in error["message"], (sent, error)
    assert client.post("/api/v1/rollcalls", data="title=x", headers=headers).status_code == 415
    assert client.post("/api/v1/rollcalls", data="{", headers={**headers, "Content-Type": "application/json"}
                       ).status_code == 400
    assert count() == 0


def test_who_may_start_through_the_api(client: Any, world: World, make_account: Any) -> None:  # noqa: F811
    assert client.post("/api/v1/rollcalls", json=body(), headers=bearer_headers(world.delegate["JM"])
                       ).status_code == 403
    assert client.post("/api/v1/rollcalls", json=body(), headers=bearer_headers(world.observer)).status_code == 403
    stranger = make_account("delegate", party="JM", name="Not a member")
    assert client.post("/api/v1/rollcalls", json=body(), headers=bearer_headers(stranger)).status_code == 404
    assert client.post("/api/v1/rollcalls", json=body(network="nowhere"),
                       headers=bearer_headers(world.coordinator)).status_code == 404
    assert count() == 0


def test_one_roll_call_is_hidden_from_who_may_not_read_it(client: Any, world: World,  # noqa: F811
                                                          make_account: Any) -> None:
    roll_call = rollcalls.start(world.coordinator, NETWORK, rollcalls.StartInput(
        title="Lena", deadline=utcnow() + timedelta(hours=3), parties=["JM"]))
    stranger = make_account("delegate", party="FR", name="A stranger")
    assert client.get(f"/api/v1/rollcalls/{roll_call.id}", headers=bearer_headers(stranger)).status_code == 404
    assert client.get("/api/v1/rollcalls", headers=bearer_headers(stranger)).get_json()["items"] == []
    assert client.get(f"/api/v1/rollcalls/{roll_call.id}", headers=bearer_headers(world.observer)
                      ).get_json()["must_answer"] is False


def test_an_idempotency_key_makes_one_roll_call_and_tells_once(client: Any, world: World) -> None:  # noqa: F811
    headers = {**bearer_headers(world.coordinator), "Idempotency-Key": "lena-1"}
    sent = body(parties=["JM"])
    first = client.post("/api/v1/rollcalls", json=sent, headers=headers)
    again = client.post("/api/v1/rollcalls", json=sent, headers=headers)
    assert first.status_code == 201 and again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"] and count() == 1
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2  # JM's two people, once
    other = client.post("/api/v1/rollcalls", json=body(parties=["TT"]), headers=headers)
    assert other.status_code == 422 and count() == 1  # the same key for another request
    assert client.post("/api/v1/rollcalls", json=body(parties=["TT"]), headers=bearer_headers(world.coordinator)
                       ).status_code == 201  # no key: a new roll call

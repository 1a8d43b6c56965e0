"""After a roll call: closing freezes it, reopening with a new deadline, the handling code; through the service,
the pages (forms posted without JavaScript) and the API, the bad paths as much as the good."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import AuditEvent, HandlingCode, Outcome, RollCallState
from cmc.models.types import utcnow
from cmc.services import rollcalls
from cmc.services.errors import ConflictError, DeniedError, ValidationError
from cmc.services.rollcalls import board
from tests.conftest import bearer_headers, csrf_from
from tests.rollcall_world import world  # noqa: F401

ZONE_MINUS_4 = timezone(timedelta(hours=-4))  # Barbados's clock all year


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _client(app: Any, sign_in: Any, account: Any) -> Any:
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    return client


def _token(client: Any) -> str:
    return csrf_from(client.get("/").get_data(as_text=True))


def _flashes(client: Any) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


# --- the service ---------------------------------------------------------------------------------------------

def test_close_freezes_and_a_second_close_is_refused(world):  # noqa: F811
    roll_call = world.start()
    assert rollcalls.accepts_answers(roll_call)
    rollcalls.close(world.coordinator, roll_call.id)
    db.session.expire_all()
    assert roll_call.state == RollCallState.CLOSED and roll_call.closed_by_id == world.coordinator.id
    assert roll_call.closed_at is not None and not rollcalls.accepts_answers(roll_call)
    with pytest.raises(ConflictError):
        rollcalls.close(world.secretariat, roll_call.id)
    [event] = _events("rollcall.close")
    assert event.actor_id == world.coordinator.id and event.target_id == str(roll_call.id)


def test_who_may_not_close(world, make_account):  # noqa: F811
    roll_call = world.start()
    for reader in (world.delegate["JM"], world.focal["HT"], world.observer, world.outsider):
        with pytest.raises(DeniedError) as refused:
            rollcalls.close(reader, roll_call.id)
        assert refused.value.status == 403
    stranger = make_account("delegate", party="GY")  # of a network party, but not a member of the network
    with pytest.raises(DeniedError) as hidden:
        rollcalls.close(stranger, roll_call.id)
    assert hidden.value.status == 404
    with pytest.raises(DeniedError) as missing:
        rollcalls.close(world.secretariat, roll_call.id + 999)
    assert missing.value.status == 404
    db.session.expire_all()
    assert roll_call.state == RollCallState.OPEN and _events("rollcall.close") == []


def test_reopen_sets_a_new_deadline_and_the_reminders_run_again(world):  # noqa: F811
    roll_call = world.start(hours=-1, started_hours_ago=5, reminded_half_at=utcnow() - timedelta(hours=3),
                            reminded_hour_at=utcnow() - timedelta(hours=2))
    assert not rollcalls.accepts_answers(roll_call)  # the deadline passed: reopening is allowed without closing
    wanted = utcnow() + timedelta(hours=6)
    rollcalls.reopen(world.coordinator, roll_call.id, wanted)
    db.session.expire_all()
    assert roll_call.state == RollCallState.OPEN and rollcalls.accepts_answers(roll_call)
    assert abs((roll_call.deadline - wanted).total_seconds()) < 1
    assert roll_call.reminded_half_at is None and roll_call.reminded_hour_at is None
    [event] = _events("rollcall.reopen")
    assert event.details["from"]["state"] == "open" and event.details["deadline"].startswith(wanted.date().isoformat())


def test_reopen_after_closing_and_its_refusals(world):  # noqa: F811
    roll_call = world.start()
    with pytest.raises(ConflictError):  # still open, deadline ahead: nothing to reopen
        rollcalls.reopen(world.coordinator, roll_call.id, utcnow() + timedelta(hours=2))
    rollcalls.close(world.coordinator, roll_call.id)
    now = utcnow()
    for bad in (None, now + timedelta(minutes=5), now - timedelta(hours=1), now + timedelta(days=31),
                datetime(2030, 1, 1, 12, 0)):  # the last one without a time zone
        with pytest.raises(ValidationError) as refused:
            rollcalls.reopen(world.coordinator, roll_call.id, bad)
        assert "deadline" in refused.value.fields
    with pytest.raises(DeniedError) as denied:
        rollcalls.reopen(world.delegate["JM"], roll_call.id, now + timedelta(hours=2))
    assert denied.value.status == 403
    db.session.expire_all()
    assert roll_call.closed
    rollcalls.reopen(world.secretariat, roll_call.id, now + timedelta(minutes=16))
    db.session.expire_all()
    assert not roll_call.closed and roll_call.closed_at is None and rollcalls.accepts_answers(roll_call)


def test_handling_change_is_checked_and_audited(world):  # noqa: F811
    roll_call = world.start()
    assert rollcalls.set_handling(world.coordinator, roll_call.id, "h2") is True
    assert rollcalls.set_handling(world.coordinator, roll_call.id, "H2") is False  # nothing changed, not recorded
    with pytest.raises(ValidationError) as no_text:
        rollcalls.set_handling(world.coordinator, roll_call.id, "H3", "  ")
    assert "handling_text" in no_text.value.fields
    with pytest.raises(ValidationError):
        rollcalls.set_handling(world.coordinator, roll_call.id, "H9")
    with pytest.raises(DeniedError) as denied:
        rollcalls.set_handling(world.delegate["TT"], roll_call.id, "H0")
    assert denied.value.status == 403
    rollcalls.set_handling(world.secretariat, roll_call.id, "H3", "For the response agencies only")
    db.session.expire_all()
    assert roll_call.handling_code == HandlingCode.H3 and roll_call.handling_text == "For the response agencies only"
    first, second = _events("rollcall.handling")
    assert first.details == {"from": {"handling_code": "H0", "handling_text": ""},
                             "to": {"handling_code": "H2", "handling_text": ""}}
    assert second.details["to"] == {"handling_code": "H3", "handling_text": "For the response agencies only"}


# --- the pages -----------------------------------------------------------------------------------------------

def test_close_page_asks_for_the_box_then_closes(app, world, sign_in):  # noqa: F811
    roll_call = world.start()
    client = _client(app, sign_in, world.coordinator)
    token = _token(client)
    unticked = client.post(f"/rollcalls/{roll_call.id}/close", data={"csrf_token": token})
    assert unticked.status_code == 302 and unticked.headers["Location"].endswith(f"/rollcalls/{roll_call.id}#after")
    assert any("Tick the box" in message for _c, message in _flashes(client))
    db.session.expire_all()
    assert not roll_call.closed
    closed = client.post(f"/rollcalls/{roll_call.id}/close", data={"csrf_token": token, "close-confirm": "y"})
    assert closed.status_code == 302
    assert any("answers are frozen" in message for _c, message in _flashes(client))
    db.session.expire_all()
    assert roll_call.closed
    again = client.post(f"/rollcalls/{roll_call.id}/close", data={"csrf_token": token, "close-confirm": "y"})
    assert again.status_code == 302
    assert any("already closed" in message for category, message in _flashes(client) if category == "danger")


def test_close_page_refuses_a_delegate_and_hides_from_a_stranger(app, world, sign_in, make_account):  # noqa: F811
    roll_call = world.start()
    delegate = _client(app, sign_in, world.delegate["JM"])
    refused = delegate.post(f"/rollcalls/{roll_call.id}/close", data={"csrf_token": _token(delegate),
                                                                     "close-confirm": "y"})
    assert refused.status_code == 403
    [denied] = [e for e in _events("rollcall.close") if e.outcome == Outcome.DENIED]
    assert denied.actor_id == world.delegate["JM"].id
    stranger = _client(app, sign_in, make_account("delegate", party="GY"))
    hidden = stranger.post(f"/rollcalls/{roll_call.id}/close", data={"csrf_token": _token(stranger),
                                                                    "close-confirm": "y"})
    assert hidden.status_code == 404
    db.session.expire_all()
    assert not roll_call.closed


def test_reopen_page_reads_the_deadline_in_the_persons_zone(app, world, sign_in):  # noqa: F811
    world.coordinator.timezone = "America/Barbados"  # UTC-4, no daylight saving
    db.session.commit()
    roll_call = world.start()
    rollcalls.close(world.coordinator, roll_call.id)
    client = _client(app, sign_in, world.coordinator)
    token = _token(client)
    too_soon = (utcnow() + timedelta(minutes=5)).astimezone(ZONE_MINUS_4).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/rollcalls/{roll_call.id}/reopen", data={"csrf_token": token, "reopen-deadline": too_soon})
    assert any("at least 15 minutes" in message for _c, message in _flashes(client))
    client.post(f"/rollcalls/{roll_call.id}/reopen", data={"csrf_token": token, "reopen-deadline": "tomorrow"})
    assert any("date and a time" in message for _c, message in _flashes(client))
    db.session.expire_all()
    assert roll_call.closed
    local = (utcnow() + timedelta(hours=3)).astimezone(ZONE_MINUS_4).replace(second=0, microsecond=0)
    done = client.post(f"/rollcalls/{roll_call.id}/reopen",
                       data={"csrf_token": token, "reopen-deadline": local.strftime("%Y-%m-%dT%H:%M")})
    assert done.status_code == 302
    assert any("open again" in message for _c, message in _flashes(client))
    db.session.expire_all()
    assert not roll_call.closed and roll_call.deadline == local.astimezone(UTC)


def test_handling_page_sets_the_code_and_says_what_is_wrong(app, world, sign_in):  # noqa: F811
    roll_call = world.start()
    client = _client(app, sign_in, world.coordinator)
    token = _token(client)
    client.post(f"/rollcalls/{roll_call.id}/handling", data={"csrf_token": token, "rc-handling-handling_code": "H3"})
    assert any("H3 needs its restriction" in message for _c, message in _flashes(client))
    client.post(f"/rollcalls/{roll_call.id}/handling", data={"csrf_token": token, "rc-handling-handling_code": "H2"})
    assert any("changed to H2" in message for _c, message in _flashes(client))
    db.session.expire_all()
    assert roll_call.handling_code == HandlingCode.H2
    observer = _client(app, sign_in, world.observer)
    refused = observer.post(f"/rollcalls/{roll_call.id}/handling",
                            data={"csrf_token": _token(observer), "rc-handling-handling_code": "H0"})
    assert refused.status_code == 403


PANEL = '{% include "rollcalls/_after.html" %}'


def _panel(app: Any, account: Any, roll_call: Any) -> str:
    with app.test_request_context("/"):
        login_user(account)
        return render_template_string(PANEL, roll_call=roll_call, board=board.summary(roll_call))


def test_the_panel_offers_what_each_reader_may_do(app, world):  # noqa: F811
    roll_call = world.start()
    world.answer(roll_call, "JM", status="affected_coping")
    organiser = _panel(app, world.coordinator, roll_call)
    assert "Close the roll call" in organiser and 'name="close-confirm"' in organiser
    assert "Reopen" not in organiser  # open, deadline ahead: nothing to reopen
    assert f"/rollcalls/{roll_call.id}/report.pdf" in organiser and "1 of 5 parties answered" in organiser
    reader = _panel(app, world.delegate["TT"], roll_call)
    assert "Close the roll call" not in reader and "rc-handling" not in reader
    assert f"/rollcalls/{roll_call.id}/answers.csv" in reader
    rollcalls.set_handling(world.coordinator, roll_call.id, "H2")
    rollcalls.close(world.coordinator, roll_call.id)
    db.session.expire_all()
    refused = _panel(app, world.delegate["TT"], roll_call)
    assert "report.pdf" not in refused and "marked H2 by Barbados" in refused
    assert "answers are frozen" in refused
    closed = _panel(app, world.coordinator, roll_call)
    assert "Reopen with a new deadline" in closed and 'name="reopen-deadline"' in closed
    assert 'name="close-confirm"' not in closed and "report.pdf" in closed


# --- the API -------------------------------------------------------------------------------------------------

def test_api_close_reopen_and_handling(app, world):  # noqa: F811
    roll_call = world.start()
    client = app.test_client()
    headers = bearer_headers(world.coordinator)
    closed = client.post(f"/api/v1/rollcalls/{roll_call.id}/close", headers=headers)
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert body["state"] == "closed" and body["closed_at"] and body["accepts_answers"] is False
    assert body["handling"] == {"code": "H0", "text": "",
                                "statement": "H0: use only for preventing and combating crime"}
    again = client.post(f"/api/v1/rollcalls/{roll_call.id}/close", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    bad = client.post(f"/api/v1/rollcalls/{roll_call.id}/reopen", headers=headers,
                      json={"deadline": "2030-01-01T12:00:00"})
    assert bad.status_code == 422 and "deadline" in bad.get_json()["error"]["fields"]
    far = client.post(f"/api/v1/rollcalls/{roll_call.id}/reopen", headers=headers,
                      json={"deadline": (utcnow() + timedelta(days=40)).isoformat()})
    assert far.status_code == 422
    wanted = (utcnow() + timedelta(hours=4)).replace(microsecond=0).astimezone(ZONE_MINUS_4)
    reopened = client.post(f"/api/v1/rollcalls/{roll_call.id}/reopen", headers=headers,
                           json={"deadline": wanted.isoformat()})
    assert reopened.status_code == 200, reopened.get_json()
    assert reopened.get_json()["state"] == "open" and reopened.get_json()["closed_at"] is None
    assert datetime.fromisoformat(reopened.get_json()["deadline"]) == wanted
    marked = client.put(f"/api/v1/rollcalls/{roll_call.id}/handling", headers=headers,
                        json={"handling_code": "H3", "handling_text": "Response agencies only"})
    assert marked.status_code == 200
    assert marked.get_json()["handling"] == {
        "code": "H3", "text": "Response agencies only",
        "statement": f"H3: Response agencies only (restriction set by {world.coordinator.party.name})"}
    wrong = client.put(f"/api/v1/rollcalls/{roll_call.id}/handling", headers=headers, json={"handling_code": "H3"})
    assert wrong.status_code == 422


def test_api_refuses_who_may_not_manage(app, world, make_account):  # noqa: F811
    roll_call = world.start()
    client = app.test_client()
    delegate = client.post(f"/api/v1/rollcalls/{roll_call.id}/close", headers=bearer_headers(world.delegate["JM"]))
    assert delegate.status_code == 403 and delegate.get_json()["error"]["code"] == "forbidden"
    stranger = client.post(f"/api/v1/rollcalls/{roll_call.id}/close",
                           headers=bearer_headers(make_account("delegate", party="GY")))
    assert stranger.status_code == 404
    no_body = client.post(f"/api/v1/rollcalls/{roll_call.id}/reopen", headers=bearer_headers(world.coordinator))
    assert no_body.status_code == 415


def test_a_close_form_sent_twice_closes_once(app, world, sign_in):  # noqa: F811
    roll_call = world.start()
    client = _client(app, sign_in, world.coordinator)
    data = {"csrf_token": _token(client), "close-confirm": "y", "form_nonce": "n" * 24}
    first = client.post(f"/rollcalls/{roll_call.id}/close", data=data)
    assert any("answers are frozen" in message for _c, message in _flashes(client))
    second = client.post(f"/rollcalls/{roll_call.id}/close", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert not any("already closed" in message for _c, message in _flashes(client))
    assert len([e for e in _events("rollcall.close") if e.outcome == Outcome.OK]) == 1


def test_two_organisers_closing_at_the_same_moment_close_it_once(app, world):  # noqa: F811
    roll_call = world.start()
    address = f"/api/v1/rollcalls/{roll_call.id}/close"
    heads = [bearer_headers(world.coordinator), bearer_headers(world.secretariat)]
    db.session.commit()
    answers: list[Any] = [None, None]
    start = threading.Barrier(2)

    def close(slot: int) -> None:
        start.wait()
        answers[slot] = app.test_client().post(address, headers=heads[slot])

    threads = [threading.Thread(target=close, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [200, 409], [a.get_json() for a in answers]
    assert len([e for e in _events("rollcall.close") if e.outcome == Outcome.OK]) == 1

"""Reminders of a roll call: by hand (only the parties not yet answered, once a minute, the organiser's right,
not after closing) and automatic at half-time and one hour before the deadline (each once, whatever the runs)."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import (
    Affected,
    AuditEvent,
    Notification,
    NotificationKind,
    RollCall,
    RollCallReminder,
    RollCallState,
)
from cmc.models.types import utcnow
from cmc.services import rollcalls
from cmc.services.errors import ConflictError, DeniedError, ValidationError
from cmc.services.rollcalls import reminders
from tests.conftest import bearer_headers, form_token
from tests.integration.test_alerts import inbox  # noqa: F401 - the inbox fixture
from tests.rollcall_world import world  # noqa: F401


def _reminded(roll_call: RollCall) -> dict[str, list[str]]:
    """{party code: [kinds]} of the reminder rows."""
    found: dict[str, list[str]] = {}
    for row in db.session.scalars(select(RollCallReminder).where(RollCallReminder.roll_call_id == roll_call.id)
                                  .order_by(RollCallReminder.id)):
        code = next(p.code for p in roll_call.parties if p.id == row.party_id)
        found.setdefault(code, []).append(row.kind.value)
    return found


def _notes(account_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.account_id == account_id, Notification.kind == NotificationKind.ROLLCALL_REMIND)) or 0


def test_remind_reaches_only_parties_not_answered(world):  # noqa: F811
    roll_call = world.start()
    world.answer(roll_call, "JM", status=Affected.COPING)
    world.answer(roll_call, "TT", status=Affected.NOT_AFFECTED)
    done = reminders.remind(world.coordinator, roll_call.id)
    assert done.sent and sorted(done.parties) == ["AI", "BB", "HT"]
    assert done.recipients == 3  # one focal point each
    assert set(_reminded(roll_call)) == {"AI", "BB", "HT"}
    assert _notes(world.focal["HT"].id) == 1
    assert _notes(world.focal["JM"].id) == 0 and _notes(world.delegate["HT"].id) == 0  # focal points only
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rollcall.remind"))
    assert row is not None and row.details["parties"] == ["AI", "BB", "HT"] and row.actor_id == world.coordinator.id


def test_a_party_that_answered_is_not_reminded(world):  # noqa: F811
    roll_call = world.start()
    world.answer(roll_call, "JM", status=Affected.COPING)
    with pytest.raises(ConflictError) as refused:
        reminders.remind(world.coordinator, roll_call.id, ["JM"])
    assert "already answered" in refused.value.message.lower()
    assert _reminded(roll_call) == {} and _notes(world.focal["JM"].id) == 0
    done = reminders.remind(world.coordinator, roll_call.id, ["JM", "HT"])
    assert done.parties == ["HT"] and done.answered == ["JM"]
    assert _reminded(roll_call) == {"HT": ["manual"]} and _notes(world.focal["JM"].id) == 0


def test_a_party_without_focal_point_is_reminded_through_its_members(world):  # noqa: F811
    world.focal["AI"].active = False
    db.session.commit()
    roll_call = world.start()
    done = reminders.remind(world.coordinator, roll_call.id, ["AI"])
    assert done.recipients == 1 and _notes(world.delegate["AI"].id) == 1 and _notes(world.focal["AI"].id) == 0


def test_a_second_press_within_a_minute_sends_nothing(world):  # noqa: F811
    roll_call = world.start()
    first = reminders.remind(world.coordinator, roll_call.id, ["HT"])
    second = reminders.remind(world.secretariat, roll_call.id, ["HT"])
    assert first.sent and not second.sent and second.last_sent_at is not None
    assert _reminded(roll_call) == {"HT": ["manual"]} and _notes(world.focal["HT"].id) == 1
    # Another party is still reminded; and a minute later HT again.
    assert reminders.remind(world.coordinator, roll_call.id).parties == ["AI", "BB", "JM", "TT"]
    row = db.session.scalar(select(RollCallReminder).where(RollCallReminder.roll_call_id == roll_call.id,
                                                            RollCallReminder.party_id == world.parties["HT"].id))
    row.sent_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    assert reminders.remind(world.coordinator, roll_call.id, ["HT"]).sent


def test_who_may_remind_and_when(world, make_account):  # noqa: F811
    roll_call = world.start()
    with pytest.raises(DeniedError) as refused:
        reminders.remind(world.delegate["JM"], roll_call.id)
    assert refused.value.status == 403
    with pytest.raises(DeniedError) as hidden:
        reminders.remind(make_account("delegate", party="GY"), roll_call.id)  # not in the network
    assert hidden.value.status == 404
    with pytest.raises(ValidationError):
        reminders.remind(world.coordinator, roll_call.id, ["GY"])  # not asked
    roll_call.state = RollCallState.CLOSED
    db.session.commit()
    with pytest.raises(ConflictError):
        reminders.remind(world.coordinator, roll_call.id)
    assert _reminded(roll_call) == {}


def test_the_api_reminds_and_refuses(world, client, make_account):  # noqa: F811
    roll_call = world.start()
    world.answer(roll_call, "JM", status=Affected.COPING)
    url = f"/api/v1/rollcalls/{roll_call.id}/remind"
    headers = bearer_headers(world.secretariat)
    answer = client.post(url, json={"parties": ["JM"]}, headers=headers)
    assert answer.status_code == 409 and answer.json["error"]["code"]
    answer = client.post(url, json={"parties": ["HT", "JM"]}, headers=headers)
    assert answer.status_code == 200 and answer.json == {"sent": True, "parties": ["HT"], "recipients": 1}
    again = client.post(url, json={"parties": ["HT"]}, headers=headers)
    assert again.status_code == 200 and again.json["sent"] is False
    assert client.post(url, headers=headers).json["parties"] == ["AI", "BB", "TT"]  # no body: every missing one
    assert client.post(url, json={}, headers=bearer_headers(world.delegate["TT"])).status_code == 403
    assert client.post(url, json={}, headers=bearer_headers(world.outsider)).status_code == 403  # reads the board
    stranger = make_account("delegate", party="GY")  # not in the network
    assert client.post(url, json={}, headers=bearer_headers(stranger)).status_code == 404
    assert client.post(url, json={"parties": "HT"}, headers=headers).status_code == 400


def test_the_board_buttons_remind(world, sign_in, app):  # noqa: F811
    roll_call = world.start()
    world.answer(roll_call, "JM", status=Affected.COPING)
    browser = app.test_client()
    sign_in(browser, world.secretariat)
    page = f"/rollcalls/{roll_call.id}"
    token = form_token(browser, page)
    answer = browser.post(f"{page}/remind", data={"csrf_token": token, "party": "HT"}, follow_redirects=True)
    assert answer.status_code == 200 and "Reminder sent to 1 person, for HT." in answer.get_data(as_text=True)
    answer = browser.post(f"{page}/remind", data={"csrf_token": token, "party": "JM"}, follow_redirects=True)
    assert "Already answered: nobody reminded." in answer.get_data(as_text=True)
    answer = browser.post(f"{page}/remind", data={"csrf_token": token}, follow_redirects=True)
    assert "for AI, BB, TT." in answer.get_data(as_text=True)
    assert _reminded(roll_call) == {"HT": ["manual"], "AI": ["manual"], "BB": ["manual"], "TT": ["manual"]}


def test_half_time_and_last_hour_each_once(world):  # noqa: F811
    roll_call = world.start(hours=10, started_hours_ago=10)  # 20 hours in all: half-time is now
    world.answer(roll_call, "JM", status=Affected.COPING)
    before = utcnow() - timedelta(minutes=5)
    assert reminders.send_due(before) == 0 and _reminded(roll_call) == {}  # nothing before time
    now = utcnow() + timedelta(seconds=1)
    assert reminders.send_due(now) == 1
    assert reminders.send_due(now) == 0  # a second run
    assert _reminded(roll_call) == {code: ["half_time"] for code in ("AI", "BB", "HT", "TT")}
    db.session.refresh(roll_call)
    assert roll_call.reminded_half_at is not None and roll_call.reminded_hour_at is None
    world.answer(roll_call, "TT", status=Affected.NOT_AFFECTED)
    last_hour = roll_call.deadline - timedelta(minutes=59)
    assert reminders.send_due(last_hour) == 1 and reminders.send_due(last_hour) == 0
    kinds = _reminded(roll_call)
    assert kinds["TT"] == ["half_time"] and kinds["HT"] == ["half_time", "last_hour"] and "JM" not in kinds
    assert reminders.send_due(roll_call.deadline + timedelta(minutes=1)) == 0  # deadline passed
    kinds = [(e.kind, e.reminder_kind) for e in rollcalls.timeline.timeline(roll_call) if e.kind == "remind"]
    assert kinds == [("remind", "last_hour"), ("remind", "half_time")]  # newest first


def test_both_due_at_once_send_one_reminder(world):  # noqa: F811
    roll_call = world.start(hours=0.5, started_hours_ago=2)
    assert reminders.send_due() == 1 and reminders.send_due() == 0
    assert _reminded(roll_call) == {code: ["last_hour"] for code in ("AI", "BB", "HT", "JM", "TT")}
    db.session.refresh(roll_call)
    assert roll_call.reminded_half_at is not None and roll_call.reminded_hour_at is not None


def test_closed_roll_calls_and_full_answers_get_no_automatic_reminder(world):  # noqa: F811
    closed = world.start(hours=0.5, started_hours_ago=2, state=RollCallState.CLOSED)
    full = world.start(parties=["JM"], hours=0.5, started_hours_ago=2)
    world.answer(full, "JM", status=Affected.COPING)
    assert reminders.send_due() == 0
    assert _reminded(closed) == {} and _reminded(full) == {}


def test_two_app_contexts_send_once(world, app):  # noqa: F811
    roll_call = world.start(hours=10, started_hours_ago=10)
    moment = utcnow() + timedelta(seconds=1)
    with app.app_context():
        first = reminders.send_due(moment)
        db.session.remove()
    with app.app_context():
        second = reminders.send_due(moment)
        db.session.remove()
    assert first + second == 1
    assert sum(len(kinds) for kinds in _reminded(roll_call).values()) == 5


def test_automatic_reminders_are_mailed_in_each_language(inbox, world):  # noqa: F811
    world.focal["HT"].language = "fr"
    world.focal["JM"].language = "es"
    db.session.commit()
    world.start(hours=0.5, started_hours_ago=2, title="Ouragan Lena")
    inbox.messages.clear()
    assert reminders.send_due() == 1
    mails = {m["To"]: str(make_header(decode_header(m["Subject"]))) for m in inbox.messages}
    assert set(mails) == {world.focal[code].email for code in ("AI", "BB", "HT", "JM", "TT")}
    # Each in the recipient's language (the subject's frame).
    assert mails[world.focal["HT"].email].startswith("Plateforme CMC")
    assert mails[world.focal["JM"].email].startswith("Plataforma CMC")
    assert mails[world.focal["BB"].email].startswith("CMC Platform: Reminder: Barbados")


def test_reminders_are_on_the_timeline(world):  # noqa: F811
    roll_call = world.start()
    reminders.remind(world.coordinator, roll_call.id, ["HT", "AI"])
    entries = rollcalls.timeline.timeline(roll_call)
    assert [e.kind for e in entries] == ["remind", "start"]
    assert sorted(entries[0].parties) == ["Anguilla", "Haiti"] and entries[0].reminder_kind == "manual"
    assert entries[0].who == world.coordinator.name

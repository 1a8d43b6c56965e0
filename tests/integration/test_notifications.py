"""The notification centre: stored in the event's transaction (one INSERT for an alert's members), listed and
opened (marked read) by their person only, hidden once their subject can no longer be read, purged after 90
days, counted under the bell without a statement more on a cached page, and the same through the API."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Alert, Notification, NotificationKind
from cmc.models.types import utcnow
from cmc.services import alerts, meetings, networks, notifications
from tests.conftest import csrf_from
from tests.integration.test_alerts import alert_input, net  # noqa: F401 - the fixture

_BELL = re.compile(r'id="notifications-bell" href="/notifications" data-count="(\d+)"')


def count(**where: Any) -> int:
    query = select(func.count()).select_from(Notification)
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    return int(db.session.scalar(query) or 0)


def bell(client: Any) -> int:
    page = client.get("/")
    assert page.status_code == 200
    found = _BELL.search(page.get_data(as_text=True))
    assert found, "no bell in the header"
    return int(found.group(1))


class Statements:
    """The SQL statements run while the block runs."""

    def __init__(self, app: Any) -> None:
        with app.app_context():
            self.engine = db.engine
        self.seen: list[str] = []

    def _seen(self, _c: Any, _cu: Any, statement: str, *_r: Any) -> None:
        self.seen.append(statement)

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_an_alert_notifies_every_member_asked_to_acknowledge_in_one_insert(app, net, make_account):  # noqa: F811
    network, admin, coordinator, member = net
    readers = [member("TT") for _ in range(12)] + [member("JM") for _ in range(8)]
    same_party = member("BS")  # the sender's party is not asked to acknowledge its own alert
    observer = member("US")  # observers are never asked
    inactive = member("TT")
    inactive.active = False
    db.session.commit()
    with Statements(app) as statements:
        alert, _ = alerts.publish(coordinator, network.slug, alert_input())
    inserts = [s for s in statements.seen if s.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")]
    assert len(inserts) == 1, "one INSERT ... SELECT, not one per member"
    recipients = set(db.session.scalars(select(Notification.account_id).where(Notification.alert_id == alert.id)))
    assert recipients == {r.id for r in readers}
    assert not {coordinator.id, same_party.id, observer.id, inactive.id, admin.id} & recipients
    assert count(kind=NotificationKind.ALERT) == 20
    # A Cancel message asks nobody to acknowledge anything: no notification of kind "alert" for it.
    cancel = alerts.cancel(coordinator, alert.id, "sent in error")
    assert cancel.id != alert.id
    assert count(alert_id=cancel.id) == 0 and count(kind=NotificationKind.ALERT) == 20


def test_a_failed_transaction_leaves_no_notification_and_pushes_none(app, net):  # noqa: F811
    network, _admin, coordinator, member = net
    reader = member("TT")
    with pytest.raises(RuntimeError), write_transaction():
        notifications.record(reader.id, "alert.returned", headline="x")
        raise RuntimeError("the event failed")
    assert count() == 0
    assert notifications.store.PENDING not in db.session.info  # nothing waits to be pushed either
    # An alert whose transaction fails after its rows were written: neither the alert nor its notifications stay.
    with pytest.raises(RuntimeError), write_transaction():
        alerts.publish(coordinator, network.slug, alert_input())
        assert count(account_id=reader.id) == 1  # written in the alert's transaction...
        raise RuntimeError("the commit never happens")
    assert count() == 0 and db.session.scalar(select(func.count()).select_from(Alert)) == 0  # ...and gone with it


def test_drafts_returns_registrations_and_action_items_are_recorded(app, net, make_account):  # noqa: F811
    network, admin, coordinator, member = net
    author = member("TT")
    draft, _ = alerts.publish(author, network.slug, alert_input(), submit=True)
    assert count(kind=NotificationKind.APPROVAL_REQUEST, account_id=coordinator.id) == 1
    alerts.return_draft(coordinator, draft.id, "Add the vessel's name.")
    assert count(kind=NotificationKind.RETURNED, account_id=author.id) == 1
    focal = make_account("focal_point", party="JM")
    meeting = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Second CMC meeting", kind="annual_meeting", start_date=date(2027, 3, 1), end_date=date(2027, 3, 2),
        host_party="TT", status="published"))
    registration = meetings.register(focal, meeting.id, "JM", [{"name": "Ana", "role": "head"}])
    meetings.decide_registration(admin, registration.id, True)
    assert count(kind=NotificationKind.REGISTRATION_DECIDED, account_id=focal.id) == 1
    meetings.add_action(admin, meeting.id, "Share the arrival figures", owner_party="JM")
    meetings.add_action(admin, meeting.id, "Draft the protocol", owner_network=network.slug)
    assert count(kind=NotificationKind.ACTION_ASSIGNED, account_id=focal.id) == 1
    assert count(kind=NotificationKind.ACTION_ASSIGNED, account_id=coordinator.id) == 1
    shown = notifications.load(focal, list(db.session.scalars(notifications.list_query(focal))))
    assert [s.kind for s in shown] == ["action.assigned", "registration.decided"]
    assert "Share the arrival figures" in shown[0].text and "confirmed" in shown[1].text
    assert shown[1].url == f"/meetings/{meeting.id}"


def test_list_open_mark_all_read_and_another_persons_answers_404(app, net, sign_in):  # noqa: F811
    network, _admin, coordinator, member = net
    reader, other = member("TT"), member("JM")
    client = app.test_client()
    sign_in(client, reader)
    assert bell(client) == 0
    first, _ = alerts.publish(coordinator, network.slug, alert_input())
    _second, _ = alerts.publish(coordinator, network.slug, alert_input(infos=[
        alerts.InfoInput(headline="Second boat sighted", event="Vessel", severity="Moderate", urgency="Expected",
                         certainty="Likely", category="Security", area_desc="North", geocodes=["TT"])]))
    assert bell(client) == 2
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("Second boat sighted") < page.index("Vessel left the north coast")  # newest first
    assert page.count('data-state="unread"') == 2
    mine = db.session.scalar(select(Notification.id).where(Notification.account_id == reader.id,
                                                            Notification.alert_id == first.id))
    theirs = db.session.scalar(select(Notification.id).where(Notification.account_id == other.id))
    opened = client.get(f"/notifications/{mine}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/alerts/{first.id}")
    assert bell(client) == 1
    assert client.get(f"/notifications/{theirs}/open").status_code == 404
    assert client.get("/notifications/99999999999/open").status_code == 404
    assert db.session.get(Notification, theirs).read_at is None
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    assert client.post("/notifications/read", data={}).status_code in (302, 400)  # no token: nothing changes
    assert bell(client) == 1
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 302
    assert bell(client) == 0
    assert db.session.get(Notification, theirs).read_at is None
    # From the alert's toast: the alert's notification is marked read, then the alert opens.
    third, _ = alerts.publish(coordinator, network.slug, alert_input())
    assert bell(client) == 1
    assert client.get(f"/notifications/alert/{third.id}/open").headers["Location"].endswith(f"/alerts/{third.id}")
    assert bell(client) == 0


def test_a_notification_of_something_no_longer_readable_is_hidden_and_not_leaked(app, net, sign_in):  # noqa: F811
    network, admin, coordinator, member = net
    reader = member("TT")
    client = app.test_client()
    sign_in(client, reader)
    _alert, _ = alerts.publish(coordinator, network.slug, alert_input(infos=[
        alerts.InfoInput(headline="Secret route via Tobago", event="Vessel", severity="Moderate", urgency="Expected",
                         certainty="Likely", category="Security", area_desc="North", geocodes=["TT"])]))
    note = db.session.scalar(select(Notification).where(Notification.account_id == reader.id))
    assert bell(client) == 1
    networks.remove_member(admin, network.slug, reader.id)
    assert bell(client) == 0
    assert "Secret route" not in client.get("/notifications").get_data(as_text=True)
    assert client.get(f"/notifications/{note.id}/open").status_code == 404
    answer = client.get("/api/v1/notifications").get_json()
    assert answer["unread"] == 0 and answer["items"] == []
    assert notifications.unread_count(reader) == 0 and notifications.load(reader, [note]) == []


def test_notifications_older_than_90_days_are_purged(app, net):  # noqa: F811
    network, _admin, coordinator, member = net
    reader = member("TT")
    alerts.publish(coordinator, network.slug, alert_input())
    alerts.publish(coordinator, network.slug, alert_input())
    oldest = db.session.scalar(select(func.min(Notification.id)))
    with write_transaction():
        db.session.execute(update(Notification).where(Notification.id == oldest)
                           .values(created_at=utcnow() - timedelta(days=91)))
    assert notifications.purge() == 1
    assert count(account_id=reader.id) == 1
    assert notifications.purge(utcnow() + timedelta(days=91)) == 1
    assert count() == 0


def test_the_bell_adds_no_statement_to_a_cached_page(app, net, sign_in):  # noqa: F811
    network, _admin, coordinator, member = net
    reader = member("TT")
    client = app.test_client()
    sign_in(client, reader)
    alerts.publish(coordinator, network.slug, alert_input())
    assert bell(client) == 1
    with Statements(app) as statements:
        assert bell(client) == 1
    assert not [s for s in statements.seen if "notifications" in s], "the cached badge carries the bell's count"


def test_the_api_lists_and_marks_read(app, net, sign_in):  # noqa: F811
    network, _admin, coordinator, member = net
    reader, other = member("TT"), member("JM")
    client = app.test_client()
    sign_in(client, reader)
    for _ in range(3):
        alerts.publish(coordinator, network.slug, alert_input())
    listed = client.get("/api/v1/notifications").get_json()
    assert listed["unread"] == 3 and len(listed["items"]) == 3 and listed["items"][0]["unread"] is True
    assert listed["items"][0]["kind"] == "alert" and listed["items"][0]["url"].endswith("/open")
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    theirs = db.session.scalar(select(Notification.id).where(Notification.account_id == other.id))
    marked = client.post("/api/v1/notifications/read", json={"ids": [listed["items"][0]["id"], theirs]},
                         headers=headers)
    assert marked.status_code == 200 and marked.get_json() == {"marked": 1, "unread": 2}
    assert db.session.get(Notification, theirs).read_at is None
    for bad in ({"ids": "all"}, {"ids": [True]}, {"ids": []}, {}, {"all": "yes"}):
        assert client.post("/api/v1/notifications/read", json=bad, headers=headers).status_code == 400
    assert client.post("/api/v1/notifications/read", json={"all": True}).status_code in (400, 403)  # no CSRF
    assert client.post("/api/v1/notifications/read", json={"all": True}, headers=headers).get_json()["unread"] == 0
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/notifications"] and "post" in spec["paths"]["/notifications/read"]
    assert "NotificationPage" in spec["components"]["schemas"]

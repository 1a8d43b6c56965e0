"""The navigation's alert count is cached, and never stale: after a publication, an approval, an update, a
cancellation, an acknowledgement (by anyone of the party), a membership change and an expiry, the next page
shows the right count; with Redis, across two app instances sharing it."""

from __future__ import annotations

import os
import re
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text, update

from cmc import create_app
from cmc.extensions import db
from cmc.models import Alert
from cmc.models.types import utcnow
from cmc.services import alerts, networks
from cmc.services.alerts.badge import MemoryStore, RedisStore
from tests.conftest import IsolatedClient
from tests.integration.test_alerts import alert_input, net  # noqa: F401 - the fixture

REDIS_URL = os.environ.get("CMC_TEST_REDIS_URL", "")
_COUNT = re.compile(r'id="alerts-count" data-count="(\d+)"')


def shown(client: Any) -> int:
    """The count the navigation shows on home."""
    page = client.get("/")
    assert page.status_code == 200
    found = _COUNT.search(page.get_data(as_text=True))
    assert found, "no alert count in the navigation"
    return int(found.group(1))


def reader_on_home(app: Flask, sign_in: Any, member: Any) -> tuple[Any, Any]:
    """A new member of Trinidad and Tobago in the network, and a client signed in as them."""
    reader = member("TT")
    client = app.test_client()
    sign_in(client, reader)
    return reader, client


class Counted:
    """Counts the badge's statement (the count of unacknowledged alerts) while the block runs."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.count = 0

    def _seen(self, _c: Any, _cu: Any, statement: str, *_r: Any) -> None:
        if statement.lstrip().startswith("SELECT count(*)") and "alert_receipts" in statement:
            self.count += 1

    def __enter__(self) -> Counted:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_the_count_is_cached_and_follows_every_change(app, net, sign_in):  # noqa: F811
    network, admin, coordinator, member = net
    reader, client = reader_on_home(app, sign_in, member)
    colleague = member("TT")  # same party: an acknowledgement is the party's
    assert isinstance(app.extensions["cmc_badge"], MemoryStore)  # no Redis configured: this process's memory
    assert shown(client) == 0
    with Counted(app) as counted:
        assert shown(client) == 0
    assert counted.count == 0, "a second page with nothing changed counted again"

    first, _ = alerts.publish(coordinator, network.slug, alert_input())
    assert shown(client) == 1  # publication
    second, _ = alerts.publish(coordinator, network.slug, alert_input())
    assert shown(client) == 2

    draft, _ = alerts.publish(member("JM"), network.slug, alert_input(), submit=True)
    assert shown(client) == 2  # a draft counts for nobody yet
    alerts.approve(coordinator, draft.id, token=alerts.draft_token(coordinator, draft), severe_checked=True)
    assert shown(client) == 3  # approval publishes it
    alerts.acknowledge(colleague, draft.id)
    assert shown(client) == 2

    alerts.acknowledge(colleague, first.id)  # another person of the reader's party
    assert shown(client) == 1
    updated = alerts.revise(coordinator, second.id, alert_input())
    assert shown(client) == 1  # the update replaces the alert it updates
    alerts.cancel(coordinator, updated.id)
    assert shown(client) == 0  # cancellation

    alerts.publish(coordinator, network.slug, alert_input())
    assert shown(client) == 1
    networks.remove_member(admin, network.slug, reader.id)
    assert client.get("/").status_code == 200
    assert shown(client) == 0  # no longer in the network: its alerts are not the reader's


def test_an_alert_drops_from_the_count_when_it_expires(app, net, sign_in):  # noqa: F811
    network, _admin, coordinator, member = net
    _reader, client = reader_on_home(app, sign_in, member)
    lasting, _ = alerts.publish(coordinator, network.slug, alert_input())
    brief, _ = alerts.publish(coordinator, network.slug, alert_input())
    # Its expiry comes in two seconds; written behind the platform's back, so nothing tells the cache.
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alerts SET active_until = :at WHERE id = :id"),
                           {"at": (utcnow() + timedelta(seconds=2)).replace(tzinfo=None), "id": brief.id})
    assert shown(client) == 2
    time.sleep(2.5)
    assert shown(client) == 1
    assert lasting.id


def test_a_change_the_session_does_not_flush_still_counts(app, net, sign_in):  # noqa: F811
    """``update(Alert)`` statements (a chain cancelled at once) bypass the flush: they invalidate too."""
    network, _admin, coordinator, member = net
    _reader, client = reader_on_home(app, sign_in, member)
    alert, _ = alerts.publish(coordinator, network.slug, alert_input())
    assert shown(client) == 1
    db.session.execute(update(Alert).where(Alert.id == alert.id).values(active_until=utcnow()))
    db.session.commit()
    assert shown(client) == 0


@pytest.mark.skipif(not REDIS_URL, reason="CMC_TEST_REDIS_URL is not set")
def test_two_instances_sharing_redis_never_show_a_stale_count(app_config, net, app, sign_in):  # noqa: F811
    network, _admin, coordinator, member = net
    reader = member("TT")
    colleague = member("TT")
    config = {**app_config, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "SOCKETIO_CHANNEL": f"cmc-test-{uuid.uuid4().hex}"}
    first, second = create_app(config), create_app(config)
    for instance in (first, second):
        instance.test_client_class = IsolatedClient
        assert isinstance(instance.extensions["cmc_badge"], RedisStore)
    on_first, on_second = first.test_client(), second.test_client()
    sign_in(on_first, reader)
    sign_in(on_second, colleague)
    assert shown(on_first) == shown(on_second) == 0
    with second.app_context():  # published by the other instance (its own session commits)
        published, _ = alerts.publish(db.session.get(type(coordinator), coordinator.id), network.slug,
                                      alert_input())
        published_id = published.id
    assert shown(on_first) == 1
    with first.app_context():
        alerts.acknowledge(db.session.get(type(colleague), colleague.id), published_id)
    assert shown(on_second) == 0 and shown(on_first) == 0
    with second.app_context():
        alerts.publish(db.session.get(type(coordinator), coordinator.id), network.slug, alert_input())
    assert shown(on_first) == 1
    for instance in (first, second):
        with instance.app_context():
            db.engine.dispose()


def test_deliveries_and_openings_keep_the_cached_count(app, net, sign_in):  # noqa: F811
    """Every live client's sync marks receipts delivered: that changes no count, so it costs no recount."""
    network, _admin, coordinator, member = net
    reader, client = reader_on_home(app, sign_in, member)
    alert, _ = alerts.publish(coordinator, network.slug, alert_input())
    assert shown(client) == 1
    alerts.mark_delivered(reader, [alert.id])
    alerts.mark(reader, alert.id, "opened")
    with Counted(app) as counted:
        assert shown(client) == 1
    assert counted.count == 0
    alerts.acknowledge(reader, alert.id)
    with Counted(app) as counted:
        assert shown(client) == 0
    assert counted.count == 1


def test_an_unreachable_redis_costs_the_cache_not_the_page(app, net, sign_in, caplog):  # noqa: F811
    """Redis down: every page counts in the database (right, just slower), publishing still answers, and the
    failure is logged rather than shown to the person."""
    network, _admin, coordinator, member = net
    app.extensions["cmc_badge"] = RedisStore("redis://127.0.0.1:1/0", "cmc-test-down")  # nobody listens there
    _reader, client = reader_on_home(app, sign_in, member)
    assert shown(client) == 0
    alerts.publish(coordinator, network.slug, alert_input())  # its bump fails after the commit: logged
    assert shown(client) == 1
    alerts.publish(coordinator, network.slug, alert_input())
    assert shown(client) == 2
    assert "the alert badge cache cannot be read" in caplog.text
    assert "the alert badge cache could not be told of a change" in caplog.text

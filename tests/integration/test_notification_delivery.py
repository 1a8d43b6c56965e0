"""How notifications reach people: the settings page (good and bad choices), the daily digest (one a day, none
for someone with nothing, in the person's language), ``cmc notify`` and the server's daily round."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Delivery, DigestSent, NotificationKind, NotificationSetting
from cmc.models.types import utcnow
from cmc.realtime.server import daily_notifications
from cmc.services import alerts, notifications
from tests.conftest import csrf_from
from tests.integration.test_alerts import alert_input, inbox, net  # noqa: F401 - the fixtures


def test_settings_form_saves_good_choices_and_refuses_bad_ones(app, net, sign_in):  # noqa: F811
    _network, _admin, _coordinator, member = net
    reader = member("TT")
    client = app.test_client()
    sign_in(client, reader)
    page = client.get("/settings/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "A new alert in my networks" in html and html.count('type="radio"') == 3 * len(NotificationKind)
    token = csrf_from(html)
    choices = {f"kind_{str(kind).replace('.', '_')}": "in_app" for kind in NotificationKind}
    choices["kind_agenda_changed"] = "digest"
    saved = client.post("/settings/notifications", data={**choices, "csrf_token": token})
    assert saved.status_code == 302
    assert notifications.settings_of(reader)[NotificationKind.AGENDA_CHANGED] == Delivery.DIGEST
    assert notifications.settings_of(reader)[NotificationKind.ALERT] == Delivery.IN_APP
    # Only choices that differ from the default are stored: every kind e-mailed by default (alert, overdue,
    # reminder, agenda, release requested and decided, roll call asked and reminded), now here only or a digest.
    by_mail = [kind for kind in NotificationKind if notifications.DEFAULTS[kind] != Delivery.IN_APP]
    assert len(by_mail) == 8
    assert db.session.scalar(select(func.count()).select_from(NotificationSetting)) == len(by_mail)
    bad = client.post("/settings/notifications", data={**choices, "kind_alert": "pigeon", "csrf_token": token})
    assert bad.status_code == 422
    assert "There is a problem" in bad.get_data(as_text=True)
    assert notifications.settings_of(reader)[NotificationKind.ALERT] == Delivery.IN_APP  # unchanged
    missing = dict(choices)
    missing.pop("kind_alert")
    # A kind left out of the form keeps the person's choice (a radio group always sends one of its values).
    assert client.post("/settings/notifications", data={**missing, "csrf_token": token}).status_code == 302
    assert notifications.settings_of(reader)[NotificationKind.ALERT] == Delivery.IN_APP
    assert client.post("/settings/notifications", data=choices).status_code in (400, 422)  # no CSRF token


def _digest_for(account, kind: str = "alert") -> None:
    notifications.save_settings(account, {kind: "digest"})


def test_the_digest_is_sent_once_a_day_in_the_persons_language_and_never_empty(inbox, app, net):  # noqa: F811
    network, _admin, coordinator, member = net
    french = member("TT")
    french.language = "fr"
    french.timezone = "America/Martinique"
    quiet = member("JM")
    db.session.commit()
    _digest_for(french)
    _digest_for(quiet)
    _digest_for(coordinator)  # nothing reaches the coordinator's party: no mail for them either
    alerts.publish(coordinator, network.slug, alert_input())
    notifications.mark_read(quiet)  # quiet read everything: nothing left to send
    before = len(inbox.messages)
    assert notifications.send_digests() == 1
    assert notifications.send_digests() == 0  # the same day: once
    digests = inbox.messages[before:]
    assert [m["To"] for m in digests] == [french.email]
    body = digests[0].get_payload(decode=True).decode()
    assert "Grave" in body and "Vessel left the north coast" in body  # the severity in French
    assert "UTC\u22124" in body or "UTC-4" in body  # the time in Martinique's zone
    assert db.session.scalar(select(func.count()).select_from(DigestSent)) == 1
    # The next day, with nothing new and unread from the last day: no mail.
    assert notifications.send_digests(utcnow() + timedelta(days=2)) == 0


def test_the_server_runs_the_digest_and_the_purge_daily(inbox, app, net):  # noqa: F811
    network, _admin, coordinator, member = net
    reader = member("TT")
    _digest_for(reader)
    alerts.publish(coordinator, network.slug, alert_input())
    daily_notifications(app)
    daily_notifications(app)
    db.session.rollback()  # the test's own session: read what the server's rounds committed
    assert db.session.scalar(select(func.count()).select_from(DigestSent)) == 1
    assert sum(1 for m in inbox.messages if m["To"] == reader.email and "digest" in m["Subject"]) == 1


def test_cmc_notify_digest_and_purge(app, net):  # noqa: F811
    network, _admin, coordinator, member = net
    member("TT")
    alerts.publish(coordinator, network.slug, alert_input())
    runner = app.test_cli_runner()
    assert "Sent 0 digest(s)." in runner.invoke(args=["notify", "digest"]).output
    assert "Deleted 0 notification(s) older than 90 days." in runner.invoke(args=["notify", "purge"]).output


def test_an_immediate_mail_follows_the_setting(inbox, app, net):  # noqa: F811
    network, _admin, coordinator, member = net
    author = member("TT")
    notifications.save_settings(coordinator, {"alert.approval_request": "email"})
    alerts.publish(author, network.slug, alert_input(), submit=True)
    assert [m["To"] for m in inbox.messages if "/notifications/" in m.get_payload(decode=True).decode()] == \
        [coordinator.email]


def test_a_severe_alert_is_not_mailed_to_who_chose_the_bell_only(inbox, app, net):  # noqa: F811
    network, _admin, coordinator, member = net
    mailed, quiet = member("TT"), member("JM")
    notifications.save_settings(quiet, {"alert": "in_app"})
    alerts.publish(coordinator, network.slug, alert_input())  # Severe: mailed to offline members
    recipients = {m["To"] for m in inbox.messages}
    assert mailed.email in recipients and quiet.email not in recipients

"""Release requests and the handling panel (issue 18): Jamaica shares an H2 alert in the migrant smuggling
network; Trinidad's delegate asks for a release; only Jamaica's focal point (or the alert's author) decides;
a grant is scoped in time and enforced; every bad input refused with its own status. Plus the marking changes
through the panel and the API (raising open to moderators, lowering the originator's alone)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import select

from cmc import permissions
from cmc.extensions import db
from cmc.models import (
    Alert,
    AuditEvent,
    HandlingCode,
    Notification,
    NotificationKind,
    Outcome,
    ReleaseRequest,
    ReleaseStatus,
)
from cmc.models.types import utcnow
from cmc.services import alerts, documents, handling, networks
from cmc.services.errors import ConflictError, DeniedError, ValidationError
from cmc.services.handling import releases
from cmc.uploads import CheckedFile
from tests.conftest import bearer_headers, csrf_from
from tests.files import pdf
from tests.integration.test_alerts import alert_input, net  # noqa: F401  (the fixture)

H2 = handling.Marking(HandlingCode.H2)
PANEL = '{% from "handling/_panel.html" import panel %}{{ panel(item, kind) }}'


@pytest.fixture
def shared(net, make_account):  # noqa: F811
    """Jamaica's H2 alert: its author (a JM coordinator), JM's focal point, a JM member, Trinidad's delegate,
    an observer (US), the BS coordinator of the network and the network itself."""
    network, admin, coordinator, member = net
    author = make_account("delegate", party="JM", second_factor=True)
    networks.add_member(admin, network.slug, author.id, "coordinator")
    focal = make_account("focal_point", party="JM")
    networks.add_member(admin, network.slug, focal.id)
    alert, _ = alerts.publish(author, network.slug, alert_input())
    assert handling.change(author, alert, H2)
    return {"network": network, "alert": alert, "author": author, "focal": focal, "jm": member("JM"),
            "tt": member("TT"), "observer": member("US"), "bs": coordinator, "admin": admin,
            "outsider": make_account("delegate", party="BB")}


def ask(world, who="tt", **kwargs):
    values = {"purpose": "national_system", "reason": "Our coast guard needs the sighting."} | kwargs
    return releases.request(world[who], _fresh(world), **values)


def _fresh(world) -> Alert:
    return db.session.get(Alert, world["alert"].id)


def kinds_for(account) -> list[str]:
    return [n.kind.value for n in db.session.scalars(select(Notification).where(Notification.account_id == account.id))]


def test_a_request_is_refused_without_reason_for_a_non_h2_item_and_for_a_party_outside_the_audience(shared):
    with pytest.raises(ValidationError) as no_reason:
        ask(shared, reason="   ")
    assert no_reason.value.status == 422 and "reason" in no_reason.value.fields
    with pytest.raises(ValidationError) as bad_purpose:
        ask(shared, purpose="the press")
    assert "purpose" in bad_purpose.value.fields
    bb = db.session.scalar(select(releases.Party).where(releases.Party.code == "BB"))
    with pytest.raises(ValidationError) as outside:
        ask(shared, purpose="party", party_id=bb.id)
    assert "never widens the audience" in outside.value.fields["party_id"]
    with pytest.raises(ValidationError) as own_network:
        ask(shared, purpose="network", network_id=shared["network"].id)
    assert "network_id" in own_network.value.fields
    with pytest.raises(DeniedError) as own_party:
        ask(shared, who="jm")
    assert own_party.value.status == 403
    with pytest.raises(DeniedError) as unreadable:  # a party outside the network: the alert does not exist
        releases.request(shared["outsider"], _fresh(shared), purpose="national_system", reason="Need it")
    assert unreadable.value.status == 404
    plain, _ = alerts.publish(shared["author"], shared["network"].slug, alert_input())
    with pytest.raises(DeniedError) as not_h2:
        releases.request(shared["tt"], plain, purpose="national_system", reason="Need it")
    assert not_h2.value.status == 403
    assert db.session.scalar(select(db.func.count()).select_from(ReleaseRequest)) == 0


def test_only_the_originating_party_decides_and_both_sides_are_told(shared):
    release = ask(shared)
    assert release.status == ReleaseStatus.PENDING and release.party_id == shared["tt"].party_id
    for account in (shared["focal"], shared["author"]):
        assert NotificationKind.RELEASE_REQUESTED.value in kinds_for(account)
    assert NotificationKind.RELEASE_REQUESTED.value not in kinds_for(shared["jm"])  # neither focal point nor author
    for who in ("bs", "tt", "jm", "admin"):
        with pytest.raises(DeniedError) as refused:
            releases.decide(shared[who], release.id, grant=True)
        assert refused.value.status == 403, who
    for days in (0, 400, "abc"):
        with pytest.raises(ValidationError):
            releases.decide(shared["focal"], release.id, grant=True, days=days)
    granted = releases.decide(shared["focal"], release.id, grant=True, note="For 7 days", days=7)
    assert granted.status == ReleaseStatus.GRANTED and granted.decided_by_id == shared["focal"].id
    assert NotificationKind.RELEASE_DECIDED.value in kinds_for(shared["tt"])
    with pytest.raises(ConflictError):
        releases.decide(shared["focal"], release.id, grant=False)
    alert = _fresh(shared)
    assert permissions.can(shared["tt"], "handling.export", alert, "cap")
    assert not permissions.can(shared["observer"], "handling.export", alert, "cap")  # another party: not covered
    assert not permissions.can(shared["tt"], "handling.export", alert, "forward", shared["network"].id)
    events = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_party_id == shared["author"].party_id, AuditEvent.action.like("release.%")))]
    assert "release.request" in events and "release.grant" in events


def test_an_expired_release_lets_nothing_out_again_and_the_asker_withdraws(shared):
    old = ask(shared)
    releases.decide(shared["focal"], old.id, grant=True, days=7, at=utcnow() - timedelta(days=8))
    assert not releases.is_current(db.session.get(ReleaseRequest, old.id))
    assert not permissions.can(shared["tt"], "handling.export", _fresh(shared), "cap")
    pending = ask(shared)
    with pytest.raises(DeniedError) as not_theirs:
        releases.withdraw(shared["jm"], pending.id)
    assert not_theirs.value.status == 404
    assert releases.withdraw(shared["tt"], pending.id).status == ReleaseStatus.WITHDRAWN
    with pytest.raises(ConflictError):
        releases.withdraw(shared["tt"], pending.id)
    with pytest.raises(ConflictError):
        releases.decide(shared["focal"], pending.id, grant=True)
    # The originator sees every request; the asker's own; another party none.
    assert [r.id for r in releases.history(shared["focal"], _fresh(shared))] == [pending.id, old.id]
    assert [r.id for r in releases.history(shared["observer"], _fresh(shared))] == []


def test_the_api_asks_decides_lists_and_withdraws(shared, client):
    alert_id = shared["alert"].id
    tt, focal = bearer_headers(shared["tt"]), bearer_headers(shared["focal"])
    url = f"/api/v1/alerts/{alert_id}/releases/ask"
    assert client.post(url, json={"purpose": "national_system", "reason": ""}, headers=tt).status_code == 422
    outside = client.post(url, json={"purpose": "party", "party": "BB", "reason": "x"}, headers=tt)
    assert outside.status_code == 422 and "party_id" in outside.get_json()["error"]["fields"]
    made = client.post(url, json={"purpose": "national_system", "reason": "Coast guard"}, headers=tt)
    assert made.status_code == 201
    body = made.get_json()
    assert (body["status"], body["origin_party"], body["requester_party"], body["party"]) == (
        "pending", "JM", "TT", "TT")
    mine = client.get("/api/v1/releases", headers=tt).get_json()
    assert [r["id"] for r in mine["made"]] == [body["id"]] and mine["to_decide"] == []
    waiting = client.get("/api/v1/releases", headers=focal).get_json()
    assert [r["id"] for r in waiting["to_decide"]] == [body["id"]]
    decision = f"/api/v1/releases/{body['id']}/decision"
    assert client.post(decision, json={"grant": True}, headers=tt).status_code == 403
    assert client.post(decision, json={"grant": True, "days": 0}, headers=focal).status_code == 422
    assert client.post(decision, json={"grant": True, "days": 400}, headers=focal).status_code == 422
    granted = client.post(decision, json={"grant": True, "days": 7, "note": "ok"}, headers=focal)
    assert granted.status_code == 200 and granted.get_json()["valid_until"]
    assert client.post(decision, json={"grant": False}, headers=focal).status_code == 409
    history = client.get(f"/api/v1/alerts/{alert_id}/releases", headers=tt).get_json()["items"]
    assert [r["status"] for r in history] == ["granted"]
    assert client.post(f"/api/v1/releases/{body['id']}/withdraw", headers=focal).status_code == 404
    assert client.post(f"/api/v1/releases/{body['id']}/withdraw", headers=tt).get_json()["status"] == "withdrawn"
    assert not permissions.can(shared["tt"], "handling.export", _fresh(shared), "cap")
    plain, _ = alerts.publish(shared["author"], shared["network"].slug, alert_input())
    not_h2 = client.post(f"/api/v1/alerts/{plain.id}/releases/ask", json={"purpose": "national_system",
                                                                        "reason": "x"}, headers=tt)
    assert not_h2.status_code == 403


def test_the_api_changes_an_alerts_marking_by_the_rules(shared, client):
    url = f"/api/v1/alerts/{shared['alert'].id}/handling"
    assert client.put(url, json={"handling_code": "H0"}, headers=bearer_headers(shared["bs"])).status_code == 403
    assert client.put(url, json={"handling_code": "H2", "source_reliability": "Z"},
                      headers=bearer_headers(shared["focal"])).status_code == 422
    assert client.put(url, json={"handling_code": "H5"}, headers=bearer_headers(shared["focal"])).status_code == 422
    lowered = client.put(url, json={"handling_code": "H1", "source_reliability": "B", "info_accuracy": "2"},
                         headers=bearer_headers(shared["focal"]))
    assert lowered.status_code == 200
    assert lowered.get_json() == {"code": "H1", "text": "", "source_reliability": "B", "info_accuracy": "2"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "handling.change",
                                                        AuditEvent.outcome == Outcome.OK)
                               .order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == shared["focal"].id and event.details["lowered"] is True
    # Raising keeps the evaluation when the body leaves it out: the BS coordinator may do that.
    raised = client.put(url, json={"handling_code": "H2"}, headers=bearer_headers(shared["bs"]))
    assert raised.status_code == 200 and raised.get_json()["source_reliability"] == "B"
    outsider = bearer_headers(shared["outsider"])  # not in the network: the alert does not exist for them
    assert client.put(url, json={"handling_code": "H2"}, headers=outsider).status_code == 404


def _panel(app, account, item, kind: str) -> str:
    with app.test_request_context("/"):
        login_user(account)
        return render_template_string(PANEL, item=item, kind=kind)


def test_the_panel_offers_each_reader_the_forms_they_may_use(shared, app):
    release = ask(shared)
    alert = _fresh(shared)
    origin = _panel(app, shared["focal"], alert, "alert")
    assert 'id="handling-change"' in origin and 'name="marking-source_reliability"' in origin
    assert 'value="H0"' in origin and "Ask to release" not in origin
    assert f'action="/releases/{release.id}/decide"' in origin and 'value="grant"' in origin
    assert 'name="decide-' + str(release.id) + '-days"' in origin
    asker = _panel(app, shared["tt"], alert, "alert")
    assert 'id="handling-change"' not in asker and 'id="handling-ask"' in asker
    assert "/decide" not in asker and f'action="/releases/{release.id}/withdraw"' in asker
    parties = re.search(r'<select[^>]*name="release-party_id".*?</select>', asker, re.S).group(0)
    assert "(TT)" in parties and "(US)" in parties and "(JM)" not in parties and "(BB)" not in parties
    observer = _panel(app, shared["observer"], alert, "alert")
    assert 'id="handling-ask"' in observer and 'id="handling-change"' not in observer
    assert "Coast" not in observer and f"release-{release.id}" not in observer  # another party's request
    # The BS coordinator may only raise: on an H0 alert, the stricter codes alone and no evaluation.
    plain, _ = alerts.publish(shared["author"], shared["network"].slug, alert_input())
    moderator = _panel(app, shared["bs"], plain, "alert")
    codes = re.findall(r'<option (?:selected )?value="(H\d)"', moderator)
    assert codes == ["H1", "H2", "H3"] and "marking-source_reliability" not in moderator
    assert _panel(app, shared["tt"], plain, "alert").strip() == ""  # nothing to do, nothing shown


def _form(html: str, action: str) -> str:
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    assert match, f"no form posting to {action}"
    return match.group(0)


def _csrf(form: str) -> str:
    """The CSRF token of a prefixed form (``release-csrf_token``...)."""
    return re.search(r'name="[\w-]*csrf_token" type="hidden" value="([^"]+)"', form).group(1)


def _nonce(form: str) -> str:
    return re.search(r'name="form_nonce" type="hidden" value="([^"]+)"', form).group(1)


def test_the_panel_forms_work_on_a_thread_page_without_javascript(shared, app, sign_in):
    network = shared["network"]
    thread = networks.create_thread(shared["author"], network.slug, "Route", "Boats", H2)
    asker, decider = app.test_client(), app.test_client()
    sign_in(asker, shared["tt"])
    sign_in(decider, shared["author"])
    page = asker.get(f"/threads/{thread.id}").get_data(as_text=True)
    form = _form(page, f"/threads/{thread.id}/releases")
    data = {"release-csrf_token": _csrf(form), "form_nonce": _nonce(form), "release-purpose": "national_system",
            "release-network_id": "", "release-party_id": "", "release-reason": ""}
    refused = asker.post(f"/threads/{thread.id}/releases", data=data, follow_redirects=True)
    assert "Say why you need the item released." in refused.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(ReleaseRequest)) == 0
    page = asker.get(f"/threads/{thread.id}").get_data(as_text=True)
    form = _form(page, f"/threads/{thread.id}/releases")
    data |= {"release-csrf_token": _csrf(form), "form_nonce": _nonce(form), "release-reason": "Coast guard"}
    sent = asker.post(f"/threads/{thread.id}/releases", data=data)
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/threads/{thread.id}#handling")
    again = asker.post(f"/threads/{thread.id}/releases", data=data)  # a double click: nothing new
    assert again.status_code in (302, 303)
    release = db.session.scalars(select(ReleaseRequest)).one()
    # Lowering from the panel by someone else is refused and changes nothing; the author's raise works.
    page = decider.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert 'name="marking-handling_code"' in page and "marking-source_reliability" not in page  # not evaluated
    decide = _form(page, f"/releases/{release.id}/decide")
    prefix = f"decide-{release.id}-"
    bad = {f"{prefix}csrf_token": _csrf(decide), "form_nonce": _nonce(decide), f"{prefix}days": "400",
           f"{prefix}note": "", f"{prefix}decision": "grant"}
    shown = decider.post(f"/releases/{release.id}/decide", data=bad, follow_redirects=True).get_data(as_text=True)
    assert "1 to 365 days" in shown
    db.session.expire_all()
    assert db.session.get(ReleaseRequest, release.id).status == ReleaseStatus.PENDING
    page = decider.get(f"/threads/{thread.id}").get_data(as_text=True)
    decide = _form(page, f"/releases/{release.id}/decide")
    good = bad | {f"{prefix}csrf_token": _csrf(decide), "form_nonce": _nonce(decide), f"{prefix}days": "7"}
    granted = decider.post(f"/releases/{release.id}/decide", data=good, follow_redirects=True)
    assert "The release is granted until" in granted.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReleaseRequest, release.id).status == ReleaseStatus.GRANTED
    history = asker.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Granted" in history and "Valid until" in history and "Coast guard" in history
    # A refusal needs no duration: a bad one beside it does not stop it.
    second = releases.request(shared["tt"], db.session.get(releases.Thread, thread.id), purpose="national_system",
                              reason="Again")
    page = decider.get(f"/threads/{thread.id}").get_data(as_text=True)
    decide = _form(page, f"/releases/{second.id}/decide")
    prefix = f"decide-{second.id}-"
    refuse = {f"{prefix}csrf_token": _csrf(decide), "form_nonce": _nonce(decide), f"{prefix}days": "abc",
              f"{prefix}note": "Not now", f"{prefix}decision": "refuse"}
    refused = decider.post(f"/releases/{second.id}/decide", data=refuse, follow_redirects=True)
    assert "The request is refused." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReleaseRequest, second.id).status == ReleaseStatus.REFUSED


def test_changing_the_code_from_the_panel(shared, app, sign_in):
    network = shared["network"]
    thread = networks.create_thread(shared["tt"], network.slug, "Route", "Boats")
    moderator, other = app.test_client(), app.test_client()
    sign_in(moderator, shared["bs"])
    sign_in(other, shared["jm"])
    page = moderator.get(f"/threads/{thread.id}").get_data(as_text=True)
    form = _form(page, f"/threads/{thread.id}/handling")
    data = {"marking-csrf_token": _csrf(form), "form_nonce": _nonce(form), "marking-handling_code": "H2",
            "marking-handling_text": ""}
    done = moderator.post(f"/threads/{thread.id}/handling", data=data, follow_redirects=True)
    assert "Handling code changed to H2" in done.get_data(as_text=True)
    # No form for a member of another party; a forged post is refused (403) and changes nothing.
    assert f"/threads/{thread.id}/handling" not in other.get(f"/threads/{thread.id}").get_data(as_text=True)
    token = csrf_from(other.get(f"/threads/{thread.id}").get_data(as_text=True))
    forged = other.post(f"/threads/{thread.id}/handling",
                        data={"marking-csrf_token": token, "marking-handling_code": "H0"})
    assert forged.status_code == 403
    db.session.expire_all()
    assert db.session.get(releases.Thread, thread.id).handling_code == HandlingCode.H2


def test_a_document_can_be_asked_for_release(shared, app):
    content = pdf("Smuggling routes")
    temp = Path(app.config["UPLOAD_DIR"], "tmp", f"upload-{hashlib.sha256(content).hexdigest()[:12]}")
    temp.parent.mkdir(parents=True, exist_ok=True)
    temp.write_bytes(content)
    checked = CheckedFile(temp_path=temp, original_filename="routes.pdf", extension="pdf",
                          content_type="application/pdf", size=len(content),
                          sha256=hashlib.sha256(content).hexdigest())
    document = documents.upload(shared["author"], shared["network"].slug, documents.DocumentInput(title="Routes"),
                                checked)
    assert handling.change(shared["author"], document, H2)
    release = releases.request(shared["tt"], document, purpose="national_system", reason="Court case")
    assert release.item_type == "document" and release.origin_party_id == shared["author"].party_id
    releases.decide(shared["author"], release.id, grant=True, days=30)  # the uploader decides too
    assert permissions.can(shared["tt"], "handling.export", document, "zip")
    assert not permissions.can(shared["observer"], "handling.export", document, "zip")

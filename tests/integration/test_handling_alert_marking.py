"""Alerts carry their marking (issue 18): the handling code (H3 with its restriction) and the 4x4 evaluation,
set on the compose page and through the API, kept through approval, inherited by an Update (lowering refused to
anyone but the originating party), filtered on, and shown in every list row, the toast, the live payload and
the alert e-mails."""

from __future__ import annotations

import html as html_lib
from datetime import timedelta
from email.header import decode_header, make_header
from typing import Any

import pytest
from sqlalchemy import func, select

from cmc.extensions import db, socketio
from cmc.models import Alert, AuditEvent, HandlingCode
from cmc.models.types import utcnow
from cmc.services import alerts, networks
from cmc.services.errors import DeniedError, ValidationError
from tests.conftest import bearer_headers
from tests.integration.test_alert_compose import (  # noqa: F401 (fixtures)
    FIELDS,
    compose_path,
    coordinator_client,
    post,
    previewed,
)
from tests.integration.test_alerts import alert_input, inbox, info, net  # noqa: F401 (fixtures)
from tests.integration.test_form_once import form_on

MINOR = {**FIELDS, "severity": "Minor"}  # no second confirmation needed
TAG = 'class="badge handling-tag handling-{code} '


def count_alerts() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Alert)) or 0)


def text_of(answer: Any) -> str:
    return html_lib.unescape(answer.get_data(as_text=True))


def publish_through_page(client: Any, path: str, **typed: Any) -> Any:
    """Preview then publish the compose form with ``typed`` over it; the answer of "Publish"."""
    answer, form = previewed(client, path, **typed)
    assert answer.status_code == 200, text_of(answer)[:800]
    return post(client, path, [*form, ("action", "publish")])


def jamaica_original(net: Any, make_account: Any, **marking: Any) -> tuple[Alert, Any]:  # noqa: F811
    """An alert published by a coordinator of Jamaica (its author, so of the originating party)."""
    network, admin, _coordinator, _member = net
    author = make_account("delegate", party="JM", second_factor=True)
    networks.add_member(admin, network.slug, author.id, "coordinator")
    alert, _ = alerts.publish(author, network.slug, alert_input(infos=[info(severity="Minor")], **marking))
    return alert, author


# --- composing in the page ---------------------------------------------------------------------------------

def test_the_compose_page_has_the_handling_fieldset_without_scripts(coordinator_client):  # noqa: F811
    client, _coordinator, network = coordinator_client
    page = text_of(client.get(compose_path(network)))
    assert 'id="handling-fieldset"' in page and "Handling" in page
    assert '<option selected value="H0">H0: use only for preventing and combating crime</option>' in page
    for code in ("H1", "H2", "H3"):
        assert f'<option value="{code}">{code}:' in page
    # The H3 text is always there (no script shows it), with its hint; both axes start "Not evaluated".
    assert 'id="handling_text"' in page and "Needed for H3" in page
    assert page.count('<option value="">Not evaluated</option>') == 2
    assert '<option value="B">B: source mostly reliable</option>' in page
    assert '<option value="4">4: not known personally and not corroborated</option>' in page


@pytest.mark.parametrize(("code", "text", "reliability", "accuracy"), [
    ("H0", "", "", ""), ("H1", "", "A", "1"), ("H2", "", "B", "2"), ("H3", "Police use only", "X", "4")])
def test_compose_each_code_through_the_page(coordinator_client, code, text, reliability, accuracy):  # noqa: F811
    client, _coordinator, network = coordinator_client
    path = compose_path(network)
    typed = {**MINOR, "handling_code": code, "handling_text": text, "source_reliability": reliability,
             "info_accuracy": accuracy}
    answer, _form = previewed(client, path, **typed)
    assert TAG.format(code=code.lower()) in text_of(answer)  # the preview's tag and its toast
    assert 'id="preview-handling"' in text_of(answer)
    published = publish_through_page(client, path, **typed)
    assert published.status_code == 302, text_of(published)[:800]
    alert = db.session.scalar(select(Alert))
    assert alert is not None and alert.handling_code == HandlingCode(code)
    assert alert.handling_text == text
    assert (alert.source_reliability or "", alert.info_accuracy or "") == (reliability, accuracy)
    shown = text_of(client.get(f"/alerts/{alert.id}"))
    assert 'class="handling-notice' in shown and TAG.format(code=code.lower()) in shown
    if code == "H2":
        assert "H2: not to be disseminated without the permission of" in shown
        assert "Evaluation B2" in shown
    if code == "H3":
        assert "H3: Police use only (restriction set by" in shown


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"handling_code": "H5"}, "handling_code", "Choose a handling code from H0 to H3."),
    ({"handling_code": "H1", "source_reliability": "Z"}, "source_reliability",
     "Choose the source's reliability: A, B, C or X."),
    ({"handling_code": "H1", "info_accuracy": "7"}, "info_accuracy",
     "Choose the information's accuracy: 1, 2, 3 or 4."),
    ({"handling_code": "H3", "handling_text": "   "}, "handling_text",
     "H3 needs its restriction: say how the item may be used."),
])
def test_a_bad_marking_in_the_page_is_refused_and_stores_nothing(coordinator_client, typed, field,  # noqa: F811
                                                                  message):
    client, _coordinator, network = coordinator_client
    path = compose_path(network)
    fields = [(n, v) for n, v in form_on(client.get(path).get_data(as_text=True), path)
              if n not in {**MINOR, **typed}]
    fields += [(n, item) for n, v in {**MINOR, **typed}.items() for item in (v if isinstance(v, list) else [v])]
    answer = post(client, path, [*fields, ("action", "preview")])
    assert answer.status_code == 422
    page = text_of(answer)
    assert f'id="{field}-error"' in page and message in page and 'href="#' + field in page
    assert count_alerts() == 0
    # "Publish" with the same values (no valid preview token) is refused the same way.
    refused = post(client, path, [*fields, ("action", "publish")])
    assert refused.status_code == 422 and message in text_of(refused) and count_alerts() == 0


def test_a_members_draft_keeps_its_marking_through_approval(net, signed_in):  # noqa: F811
    network, admin, coordinator, _member = net
    client, author = signed_in("delegate", party="JM")
    networks.add_member(admin, network.slug, author.id)
    published = publish_through_page(client, compose_path(network), **{
        **MINOR, "handling_code": "H3", "handling_text": "Not for the press", "source_reliability": "C",
        "info_accuracy": "3"})
    assert published.status_code == 302, text_of(published)[:800]
    draft = db.session.scalar(select(Alert))
    assert draft is not None and draft.state == "submitted" and draft.handling_code == HandlingCode.H3
    assert alerts.approve(coordinator, draft.id, token=alerts.draft_token(coordinator, draft),
                          severe_checked=False).state == "published"
    db.session.expire_all()
    kept = db.session.get(Alert, draft.id)
    assert (kept.handling_code, kept.handling_text, kept.source_reliability, kept.info_accuracy) == (
        HandlingCode.H3, "Not for the press", "C", "3")


def test_the_approval_preview_shows_the_tag(net, signed_in):  # noqa: F811
    network, admin, _coordinator, member = net
    author = member(party="JM")
    draft, _ = alerts.publish(author, network.slug, alert_input(
        infos=[info(severity="Minor")], handling_code="H2", source_reliability="B", info_accuracy="2"), submit=True)
    client, reviewer = signed_in("delegate", party="BS", second_factor=True)
    networks.add_member(admin, network.slug, reviewer.id, "coordinator")
    page = text_of(client.get(f"/alerts/{draft.id}"))
    review = page[page.index('id="review-box"'):]
    assert 'id="preview-handling"' in review and TAG.format(code="h2") in review
    assert "Evaluation B2" in review


# --- the API -----------------------------------------------------------------------------------------------

def _body(**marking: Any) -> dict[str, Any]:
    return {"infos": [{"headline": "API alert", "event": "Route change", "severity": "Minor",
                       "expires": (utcnow() + timedelta(hours=6)).isoformat()}], **marking}


@pytest.mark.parametrize("code", ["H0", "H1", "H2", "H3"])
def test_the_api_publishes_each_code(net, client, code):  # noqa: F811
    network, _admin, coordinator, _member = net
    marking = {"handling_code": code, "source_reliability": "A", "info_accuracy": "4"}
    if code == "H3":
        marking["handling_text"] = "Coast guards only"
    created = client.post(f"/api/v1/networks/{network.slug}/alerts", json=_body(**marking),
                          headers=bearer_headers(coordinator))
    assert created.status_code == 201, created.get_json()
    alert = db.session.get(Alert, created.get_json()["id"])
    assert alert.handling_code == HandlingCode(code) and alert.source_reliability == "A"
    assert alert.handling_text == ("Coast guards only" if code == "H3" else "")


def test_the_api_without_a_marking_publishes_h0_unevaluated(net, client):  # noqa: F811
    network, _admin, coordinator, _member = net
    created = client.post(f"/api/v1/networks/{network.slug}/alerts", json=_body(),
                          headers=bearer_headers(coordinator))
    alert = db.session.get(Alert, created.get_json()["id"])
    assert (alert.handling_code, alert.source_reliability, alert.info_accuracy) == (HandlingCode.H0, None, None)


@pytest.mark.parametrize(("marking", "field"), [
    ({"handling_code": "H5"}, "handling_code"),
    ({"handling_code": "H1", "source_reliability": "Z"}, "source_reliability"),
    ({"handling_code": "H1", "info_accuracy": "7"}, "info_accuracy"),
    ({"handling_code": "H1", "info_accuracy": 7}, "info_accuracy"),
    ({"handling_code": "H3"}, "handling_text"),
    ({"handling_code": "H3", "handling_text": "  "}, "handling_text"),
    ({"handling_code": ["H1"]}, "handling_code"),
])
def test_the_api_refuses_a_bad_marking_with_422_and_stores_nothing(net, client, marking, field):  # noqa: F811
    network, _admin, coordinator, _member = net
    refused = client.post(f"/api/v1/networks/{network.slug}/alerts", json=_body(**marking),
                          headers=bearer_headers(coordinator))
    assert refused.status_code == 422
    answer = refused.get_json()["error"]
    assert answer["code"] == "validation_failed" and field in answer["fields"] and answer["message"]
    assert count_alerts() == 0


# --- updates: inherit, raise, lower ------------------------------------------------------------------------

def test_an_update_inherits_the_marking_and_may_raise_it(net, make_account):  # noqa: F811
    _network, _admin, coordinator, _member = net
    original, _author = jamaica_original(net, make_account, handling_code="H1", source_reliability="B",
                                         info_accuracy="2")
    update = alerts.revise(coordinator, original.id, alert_input(infos=[info(severity="Minor")]))
    assert (update.handling_code, update.source_reliability, update.info_accuracy) == (HandlingCode.H1, "B", "2")
    raised = alerts.revise(coordinator, update.id, alert_input(
        infos=[info(severity="Minor")], handling_code="H2", source_reliability="B", info_accuracy="2"))
    assert raised.handling_code == HandlingCode.H2
    cancel = alerts.cancel(coordinator, raised.id)
    assert cancel.handling_code == HandlingCode.H2  # the Cancel carries the marking of what it cancels


@pytest.mark.parametrize("lowered", [
    {"handling_code": "H0"},  # a lower code
    {"handling_code": "H2"},  # the same code, the evaluation dropped
    {"handling_code": "H2", "source_reliability": "A", "info_accuracy": "1"},  # the evaluation changed
])
def test_a_non_originator_may_not_lower_or_re_evaluate_in_an_update(net, make_account, lowered):  # noqa: F811
    _network, _admin, coordinator, _member = net
    original, _author = jamaica_original(net, make_account, handling_code="H2", source_reliability="B",
                                         info_accuracy="2")
    before = count_alerts()
    with pytest.raises(DeniedError) as refused:
        alerts.revise(coordinator, original.id, alert_input(infos=[info(severity="Minor")], **lowered))
    assert refused.value.status == 403 and count_alerts() == before
    db.session.expire_all()
    assert db.session.get(Alert, original.id).superseded_by_id is None


def test_the_originators_author_may_lower_in_an_update(net, make_account):  # noqa: F811
    original, author = jamaica_original(net, make_account, handling_code="H2")
    update = alerts.revise(author, original.id, alert_input(infos=[info(severity="Minor")], handling_code="H1"))
    assert update.handling_code == HandlingCode.H1


def test_lowering_through_the_update_page_and_the_api_is_refused(net, make_account, signed_in, client):  # noqa: F811
    network, admin, coordinator, _member = net
    original, _author = jamaica_original(net, make_account, handling_code="H2", source_reliability="B",
                                         info_accuracy="2")
    page_client, other = signed_in("delegate", party="BS", second_factor=True)
    networks.add_member(admin, network.slug, other.id, "coordinator")
    path = f"/alerts/{original.id}/update"
    form = form_on(page_client.get(path).get_data(as_text=True), path)
    assert ("handling_code", "H2") in form and ("source_reliability", "B") in form  # the update starts inherited
    typed = dict(MINOR, handling_code="H0", source_reliability="", info_accuracy="")
    fields = [(n, v) for n, v in form if n not in typed] + [
        (n, item) for n, v in typed.items() for item in (v if isinstance(v, list) else [v])]
    before = count_alerts()
    assert post(page_client, path, [*fields, ("action", "preview")]).status_code == 403
    api = client.post(f"/api/v1/alerts/{original.id}/update", json=_body(handling_code="H0"),
                      headers=bearer_headers(coordinator))
    assert api.status_code == 403 and count_alerts() == before
    assert "originating party" in api.get_json()["error"]["message"]
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.update",
                                                         AuditEvent.outcome == "denied")).all()
    assert len(denied) == 2  # the page's and the API's
    kept = client.post(f"/api/v1/alerts/{original.id}/update", json=_body(), headers=bearer_headers(coordinator))
    assert kept.status_code == 201 and db.session.get(Alert, kept.get_json()["id"]).handling_code == HandlingCode.H2


# --- lists, filters, live and mail -------------------------------------------------------------------------

def test_list_rows_show_the_tag_and_the_handling_filter(net, signed_in, client):  # noqa: F811
    network, admin, coordinator, _member = net
    h2, _ = alerts.publish(coordinator, network.slug, alert_input(
        infos=[info(headline="Restricted boat", severity="Minor")], handling_code="H2", source_reliability="B",
        info_accuracy="2"))
    alerts.publish(coordinator, network.slug, alert_input(infos=[info(headline="Open boat", severity="Minor")]))
    reader_client, reader = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, reader.id)
    listing = text_of(reader_client.get("/alerts"))
    assert TAG.format(code="h2") in listing and TAG.format(code="h0") in listing
    assert '<span class="badge text-bg-light border handling-evaluation"' in listing
    home = text_of(reader_client.get("/"))
    assert TAG.format(code="h2") in home  # "What needs you"
    filtered = text_of(reader_client.get("/alerts?handling=H2"))
    assert "Restricted boat" in filtered and "Open boat" not in filtered
    assert 'id="handling"' in filtered
    bad = reader_client.get("/alerts?handling=H7")
    assert bad.status_code == 400 and "Choose a handling code from the list" in text_of(bad)
    network_page = text_of(reader_client.get(f"/networks/{network.slug}"))
    assert TAG.format(code="h2") in network_page
    headers = bearer_headers(reader)
    listed = client.get("/api/v1/alerts?handling=H2", headers=headers)
    assert listed.status_code == 200 and [a["id"] for a in listed.get_json()["items"]] == [h2.id]
    refused = client.get("/api/v1/alerts?handling=H7", headers=headers)
    assert refused.status_code == 400 and "handling" in refused.get_json()["error"]["fields"]


def test_list_rows_carry_the_marking(net):  # noqa: F811
    network, _admin, coordinator, _member = net
    alerts.publish(coordinator, network.slug, alert_input(
        infos=[info(severity="Minor")], handling_code="H3", handling_text="Police only", source_reliability="X"))
    row = alerts.load_rows(alerts.list_rows_query(coordinator))[0]
    assert (row.handling_code, row.handling_text, row.source_reliability, row.info_accuracy) == (
        "H3", "Police only", "X", None)
    assert row.handling is row
    json_row = alerts.load_json_rows(alerts.api_rows_query(coordinator))[0]
    assert json_row.handling is json_row and json_row.handling_code == "H3"


def test_the_live_payload_and_the_sync_carry_the_marking(app, net, signed_in):  # noqa: F811
    network, admin, coordinator, _member = net
    client, delegate = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, delegate.id)
    live = socketio.test_client(app, flask_test_client=client)
    alert, _ = alerts.publish(coordinator, network.slug, alert_input(
        infos=[info(severity="Minor")], handling_code="H2", source_reliability="B", info_accuracy="2"))
    received = [p["args"][0] for p in live.get_received() if p["name"] == "alert:new"]
    assert received and received[0]["handling"] == {"code": "H2", "text": "", "source_reliability": "B",
                                                    "info_accuracy": "2"}
    synced = live.emit("alerts:sync", {"after_id": 0}, callback=True)
    assert synced["alerts"][0]["handling"]["code"] == "H2"
    live.disconnect()
    assert alert.id == received[0]["id"]


def _mails(messages: list[Any]) -> dict[str, tuple[str, str]]:
    return {m["To"]: (str(make_header(decode_header(m["Subject"]))), m.get_payload(decode=True).decode())
            for m in messages}


def test_alert_mails_carry_the_code_in_subject_and_the_statement_in_body(inbox, net, make_account):  # noqa: F811
    network, _admin, coordinator, member = net
    offline = member(party="JM")
    focal = make_account("focal_point", party="TT")
    member(party="TT")
    alert, _ = alerts.publish(coordinator, network.slug, alert_input(
        handling_code="H2", source_reliability="B", info_accuracy="2", ack_within_minutes=5))
    subject, body = _mails(inbox.messages)[offline.email]
    assert subject == "[H2] [Severe] Vessel left the north coast"
    assert "H2: not to be disseminated without the permission of" in body and "Evaluation B2" in body
    inbox.messages.clear()
    alerts.remind(coordinator, alert.id)
    subject, body = _mails(inbox.messages)[focal.email]
    assert subject.startswith("[H2] Reminder:") and "H2: not to be disseminated" in body
    inbox.messages.clear()
    alert.published_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    alerts.flag_overdue()
    subject, body = _mails(inbox.messages)[focal.email]
    assert subject.startswith("[H2] Alert not acknowledged:") and "H2: not to be disseminated" in body


def test_an_h0_alert_mail_has_no_code_in_its_subject(inbox, net):  # noqa: F811
    network, _admin, coordinator, member = net
    offline = member(party="JM")
    alerts.publish(coordinator, network.slug, alert_input())
    subject, body = _mails(inbox.messages)[offline.email]
    assert subject == "[Severe] Vessel left the north coast"
    assert "H0: use only for preventing and combating crime" in body


def test_the_service_refuses_a_bad_marking_before_writing(net):  # noqa: F811
    network, _admin, coordinator, _member = net
    with pytest.raises(ValidationError) as refused:
        alerts.publish(coordinator, network.slug, alert_input(handling_code="H3", source_reliability="Q"))
    assert set(refused.value.fields) >= {"handling_text", "source_reliability"}
    assert count_alerts() == 0


def test_the_demo_has_jamaicas_h2_alert_evaluated_b2_and_an_h1_alert(app, sign_in):
    from cmc.services import seed

    seed.seed(demo=True, password="reef-lantern-orchid-42")
    marked = db.session.execute(select(Alert.handling_code, Alert.source_reliability, Alert.info_accuracy,
                                       Alert.state).where(Alert.handling_code != HandlingCode.H0)).all()
    assert sorted(marked) == [(HandlingCode.H1, None, None, "published"), (HandlingCode.H2, "B", "2", "published")]
    assert all(alert.party.code == "JM" for alert in db.session.scalars(
        select(Alert).where(Alert.handling_code != HandlingCode.H0)))
    client = app.test_client()
    sign_in(client, "delegate.tt@cmc.demo", "reef-lantern-orchid-42")
    listing = text_of(client.get("/alerts?handling=H2"))
    assert "Smuggling network recruiting boat crews" in listing and TAG.format(code="h2") in listing
    assert "Forged travel documents" not in listing

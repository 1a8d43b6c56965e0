"""Composing an alert in pages: the plain-word hints, preview (nothing written), publish with the preview's
token, a stale token refused, the second confirmation of a Severe alert, one alert for a double click, the same
for an update, and the compose page's server-side autosave with its bad inputs. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Alert, AlertAutosave, AlertReceipt, AuditEvent
from cmc.models.types import utcnow
from cmc.services import alerts, networks
from tests.conftest import csrf_from
from tests.integration.test_alerts import alert_input, net  # noqa: F401 (the fixture)
from tests.integration.test_form_once import form_on

FIELDS = {"headline": "Boat sighted off Tobago", "event": "Suspected smuggling vessel", "severity": "Severe",
          "urgency": "Immediate", "certainty": "Likely", "category": "Security", "description": "About 40 people.",
          "instruction": "Alert the coast guard.", "area_desc": "North of Tobago", "geocodes": ["TT", "JM"],
          "restriction": "Members only", "ack_within_minutes": "30", "status": "Actual"}


def count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def publish_audits() -> int:
    return int(db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(("alert.publish", "alert.submit", "alert.update")))) or 0)


@pytest.fixture
def coordinator_client(net, signed_in):  # noqa: F811
    network, admin, _coordinator, member = net
    client, coordinator = signed_in("delegate", party="BS", second_factor=True)
    networks.add_member(admin, network.slug, coordinator.id, "coordinator")
    for party in ("TT", "JM"):
        member(party=party)
    return client, coordinator, network


def compose_path(network: Any) -> str:
    return f"/networks/{network.slug}/alerts/new"


def page_form(client: FlaskClient, path: str, **typed: Any) -> list[tuple[str, str]]:
    """The compose form as the page draws it, with ``typed`` over it."""
    fields = form_on(client.get(path).get_data(as_text=True), path)
    return [(n, v) for n, v in fields if n not in typed] + [
        (n, item) for n, v in typed.items() for item in (v if isinstance(v, list) else [v])]


def post(client: FlaskClient, path: str, fields: list[tuple[str, str]]) -> Any:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(path, data=data)


def previewed(client: FlaskClient, path: str, **typed: Any) -> tuple[Any, list[tuple[str, str]]]:
    """Preview the form; the answer and the form its page draws (with the token), ready for "Publish"."""
    answer = post(client, path, [*page_form(client, path, **typed), ("action", "preview")])
    return answer, form_on(answer.get_data(as_text=True), path)


def test_the_compose_page_says_what_each_cap_choice_means(coordinator_client):
    client, _coordinator, network = coordinator_client
    html = client.get(compose_path(network)).get_data(as_text=True)
    # The chosen value's hint describes its select; every value's meaning is listed under it (no script needed).
    assert re.search(r'<select[^>]*aria-describedby="severity-hint"[^>]*id="severity"', html)
    assert 'id="severity-hint">Moderate: possible threat to life or property.' in html
    assert 'id="urgency-hint">Expected: act soon, within the next hour.' in html
    assert 'id="certainty-hint">Likely: more likely than not (over 50 %).' in html
    assert 'data-hint="Severe: significant threat to life or property."' in html
    assert html.count('<dd data-value="') == 5 + 5 + 5 + 12
    assert 'id="compose-map"' in html and ">Preview</button>" in html and "Publish alert" not in html


def test_preview_writes_nothing_and_shows_the_alert_as_members_see_it(coordinator_client):
    client, _coordinator, network = coordinator_client
    before = (count(Alert), count(AlertReceipt), publish_audits())
    answer, _form = previewed(client, compose_path(network), **FIELDS)
    assert answer.status_code == 200
    assert (count(Alert), count(AlertReceipt), publish_audits()) == before
    html = answer.get_data(as_text=True)
    assert '<div class="alert-toast severity-severe">' in html and 'class="severity-badge">⚠ Severe' in html
    assert '<span class="badge sev-Severe">' in html  # the alert page's tags
    # Four parties (TT, JM, BS, US); two coordinators and two members: the people the fan-out reaches.
    assert "It goes at once to 4 parties, 4 people" in html
    assert '[Severe] Boat sighted off Tobago</samp>' in html
    assert "I have checked this Severe alert: it goes to 4 parties, 4 people at once." in html
    assert 'name="confirmation" type="hidden" value="' in html


def test_publish_with_the_previews_token_and_the_severe_confirmation(coordinator_client):
    client, _coordinator, network = coordinator_client
    path = compose_path(network)
    _answer, form = previewed(client, path, **FIELDS)
    refused = post(client, path, [*form, ("action", "publish")])  # Severe, the box not ticked
    assert refused.status_code == 422 and count(Alert) == 0
    assert "Tick the box to confirm this Severe alert" in refused.get_data(as_text=True)
    form = form_on(refused.get_data(as_text=True), path)
    published = post(client, path, [*form, ("action", "publish"), ("confirm_severe", "y")])
    assert published.status_code == 302, published.get_data(as_text=True)[:500]
    alert = db.session.scalar(select(Alert))
    assert alert is not None and alert.infos[0].headline == FIELDS["headline"]
    assert published.headers["Location"].endswith(f"/alerts/{alert.id}")


def test_a_field_changed_after_the_preview_is_not_published(coordinator_client):
    client, _coordinator, network = coordinator_client
    path = compose_path(network)
    _answer, form = previewed(client, path, **{**FIELDS, "severity": "Minor"})
    changed = [(n, "Boat sighted off Grenada" if n == "headline" else v) for n, v in form]
    stale = post(client, path, [*changed, ("action", "publish"), ("confirm_severe", "y")])
    assert stale.status_code == 409 and count(Alert) == 0
    html = stale.get_data(as_text=True)
    assert "You changed the alert after the preview: check it again and confirm." in html
    assert "Boat sighted off Grenada" in html  # the preview of what was sent, to confirm now
    # A token from another form (another network's, another person's) is refused the same way.
    forged = [(n, "0" * 27 if n == "confirmation" else v) for n, v in form]
    assert post(client, path, [*forged, ("action", "publish")]).status_code == 409
    assert post(client, path, [(n, v) for n, v in form if n != "confirmation"] + [("action", "publish")]
                ).status_code == 409
    # What was confirmed the second time is what is published.
    again = post(client, path, [*form_on(html, path), ("action", "publish")])
    assert again.status_code == 302
    assert db.session.scalar(select(Alert)).infos[0].headline == "Boat sighted off Grenada"


def test_publish_sent_twice_makes_one_alert(coordinator_client):
    client, _coordinator, network = coordinator_client
    path = compose_path(network)
    _answer, form = previewed(client, path, **FIELDS)
    final = [*form, ("action", "publish"), ("confirm_severe", "y")]
    first, second = post(client, path, final), post(client, path, final)
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(Alert) == 1
    # Without the nonce (a script that resends the fields), the idempotency key still makes one alert.
    bare = [(n, v) for n, v in final if n != "form_nonce"]
    assert post(client, path, bare).status_code == 302 and count(Alert) == 1


def test_a_member_previews_and_submits_a_draft_without_the_severe_box(net, signed_in):  # noqa: F811
    network, admin, _coordinator, _member = net
    client, delegate = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, delegate.id)
    path = compose_path(network)
    answer, form = previewed(client, path, **FIELDS)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "A coordinator reviews it first" in html and "I have checked" not in html
    submitted = post(client, path, [*form, ("action", "publish")])
    assert submitted.status_code == 302
    assert db.session.scalar(select(Alert)).state.value == "submitted"


def test_an_update_is_previewed_and_confirmed_too(coordinator_client):
    client, coordinator, network = coordinator_client
    original, _ = alerts.publish(coordinator, network.slug, alert_input())
    path = f"/alerts/{original.id}/update"
    answer, form = previewed(client, path, headline="Vessel turned back", severity="Moderate")
    assert answer.status_code == 200 and count(Alert) == 1
    assert '<span class="badge text-bg-secondary ms-1">Update</span>' in answer.get_data(as_text=True)
    stale = post(client, path, [(n, "Changed" if n == "headline" else v) for n, v in form] + [("action", "publish")])
    assert stale.status_code == 409 and count(Alert) == 1
    done = post(client, path, [*form, ("action", "publish")])
    assert done.status_code == 302 and count(Alert) == 2


# --- autosave ----------------------------------------------------------------------------------------------------

def autosave(client: FlaskClient, network: Any, body: Any, *, raw: bytes | None = None) -> Any:
    token = csrf_from(client.get("/").get_data(as_text=True))
    return client.post(f"/networks/{network.slug}/alerts/autosave", data=raw if raw is not None else json.dumps(body),
                       headers={"X-CSRFToken": token, "X-Requested-With": "fetch"}, content_type="application/json")


def test_autosave_is_kept_on_the_server_and_restored(coordinator_client):
    client, _coordinator, network = coordinator_client
    saved = autosave(client, network, {"fields": {"headline": "Half-written headline", "severity": "Extreme",
                                                  "geocodes": ["TT"], "description": "Line one\nline two"}})
    assert saved.status_code == 200 and saved.get_json()["saved_at"]
    assert count(AlertAutosave) == 1
    again = autosave(client, network, {"fields": {"headline": "Better headline", "severity": "Extreme"}})
    assert again.status_code == 200 and count(AlertAutosave) == 1  # one per person and network
    html = client.get(compose_path(network)).get_data(as_text=True)
    assert 'id="autosave-restored"' in html and "Restored what you were writing at " in html
    assert 'value="Better headline"' in html and '<option selected value="Extreme">' in html
    # Discard: the form starts empty again.
    token = csrf_from(html)
    discarded = client.post(f"/networks/{network.slug}/alerts/autosave/discard", data={"csrf_token": token})
    assert discarded.status_code == 302 and count(AlertAutosave) == 0
    assert 'id="autosave-restored"' not in client.get(compose_path(network)).get_data(as_text=True)


def test_autosave_refuses_bad_input_and_stores_nothing(coordinator_client, net, signed_in):  # noqa: F811
    client, _coordinator, network = coordinator_client
    too_large = autosave(client, network, {"fields": {"description": "x" * (70 * 1024)}})
    assert too_large.status_code == 413 and too_large.get_json()["error"]["code"] == "too_large"
    huge = autosave(client, network, None, raw=b'{"fields": {"description": "' + b"y" * 200_000 + b'"}}')
    assert huge.status_code == 413
    for body in ({"fields": "headline"}, {"fields": {"headline": 5}}, {"fields": {"no_such_field": "x"}},
                 {"fields": {"geocodes": [1, 2]}}, [1, 2], {"other": {}}):
        answer = autosave(client, network, body)
        assert answer.status_code == 422, (body, answer.status_code)
        assert answer.get_json()["error"]["code"] == "validation_failed"
    assert autosave(client, network, None, raw=b"{not json").status_code == 422
    assert count(AlertAutosave) == 0
    # A network the person may not compose in: 404, as for what is in a network they cannot see.
    other = networks.create_network(net[1], networks.NetworkInput(slug="other", name="Other", alerts_enabled=True,
                                                                  party_codes=["JM"]))
    assert autosave(client, other, {"fields": {"headline": "x"}}).status_code == 404
    observer_client, observer = signed_in("delegate", party="US")
    networks.add_member(net[1], network.slug, observer.id)
    assert autosave(observer_client, network, {"fields": {"headline": "x"}}).status_code == 404
    assert count(AlertAutosave) == 0


def test_autosave_is_deleted_when_the_alert_is_published_and_expires(coordinator_client):
    client, coordinator, network = coordinator_client
    assert autosave(client, network, {"fields": {"headline": "Draft"}}).status_code == 200
    path = compose_path(network)
    _answer, form = previewed(client, path, **FIELDS)
    assert post(client, path, [*form, ("action", "publish"), ("confirm_severe", "y")]).status_code == 302
    assert count(AlertAutosave) == 0
    # Older than 30 days: not restored, and forgotten at the next save of anyone.
    assert autosave(client, network, {"fields": {"headline": "Old"}}).status_code == 200
    row = db.session.scalar(select(AlertAutosave))
    row.saved_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert "Restored what you were writing" not in client.get(path).get_data(as_text=True)
    assert alerts.autosaved(coordinator, network) is None


def test_the_token_binds_the_fields_the_network_and_the_author(coordinator_client, net):  # noqa: F811
    _client, coordinator, network = coordinator_client
    other_coordinator = net[2]
    shown = alerts.preview(coordinator, network.slug, alert_input())
    # Spaces around the words and the parties' order are no change: what is stored is the same.
    spaced = alert_input(infos=[alerts.InfoInput(**{**vars(alert_input().infos[0]), "headline": "  Vessel left the "
                                                    "north coast  ", "geocodes": ["TT", "TT"]})])
    assert alerts.confirm(coordinator, network.slug, spaced, token=shown.token, severe_checked=True).token == \
        shown.token
    with pytest.raises(alerts.StaleConfirmation):  # another coordinator of the same network
        alerts.confirm(other_coordinator, network.slug, alert_input(), token=shown.token, severe_checked=True)
    with pytest.raises(alerts.StaleConfirmation):  # the same fields as an Exercise
        alerts.confirm(coordinator, network.slug, alert_input(status="Exercise"), token=shown.token,
                       severe_checked=True)
    with pytest.raises(alerts.SevereNotConfirmed):
        alerts.confirm(coordinator, network.slug, alert_input(), token=shown.token, severe_checked=False)
    assert count(Alert) == 0 and publish_audits() == 0


def test_the_compose_map_knows_the_networks_territories_and_far_points_are_warned(coordinator_client):
    client, _coordinator, network = coordinator_client
    page = client.get(compose_path(network)).get_data(as_text=True)
    found = re.search(r'data-territories="([^"]*)"', page)
    assert found, "no compose map on the page"
    territories = json.loads(found.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    assert territories["TT"] == "780" and territories["JM"] == "388"  # ISO 3166-1 numeric, as the basemap
    assert set(territories) == {"TT", "JM", "BS", "US"}  # the network's parties, as the affected-parties list
    near, _form = previewed(client, compose_path(network), **{**FIELDS, "circle": "10.3,-61.2 25"})
    assert 'id="preview-outside"' not in near.get_data(as_text=True)
    far, _form = previewed(client, compose_path(network), **{**FIELDS, "circle": "40.7,-74.0 10"})
    assert far.status_code == 200 and 'id="preview-outside"' in far.get_data(as_text=True)
    assert count(Alert) == 0  # warned, not refused, and nothing written

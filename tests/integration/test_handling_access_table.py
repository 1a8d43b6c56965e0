"""The role x action proof extended with handling codes x export paths, through the real routes.

For each of H0-H3 and each way an alert leaves the platform (CAP XML, the Atom feed, the API's JSON, the PDF),
asked as the originating party, a member of another party, an observer, and a party the originator released
the item to: the answer the issue names. H0, H1 and H3 leave for every reader (H1 and H3 carrying their
warning or restriction); H2 only for the originating party and a released party, and every refusal is
``403 handling_restricted`` naming the code, recorded in the audit trail. A document's paths (the agenda ZIP,
sharing into another network, downloads) are proved the same way in ``test_handling_document_paths``.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import AuditEvent, HandlingCode, Outcome
from cmc.services import alerts, networks
from cmc.services.handling import releases
from tests.conftest import bearer_headers
from tests.integration.test_alerts import alert_input

CODES = ("H0", "H1", "H2", "H3")
WHO = ("originator", "other_member", "observer", "released")
#: Who may take an H2 alert out; every other code leaves for every reader of the alert.
H2_ALLOWED = {"originator", "released"}


@pytest.fixture
def world(app: Any, make_party: Any, make_account: Any, sign_in: Any) -> dict[str, Any]:
    """Migrant Smuggling with BS (the originator), TT, HT (released) and US (observer); one alert per code."""
    for code in ("TT", "BS", "HT"):
        make_party(code)
    make_party("US", status="observer")
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="migrant-smuggling", name="Migrant Smuggling", alerts_enabled=True,
        party_codes=["TT", "BS", "HT", "US"]))
    people = {
        "originator": make_account("delegate", party="BS", second_factor=True),
        "other_member": make_account("delegate", party="TT"),
        "observer": make_account("delegate", party="US"),
        "released": make_account("delegate", party="HT"),
    }
    networks.add_member(admin, network.slug, people["originator"].id, "coordinator")
    for name in ("other_member", "observer", "released"):
        networks.add_member(admin, network.slug, people[name].id)
    items = {}
    for code in CODES:
        alert, _ = alerts.publish(people["originator"], network.slug, alert_input(
            handling_code=code, handling_text="Share with border police only" if code == "H3" else ""))
        items[code] = alert
    for alert in items.values():  # HT asked for each and BS granted: only H2 needs it
        if alert.handling_code == HandlingCode.H2:
            asked = releases.request(people["released"], alert, purpose="national_system", reason="Border system")
            releases.decide(people["originator"], asked.id, grant=True, days=7)
    clients = {}
    for name, account in people.items():
        clients[name] = app.test_client()
        sign_in(clients[name], account)
    return {"network": network, "people": people, "alerts": items, "clients": clients,
            "headers": {name: bearer_headers(account) for name, account in people.items()}}


def _expected(code: str, who: str) -> bool:
    return code != "H2" or who in H2_ALLOWED


def _refused(answer: Any) -> bool:
    if answer.status_code != 403:
        return False
    body = answer.get_json(silent=True) or {}
    return body.get("error", {}).get("code") == "handling_restricted" and "H2" in body["error"]["message"]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("code", CODES)
def test_cap_and_api_answer_by_code_and_party(app: Any, world: dict[str, Any], code: str, who: str) -> None:
    alert = world["alerts"][code]
    client = app.test_client()
    headers = world["headers"][who]
    for path in (f"/api/v1/alerts/{alert.id}.cap", f"/api/v1/alerts/{alert.id}"):
        answer = client.get(path, headers=headers)
        if _expected(code, who):
            assert answer.status_code == 200, (path, answer.get_data(as_text=True)[:300])
        else:
            assert _refused(answer), (path, answer.status_code, answer.get_data(as_text=True)[:300])
    if code == "H1" and who != "originator":
        assert b"judicial" in client.get(f"/api/v1/alerts/{alert.id}.cap", headers=headers).data
    if code == "H3":
        assert b"Share with border police only" in client.get(f"/api/v1/alerts/{alert.id}.cap", headers=headers).data


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("code", CODES)
def test_pdf_answers_by_code_and_party(world: dict[str, Any], code: str, who: str) -> None:
    alert = world["alerts"][code]
    answer = world["clients"][who].get(f"/alerts/{alert.id}.pdf")
    if _expected(code, who):
        assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
    else:
        assert answer.status_code == 403 and "H2" in answer.get_data(as_text=True)


@pytest.mark.parametrize("who", WHO)
def test_atom_shows_a_placeholder_to_whoever_may_not_take_h2(app: Any, world: dict[str, Any], who: str) -> None:
    network = world["network"]
    feed = app.test_client().get(f"/api/v1/networks/{network.slug}/alerts.atom", headers=world["headers"][who])
    assert feed.status_code == 200
    text = feed.get_data(as_text=True)
    h2 = world["alerts"]["H2"]
    for code, alert in world["alerts"].items():
        assert alert.identifier in text  # every alert is listed, at least as its identifier
        headline = alert.infos[0].headline
        if code != "H2":
            assert headline in text
    h2_headline = h2.infos[0].headline
    if who in H2_ALLOWED:
        assert h2_headline in text
    else:
        # Every alert of the fixture has the same headline: count them instead of looking for one.
        assert text.count(h2_headline) == len(CODES) - 1


def test_every_refusal_is_in_the_trail_with_its_code(app: Any, world: dict[str, Any]) -> None:
    alert = world["alerts"]["H2"]
    client = app.test_client()
    for path in (f"/api/v1/alerts/{alert.id}.cap", f"/api/v1/alerts/{alert.id}"):
        assert _refused(client.get(path, headers=world["headers"]["other_member"]))
    assert world["clients"]["observer"].get(f"/alerts/{alert.id}.pdf").status_code == 403
    denied = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "handling.export", AuditEvent.outcome == Outcome.DENIED,
        AuditEvent.target_id == str(alert.id))).all()
    assert len(denied) == 3
    assert {row.details.get("handling_code") for row in denied} == {"H2"}
    assert {row.actor_id for row in denied} == {world["people"]["other_member"].id, world["people"]["observer"].id}


def test_a_release_that_expired_lets_nothing_out_again(app: Any, world: dict[str, Any]) -> None:
    from datetime import timedelta

    from cmc.database import write_transaction
    from cmc.models import ReleaseRequest
    from cmc.models.types import utcnow

    alert = world["alerts"]["H2"]
    headers = world["headers"]["released"]
    assert app.test_client().get(f"/api/v1/alerts/{alert.id}.cap", headers=headers).status_code == 200
    with write_transaction():
        for grant in db.session.scalars(select(ReleaseRequest).where(ReleaseRequest.item_id == alert.id)):
            grant.valid_until = utcnow() - timedelta(seconds=1)
    assert _refused(app.test_client().get(f"/api/v1/alerts/{alert.id}.cap", headers=headers))

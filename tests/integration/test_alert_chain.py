"""A cancel names the whole chain (hardening issue, item 4).

An alert updated twice and then cancelled, through the API as a national system would: the Cancel's CAP
``references`` lists the original and both updates (sender,identifier,sent, oldest first, separated by
spaces), and so does each update for the messages before it; the same chain is in the API's JSON and in the
network's Atom feed; every export validates against the OASIS CAP 1.2 schema.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from cmc.services import auth, cap
from tests.integration.test_alerts import net  # noqa: F401  (the fixture)

CAP = {"cap": cap.CAP_NS}
ATOM = {"atom": cap.ATOM_NS, "cap": cap.CAP_NS}


def _body(headline: str) -> dict[str, Any]:
    return {"status": "Exercise", "infos": [{"headline": headline, "event": "Suspected smuggling vessel",
                                             "severity": "Severe", "geocodes": ["TT"]}]}


def _cap_document(client: Any, headers: dict[str, str], alert_id: int) -> Any:
    response = client.get(f"/api/v1/alerts/{alert_id}.cap", headers=headers)
    assert response.status_code == 200
    assert cap.validate_xml(response.data) == [], cap.validate_xml(response.data)
    return etree.fromstring(response.data)


def _triplet(document: Any) -> str:
    return ",".join(document.findtext(f"cap:{tag}", namespaces=CAP) for tag in ("sender", "identifier", "sent"))


def test_update_of_update_then_cancel_references_every_earlier_message_in_order(net: Any, client: Any  # noqa: F811
                                                                                ) -> None:
    network, _admin, coordinator, _member = net
    headers = {"Authorization": f"Bearer {auth.create_token(coordinator, 'national system')[1]}"}
    original = client.post(f"/api/v1/networks/{network.slug}/alerts", json=_body("Vessel left"), headers=headers)
    assert original.status_code == 201
    chain = [original.get_json()["id"]]
    for headline in ("Vessel seen at sea", "Vessel near the coast"):
        update = client.post(f"/api/v1/alerts/{chain[-1]}/update", json=_body(headline), headers=headers)
        assert update.status_code == 201, update.get_json()
        chain.append(update.get_json()["id"])
    cancel = client.post(f"/api/v1/alerts/{chain[-1]}/cancel", json={"note": "Intercepted"}, headers=headers)
    assert cancel.status_code == 201, cancel.get_json()
    cancel_id = cancel.get_json()["id"]

    documents = {alert_id: _cap_document(client, headers, alert_id) for alert_id in [*chain, cancel_id]}
    triplets = [_triplet(documents[alert_id]) for alert_id in chain]
    # CAP export: each message references every message before it, oldest first.
    assert documents[chain[0]].find("cap:references", CAP) is None
    for position, alert_id in enumerate(chain[1:], start=1):
        assert documents[alert_id].findtext("cap:references", namespaces=CAP) == " ".join(triplets[:position])
    cancel_document = documents[cancel_id]
    assert cancel_document.findtext("cap:msgType", namespaces=CAP) == "Cancel"
    assert cancel_document.findtext("cap:references", namespaces=CAP) == " ".join(triplets)

    # API: the same chain, with what a national system needs to match it.
    answer = client.get(f"/api/v1/alerts/{cancel_id}", headers=headers).get_json()
    assert answer["references"] == chain[-1]
    assert [item["id"] for item in answer["references_chain"]] == chain
    assert [",".join((item["sender"], item["identifier"], item["sent"])) for item in answer["references_chain"]] \
        == triplets

    # Atom: the Cancel's entry carries the chain as CAP references and links every earlier message.
    feed = client.get(f"/api/v1/networks/{network.slug}/alerts.atom", headers=headers)
    assert feed.status_code == 200
    root = etree.fromstring(feed.data)
    identifier = cancel_document.findtext("cap:identifier", namespaces=CAP)
    entry = root.xpath("atom:entry[atom:id=$id]", namespaces=ATOM, id=f"urn:cap:{identifier}")[0]
    assert entry.findtext("cap:msgType", namespaces=ATOM) == "Cancel"
    assert entry.findtext("cap:references", namespaces=ATOM) == " ".join(triplets)
    related = entry.xpath("atom:link[@rel='related']", namespaces=ATOM)
    assert [link.get("href").rsplit("/", 1)[1] for link in related] == [f"{alert_id}.cap" for alert_id in chain]
    assert [link.get("title") for link in related] == triplets
    original_entry = root.xpath("atom:entry[atom:id=$id]", namespaces=ATOM,
                                id=f"urn:cap:{documents[chain[0]].findtext('cap:identifier', namespaces=CAP)}")[0]
    assert original_entry.find("cap:references", ATOM) is None

"""Every way an alert leaves the platform honours its handling code (issue 18): CAP XML, the Atom feed, the PDF
and the API, for H0-H3, as the originating party (Jamaica), a member of another party (Haiti), a party a
release covers (Trinidad and Tobago) and a party whose release has expired."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import (
    Accuracy,
    Alert,
    AuditEvent,
    HandlingCode,
    Notification,
    NotificationKind,
    Outcome,
    ReleaseRequest,
    Reliability,
)
from cmc.models.types import utcnow
from cmc.services import alerts, cap, handling, networks
from cmc.services.errors import ValidationError
from cmc.services.handling import releases
from tests.conftest import bearer_headers

NS = {"c": cap.CAP_NS, "a": cap.ATOM_NS}
RESTRICTION = "Not to be shared with the shipping agents named in it"
SECRET = "Go-fast boat seen off Portland Point"


@pytest.fixture
def world(app: Any, make_party: Any, make_account: Any) -> SimpleNamespace:
    """Migrant Smuggling (alerts on) with Jamaica (the originator: a coordinator and the focal point),
    Trinidad and Tobago and Haiti (a delegate each)."""
    for code, name in (("JM", "Jamaica"), ("TT", "Trinidad and Tobago"), ("HT", "Haiti")):
        make_party(code, name=name)
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="migrant-smuggling", name="Migrant Smuggling", alerts_enabled=True, party_codes=["JM", "TT", "HT"]))
    author = make_account("delegate", party="JM", second_factor=True)
    networks.add_member(admin, network.slug, author.id, "coordinator")
    focal = make_account("focal_point", party="JM")
    trinidad = make_account("delegate", party="TT")
    haiti = make_account("delegate", party="HT")
    for account in (focal, trinidad, haiti):
        networks.add_member(admin, network.slug, account.id)
    return SimpleNamespace(network=network, author=author, focal=focal, trinidad=trinidad, haiti=haiti)


def publish(world: SimpleNamespace, code: str, *, reliability: str | None = "B", accuracy: str | None = "2",
            description: str = "About 40 people on board.") -> Alert:
    """An alert Jamaica published, then marked ``code`` (H3 with its restriction) and evaluated."""
    info = alerts.InfoInput(headline=SECRET, event="Suspected smuggling vessel", severity="Severe",
                            urgency="Immediate", description=description, area_desc="Jamaica Channel",
                            geocodes=["JM"])
    alert, _created = alerts.publish(world.author, world.network.slug, alerts.AlertInput(infos=[info],
                                                                                         note="Author's note"))
    handling.change(world.author, alert, handling.validate(code, RESTRICTION if code == "H3" else "",
                                                           reliability, accuracy))
    return alert


def release(world: SimpleNamespace, alert: Alert, *, expired: bool = False) -> ReleaseRequest:
    """Trinidad and Tobago asks for the alert for its national system; Jamaica's focal point grants 7 days
    (then, with ``expired``, the grant's end is moved into the past)."""
    asked = releases.request(world.trinidad, alert, purpose="national_system", reason="Our border system")
    granted = releases.decide(world.focal, asked.id, grant=True, note="For 7 days", days=7)
    if expired:
        granted.valid_until = utcnow() - timedelta(hours=1)
        db.session.commit()
    return granted


def reader(world: SimpleNamespace, who: str, alert: Alert) -> Any:
    """The account reading as ``who``: originator, other, released or expired (the last two hold a release of
    an H2 alert; for the other codes no release can be asked, they read as members of another party)."""
    if who == "originator":
        return world.author
    if who == "other":
        return world.haiti
    if alert.handling_code.value == "H2":
        release(world, alert, expired=who == "expired")
    return world.trinidad


def denied_exports(alert: Alert, path: str) -> list[AuditEvent]:
    """The refused exports of the alert by ``path`` in the audit trail."""
    return [event for event in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "handling.export", AuditEvent.outcome == Outcome.DENIED))
        if str(event.target_id) == str(alert.id) and (event.details or {}).get("export") == path]


CASES = [(code, who, 403 if code == "H2" and who in ("other", "expired") else 200)
         for code in ("H0", "H1", "H2", "H3") for who in ("originator", "other", "released", "expired")]


@pytest.mark.parametrize(("code", "who", "status"), CASES)
def test_cap_export_by_code_and_reader(world: SimpleNamespace, client: Any, code: str, who: str,
                                       status: int) -> None:
    alert = publish(world, code)
    account = reader(world, who, alert)
    answer = client.get(f"/api/v1/alerts/{alert.id}.cap", headers=bearer_headers(account))
    assert answer.status_code == status
    if status == 403:
        error = answer.get_json()["error"]
        assert error["code"] == "handling_restricted"
        assert "H2" in error["message"] and "Jamaica" in error["message"]
        assert SECRET not in answer.get_data(as_text=True)
        assert len(denied_exports(alert, "cap")) == 1
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.export")).all()
        return
    assert cap.validate_xml(answer.data) == []
    root = etree.fromstring(answer.data)
    note = root.findtext("c:note", namespaces=NS)
    parameters = {p.findtext("c:valueName", namespaces=NS): p.findtext("c:value", namespaces=NS)
                  for p in root.findall("c:info/c:parameter", NS)}
    assert parameters["CMC:handling-code"] == code
    assert parameters["CMC:source-reliability"] == "B" and parameters["CMC:information-accuracy"] == "2"
    assert ("CMC:handling-restriction" in parameters) == (code == "H3")
    assert note.endswith("Author's note") and "Evaluation B2" in note
    expected = {"H0": "H0: use only for preventing and combating crime",
                "H1": "H1: not to be disclosed in judicial proceedings without the permission of Jamaica.",
                "H2": "H2: not to be disseminated without the permission of Jamaica.",
                "H3": f"H3: {RESTRICTION} (restriction set by Jamaica)"}[code]
    assert note.startswith(expected)
    if code == "H3":
        assert parameters["CMC:handling-restriction"] == RESTRICTION
    # One row per export: the export's own, or (under a release) the guard's, which says so.
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.export")).all()
    released = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "handling.export",
                                                           AuditEvent.outcome == Outcome.OK)).all()
    if code == "H2" and who == "released":
        assert exports == [] and len(released) == 1
        assert released[0].details["export"] == "cap" and released[0].details["released"] is True
    else:
        assert released == [] and [e.details for e in exports] == [{"format": "cap", "handling_code": code}]


def test_an_export_under_a_release_tells_the_originating_party(world: SimpleNamespace, client: Any) -> None:
    alert = publish(world, "H2")
    release(world, alert)
    assert client.get(f"/api/v1/alerts/{alert.id}.cap", headers=bearer_headers(world.trinidad)).status_code == 200
    told = db.session.scalars(select(Notification).where(Notification.kind == NotificationKind.RELEASE_USED)).all()
    assert {n.account_id for n in told} == {world.author.id, world.focal.id}
    # The release is the Trinidad's: Haiti is still refused.
    assert client.get(f"/api/v1/alerts/{alert.id}.cap", headers=bearer_headers(world.haiti)).status_code == 403
    # A national system polling the same item again: every export audited, the originator told once a day.
    for _ in range(3):
        assert client.get(f"/api/v1/alerts/{alert.id}.cap", headers=bearer_headers(world.trinidad)).status_code == 200
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "handling.export",
                                                          AuditEvent.outcome == Outcome.OK)).all()
    assert len(exports) == 4
    assert db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.RELEASE_USED)).all() == told


def test_an_unevaluated_alert_carries_no_evaluation_parameters(world: SimpleNamespace) -> None:
    alert = publish(world, "H1", reliability=None, accuracy=None)
    root = etree.fromstring(cap.to_xml(alert))
    names = [p.findtext("c:valueName", namespaces=NS) for p in root.findall("c:info/c:parameter", NS)]
    assert names == ["CMC:handling-code"]
    assert "Evaluation" not in root.findtext("c:note", namespaces=NS)


def test_cap_import_reads_the_marking_back(world: SimpleNamespace) -> None:
    alert = publish(world, "H3", reliability="A", accuracy="3")
    parsed = cap.parse(cap.to_xml(alert))
    assert (parsed.handling_code, parsed.handling_text, parsed.source_reliability, parsed.info_accuracy) == \
        ("H3", RESTRICTION, "A", "3")
    imported, _ = alerts.publish(world.author, alert.network.slug, parsed)  # published with the marking read
    assert handling.marking_of(imported) == handling.Marking(HandlingCode.H3, RESTRICTION, Reliability.A,
                                                              Accuracy.CORROBORATED)
    assert imported.note == "Author's note"  # the exported statement is not carried into the author's note
    assert cap.to_xml(imported).count(b"restriction set by Jamaica") == 1
    plain = cap.parse(_cap_with_parameters([]))
    assert plain.handling_code is None  # none sent: H0 for a new alert


def _cap_with_parameters(pairs: list[tuple[str, str]]) -> bytes:
    parameters = "".join(f"<parameter><valueName>{name}</valueName><value>{value}</value></parameter>"
                         for name, value in pairs)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>JM-2026-0042</identifier><sender>jm.immigration</sender><sent>2026-11-28T10:00:00+00:00</sent>
  <status>Exercise</status><msgType>Alert</msgType><scope>Restricted</scope>
  <restriction>CMC Migrant Smuggling members</restriction>
  <info><language>en</language><category>Security</category><event>Suspected smuggling vessel</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>
    <headline>Go-fast boat left Morant Point</headline>{parameters}</info>
</alert>""".encode()


@pytest.mark.parametrize(("pairs", "field"), [
    ([("CMC:handling-code", "H7")], "handling_code"),
    ([("CMC:handling-code", "H3")], "handling_text"),
    ([("CMC:handling-code", "H1"), ("CMC:source-reliability", "Z")], "source_reliability"),
    ([("CMC:information-accuracy", "9")], "info_accuracy"),
])
def test_cap_import_refuses_a_marking_outside_the_grids(world: SimpleNamespace, client: Any,
                                                        pairs: list[tuple[str, str]], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        cap.parse(_cap_with_parameters(pairs))
    assert field in refused.value.fields
    headers = {**bearer_headers(world.author), "Content-Type": "application/cap+xml"}
    answer = client.post(f"/api/v1/networks/{world.network.slug}/alerts/import",
                         data=_cap_with_parameters(pairs), headers=headers)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]
    assert db.session.scalars(select(Alert)).all() == []


def _entries(client: Any, world: SimpleNamespace, account: Any) -> dict[str, Any]:
    answer = client.get(f"/api/v1/networks/{world.network.slug}/alerts.atom", headers=bearer_headers(account))
    assert answer.status_code == 200
    root = etree.fromstring(answer.data)
    return {entry.findtext("a:id", namespaces=NS): entry for entry in root.findall("a:entry", NS)}


def test_atom_shows_an_h2_alert_as_a_placeholder_to_other_parties(world: SimpleNamespace, client: Any) -> None:
    marked = {code: publish(world, code) for code in ("H0", "H1", "H2", "H3")}
    entries = _entries(client, world, world.haiti)
    placeholder = entries[f"urn:cap:{marked['H2'].identifier}"]
    assert placeholder.findtext("a:title", namespaces=NS) == \
        f"Restricted by the originator (H2): {marked['H2'].identifier}"
    assert placeholder.find("a:content", NS) is None
    assert SECRET not in etree.tostring(placeholder, encoding="unicode")
    assert "Jamaica Channel" not in etree.tostring(placeholder, encoding="unicode")
    [link] = placeholder.findall("a:link", NS)
    assert link.get("href").endswith(f"/alerts/{marked['H2'].id}") and link.get("type") == "text/html"
    for code in ("H0", "H1", "H3"):
        entry = entries[f"urn:cap:{marked[code].identifier}"]
        assert SECRET in entry.findtext("a:title", namespaces=NS)
        terms = [c.get("term") for c in entry.findall("a:category", NS) if c.get("scheme") == cap.HANDLING_SCHEME]
        assert terms == [code]
        assert entry.findtext("a:summary", namespaces=NS).startswith(f"{code}:")
    assert RESTRICTION in entries[f"urn:cap:{marked['H3'].identifier}"].findtext("a:summary", namespaces=NS)
    export = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.export")).one()
    assert export.details["restricted"] == 1 and export.details["handling_codes"] == ["H0", "H1", "H2", "H3"]


@pytest.mark.parametrize("who", ["originator", "released"])
def test_atom_gives_the_h2_alert_to_its_originator_and_released_parties(world: SimpleNamespace, client: Any,
                                                                         who: str) -> None:
    alert = publish(world, "H2")
    account = reader(world, who, alert)
    entry = _entries(client, world, account)[f"urn:cap:{alert.identifier}"]
    assert SECRET in entry.findtext("a:title", namespaces=NS)
    assert entry.findtext("a:summary", namespaces=NS).startswith("H2: not to be disseminated")
    released = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "handling.export", AuditEvent.outcome == Outcome.OK)).all()
    assert [(e.details["export"], e.details["released"]) for e in released] == \
        ([("atom", True)] if who == "released" else [])


def test_atom_refuses_again_when_the_release_expired(world: SimpleNamespace, client: Any) -> None:
    alert = publish(world, "H2")
    reader(world, "expired", alert)
    entry = _entries(client, world, world.trinidad)[f"urn:cap:{alert.identifier}"]
    assert entry.find("a:summary", NS) is not None and SECRET not in etree.tostring(entry, encoding="unicode")


def _pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize("code", ["H0", "H1", "H2", "H3"])
def test_the_pdf_carries_the_marking_on_every_page(world: SimpleNamespace, sign_in: Any, app: Any,
                                                    code: str) -> None:
    alert = publish(world, code, description="\n\n".join(["Boat seen near the coast. " * 12] * 30))
    client = app.test_client()
    sign_in(client, world.author)
    answer = client.get(f"/alerts/{alert.id}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pages = _pdf_pages(answer.data)
    assert len(pages) >= 2
    statement = {"H0": "H0: use only for preventing and combating crime",
                 "H1": "not to be disclosed in judicial proceedings without the permission of Jamaica",
                 "H2": "not to be disseminated without the permission of Jamaica",
                 "H3": RESTRICTION}[code]
    for number, text in enumerate(pages, start=1):
        assert statement in text, (number, text[:300])
        assert "Evaluation B2" in text and alert.identifier in text
        assert f"Page {number} of {len(pages)}" in text
    export = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.export")).one()
    assert export.details == {"format": "pdf", "handling_code": code}


def test_the_pdf_of_an_h2_alert_is_refused_to_another_party(world: SimpleNamespace, sign_in: Any,
                                                              app: Any) -> None:
    alert = publish(world, "H2")
    client = app.test_client()
    sign_in(client, world.haiti)
    answer = client.get(f"/alerts/{alert.id}.pdf")
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert "marked H2 by Jamaica" in page and SECRET not in page
    assert len(denied_exports(alert, "pdf")) == 1
    release(world, alert)
    client = app.test_client()
    sign_in(client, world.trinidad)
    assert _pdf_pages(client.get(f"/alerts/{alert.id}.pdf").data)


def test_the_alert_page_offers_the_exports_only_where_they_are_allowed(world: SimpleNamespace, sign_in: Any,
                                                                        app: Any) -> None:
    alert = publish(world, "H2")
    pages = {}
    for name, account in (("author", world.author), ("haiti", world.haiti)):
        client = app.test_client()
        sign_in(client, account)
        pages[name] = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert f"/alerts/{alert.id}.pdf" in pages["author"] and f"/api/v1/alerts/{alert.id}.cap" in pages["author"]
    assert f"/alerts/{alert.id}.pdf" not in pages["haiti"] and ".cap" not in pages["haiti"]
    assert "needs the release of Jamaica" in pages["haiti"]


def test_the_api_refuses_the_h2_alert_and_lists_it_as_a_placeholder(world: SimpleNamespace, client: Any) -> None:
    marked = {code: publish(world, code) for code in ("H0", "H2")}
    refused = client.get(f"/api/v1/alerts/{marked['H2'].id}", headers=bearer_headers(world.haiti))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "handling_restricted"
    assert len(denied_exports(marked["H2"], "api")) == 1
    mine = client.get(f"/api/v1/alerts/{marked['H2'].id}", headers=bearer_headers(world.author)).get_json()
    assert mine["handling"] == {"code": "H2", "text": "", "source_reliability": "B", "info_accuracy": "2"}
    assert mine["restricted"] is False and mine["infos"][0]["headline"] == SECRET
    listed = {item["id"]: item for item in client.get(
        "/api/v1/alerts", headers=bearer_headers(world.haiti)).get_json()["items"]}
    placeholder = listed[marked["H2"].id]
    assert set(placeholder) == {"id", "identifier", "network", "handling", "restricted", "infos"}
    assert placeholder["restricted"] is True and placeholder["infos"] == []
    assert placeholder["handling"]["code"] == "H2" and placeholder["identifier"] == marked["H2"].identifier
    full = listed[marked["H0"].id]
    assert full["restricted"] is False and full["handling"]["code"] == "H0" and full["infos"][0]["headline"] == SECRET
    own = {item["id"]: item for item in client.get(
        "/api/v1/alerts", headers=bearer_headers(world.author)).get_json()["items"]}
    assert own[marked["H2"].id]["restricted"] is False and own[marked["H2"].id]["infos"]


def test_the_api_gives_the_h2_alert_under_a_release_until_it_expires(world: SimpleNamespace, client: Any) -> None:
    alert = publish(world, "H2")
    granted = release(world, alert)
    headers = bearer_headers(world.trinidad)
    assert client.get(f"/api/v1/alerts/{alert.id}", headers=headers).status_code == 200
    [item] = client.get("/api/v1/alerts", headers=headers).get_json()["items"]
    assert item["restricted"] is False and item["infos"]
    granted.valid_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/api/v1/alerts/{alert.id}", headers=headers).status_code == 403
    [item] = client.get("/api/v1/alerts", headers=headers).get_json()["items"]
    assert item["restricted"] is True and item["infos"] == []
    assert re.fullmatch(r"\d+", str(item["id"]))

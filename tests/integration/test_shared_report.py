""""Who read what we shared" (issue 18, item 4): Jamaica's focal point sees what Trinidad's people did with the
alert and the document Jamaica shared, by person and time; filters narrow it, the CSV is safe to open, the
API answers the same rows, and no one else reads the report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask_login import login_user
from sqlalchemy import select

from cmc.extensions import db
from cmc.i18n import timefmt
from cmc.models import AuditEvent, Document, Outcome
from cmc.models.types import utcnow
from cmc.services import alerts, audit, networks
from tests.conftest import form_token
from tests.integration.test_alerts import alert_input, info
from tests.integration.test_documents import _fetch, _upload

HEADLINE = "=HYPERLINK(\"http://evil.example\",\"Vessel\")"


@pytest.fixture
def shared(app, make_party, make_account, signed_in, sign_in):
    """Jamaica publishes an alert and uploads a document in Migrant Smuggling; Trinidad's delegate reads the
    alert, acknowledges it, exports its CAP and downloads the document; a Jamaican reads the alert too; and
    Trinidad reads an alert of the Bahamas (not Jamaica's)."""
    for code in ("BB", "BS", "JM", "TT"):
        make_party(code)
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="migrant-smuggling", name="Migrant Smuggling", alerts_enabled=True, party_codes=["TT", "JM", "BS"]))
    jm_client, jm_author = signed_in("delegate", party="JM", second_factor=True)
    networks.add_member(admin, network.slug, jm_author.id, "coordinator")
    bs_author = make_account("delegate", party="BS", second_factor=True)
    networks.add_member(admin, network.slug, bs_author.id, "coordinator")
    focal, focal_client = make_account("focal_point", party="JM"), None
    networks.add_member(admin, network.slug, focal.id)
    focal_client = app.test_client()
    assert sign_in(focal_client, focal).status_code == 302
    tt_client, reader = signed_in("delegate", party="TT", email="reader.tt@example.org")
    networks.add_member(admin, network.slug, reader.id)

    alert, _ = alerts.publish(jm_author, network.slug, alert_input(infos=[info(headline=HEADLINE)]))
    other, _ = alerts.publish(bs_author, network.slug, alert_input(infos=[info(headline="Bahamas alert")]))
    assert _upload(jm_client, "migrant-smuggling", title="Route analysis").status_code == 201
    document = db.session.scalar(select(Document))

    assert tt_client.get(f"/alerts/{alert.id}").status_code == 200
    assert tt_client.get(f"/alerts/{other.id}").status_code == 200
    headers = {"X-CSRFToken": form_token(tt_client, "/")}
    assert tt_client.post(f"/api/v1/alerts/{alert.id}/ack", headers=headers).status_code == 200
    assert tt_client.get(f"/api/v1/alerts/{alert.id}.cap").status_code == 200
    assert _fetch(tt_client, f"/documents/{document.id}/versions/1/download")[0] == 200
    assert jm_client.get(f"/alerts/{alert.id}").status_code == 200  # Jamaica's own reader
    return {"network": network, "admin": admin, "alert": alert, "other": other, "document": document,
            "reader": reader, "focal": focal, "focal_client": focal_client, "jm_author": jm_author}


def _rows(page: str) -> str:
    """The rows table of the report page (after its summary)."""
    return page.split("<h2", 2)[-1]


def test_the_focal_point_sees_who_of_the_other_parties_used_the_items(shared):
    client, reader, alert, document = shared["focal_client"], shared["reader"], shared["alert"], shared["document"]
    response = client.get("/shared")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = _rows(page)
    for word in ("Read", "Acknowledged", "Exported", "Downloaded"):
        assert f"<td class=\"small\">{word}</td>" in rows, word
    assert rows.count(reader.email) == 4  # one line per use, each naming the person
    assert "Route analysis" in rows and f"(#{document.id})" in rows  # titles of items the viewer reads
    assert f"(#{alert.id})" in rows
    assert shared["jm_author"].email not in rows  # Jamaica's own people are left out by default
    assert "Bahamas alert" not in rows and f"(#{shared['other'].id})" not in rows
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "alert.ack"))
    with client.application.test_request_context():  # the focal point's zone and language
        login_user(shared["focal"])
        assert timefmt.show(event.at, "datetime_seconds") in rows  # the time, through the time helper
    summary = page.split("<h2", 2)[1]
    assert "<th scope=\"row\">TT</th><td>1</td><td>1</td><td>1</td><td>1</td><td>0</td><td>0</td>" in summary
    assert "<th scope=\"row\">JM</th>" not in summary
    with_own = _rows(client.get("/shared?include_own=1").get_data(as_text=True))
    assert shared["jm_author"].email in with_own


def test_filters_narrow_the_report(shared):
    client, reader = shared["focal_client"], shared["reader"]
    today = utcnow().date()

    def emails(query: str) -> int:
        response = client.get(f"/shared?{query}")
        assert response.status_code == 200, query
        return _rows(response.get_data(as_text=True)).count(reader.email)

    assert emails("kind=download") == 1
    assert emails("kind=view&item_type=alert") == 1
    assert emails("kind=export") == 1
    assert emails("reader=TT") == 4 and emails("reader=BS") == 0
    assert emails("person=reader.tt") == 4 and emails("person=%25") == 0  # a wildcard is a plain character
    assert emails(f"item_type=document&item_id={shared['document'].id}") == 1
    assert emails(f"date_from={today}&date_to={today}") == 4
    assert emails(f"date_from={today + timedelta(days=1)}") == 0
    assert emails(f"date_to={today - timedelta(days=1)}") == 0
    assert emails("outcome=denied") == 0


def test_denied_attempts_and_handling_codes_show_as_such(shared):
    client, reader, alert, document = shared["focal_client"], shared["reader"], shared["alert"], shared["document"]
    audit.record_now(reader, "handling.export", target_type="alert", target_id=alert.id,
                     target_party_id=alert.party_id, outcome=Outcome.DENIED,
                     details={"handling_code": "H2", "export": "cap"})
    audit.record_now(reader, "document.download", target_type="document", target_id=document.id,
                     target_party_id=document.owner_party_id, details={"handling_code": "H1"})
    denied = _rows(client.get("/shared?outcome=denied").get_data(as_text=True))
    assert denied.count(reader.email) == 1 and "Denied" in denied and ">H2</span>" in denied
    assert ">H1</span>" in _rows(client.get("/shared?kind=download").get_data(as_text=True))


@pytest.mark.parametrize("query", ["kind=everything", "item_type=meeting", "date_from=yesterday", "item_id=0",
                                   "outcome=maybe", "reader=ZZ", "date_from=2026-11-30&date_to=2026-11-01"])
def test_bad_filters_are_refused_with_a_message(shared, query):
    client = shared["focal_client"]
    response = client.get(f"/shared?{query}")
    assert response.status_code == 422
    assert "There is a problem" in response.get_data(as_text=True)
    assert client.get(f"/shared.csv?{query}").status_code == 422
    api = client.get(f"/api/v1/parties/JM/shared-report?{query.replace('reader=ZZ', 'reader=ZZ&kind=view')}")
    fields = api.get_json()["error"]["fields"]
    assert api.status_code == 422 and ("date_to" if "date_to" in query else query.split("=")[0]) in fields


def test_the_csv_has_the_rows_and_neutralises_formulas(shared):
    client, reader = shared["focal_client"], shared["reader"]
    response = client.get("/shared.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(r["action"] for r in table) == ["alert.ack", "alert.export", "alert.read", "document.download"]
    assert {r["person"] for r in table} == {reader.email} and {r["party"] for r in table} == {"TT"}
    headlines = [r["item"] for r in table if r["item_type"] == "alert"]
    assert headlines and all(h == "'" + HEADLINE for h in headlines)  # opened as text, not run as a formula
    narrowed = list(csv.DictReader(io.StringIO(client.get("/shared.csv?kind=download").get_data(as_text=True))))
    assert [r["action"] for r in narrowed] == ["document.download"]
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")).all()
    assert len(exports) == 2 and exports[1].details == {"kind": "download"}


def test_only_the_party_focal_point_and_the_secretariat_read_it(shared, signed_in):
    delegate_client, _ = signed_in("delegate", party="JM")
    assert delegate_client.get("/shared").status_code == 403
    assert delegate_client.get("/shared.csv").status_code == 403
    assert delegate_client.get("/api/v1/parties/JM/shared-report").status_code == 403
    tt_focal, _ = signed_in("focal_point", party="TT")
    assert tt_focal.get("/shared?party=JM").status_code == 403
    assert tt_focal.get("/shared.csv?party=JM").status_code == 403
    assert tt_focal.get("/api/v1/parties/JM/shared-report").status_code == 403
    own = tt_focal.get("/shared")  # their own report: Trinidad shared nothing
    assert own.status_code == 200 and shared["reader"].email not in own.get_data(as_text=True)
    assert tt_focal.get("/api/v1/parties/ZZ/shared-report").status_code == 404
    secretariat, _ = signed_in("secretariat")
    first = secretariat.get("/shared").get_data(as_text=True)
    assert '<option selected value="BB">' in first  # the first party by name
    jamaica = secretariat.get("/shared?party=JM")
    assert jamaica.status_code == 200 and _rows(jamaica.get_data(as_text=True)).count(shared["reader"].email) == 4
    assert secretariat.get("/api/v1/parties/jm/shared-report").get_json()["items"]


def test_the_api_answers_the_same_rows(shared):
    client, reader = shared["focal_client"], shared["reader"]
    body = client.get("/api/v1/parties/JM/shared-report").get_json()
    assert body["page"] == 1 and body["has_next"] is False
    assert sorted(r["action"] for r in body["items"]) == ["alert.ack", "alert.export", "alert.read",
                                                          "document.download"]
    assert all(r["person"] == reader.email and r["party"] == "TT" for r in body["items"])
    by_action = {r["action"]: r for r in body["items"]}
    assert by_action["document.download"]["title"] == "Route analysis"
    assert by_action["alert.read"]["kind"] == "view" and by_action["alert.read"]["title"] == HEADLINE
    page_ids = [int(x) for x in csv_ids(client)]
    assert [r["id"] for r in body["items"]] == page_ids
    only = client.get("/api/v1/parties/JM/shared-report?kind=acknowledgement&reader=tt").get_json()["items"]
    assert [r["action"] for r in only] == ["alert.ack"]
    own = client.get("/api/v1/parties/JM/shared-report?include_own=true").get_json()["items"]
    assert shared["jm_author"].email in {r["person"] for r in own}


def csv_ids(client) -> list[str]:
    """The row ids of the CSV, in its order."""
    return [r["id"] for r in csv.DictReader(io.StringIO(client.get("/shared.csv").get_data(as_text=True)))]


def test_the_admin_tabs_link_to_the_report(shared):
    page = shared["focal_client"].get("/admin/audit").get_data(as_text=True)
    assert 'href="/shared"' in page and "Who read what we shared" in page


def test_the_page_does_not_query_per_row(shared, app):
    from tests.integration.test_query_counts import counting

    client, reader, jm_author = shared["focal_client"], shared["reader"], shared["jm_author"]

    def statements() -> int:
        with counting(app) as seen:
            assert client.get("/shared").status_code == 200
        return len(seen)

    client.get("/shared")  # the header's alert count is kept a while: count the page with it kept
    few = statements()
    for n in range(6):  # more alerts of Jamaica, each read by Trinidad: more rows, more titles to look up
        alert, _ = alerts.publish(jm_author, shared["network"].slug, alert_input(infos=[info(headline=f"More {n}")]))
        audit.record_now(reader, "alert.read", target_type="alert", target_id=alert.id, target_party_id=alert.party_id)
    assert "More 5" in client.get("/shared").get_data(as_text=True)
    assert statements() == few

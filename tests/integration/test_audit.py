"""The audit trail: what is recorded, the hash chain, who reads which part, the CSV export, safe logs."""

from __future__ import annotations

import csv
import io
import logging

import pytest
from sqlalchemy import select, text

from cmc.extensions import db
from cmc.logging_setup import EscapingFormatter
from cmc.models import AuditEvent
from cmc.services import accounts, audit
from cmc.services.errors import ValidationError
from cmc.services.mail import show_on_console
from tests.conftest import form_token


def _actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_chain_verifies_then_names_the_edited_row(app, make_account, sign_in):
    for _ in range(3):
        sign_in(app.test_client(), make_account())
    report = audit.verify_chain()
    assert report.ok and report.rows == 3
    target = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[1]
    db.session.execute(text("UPDATE audit_events SET address = '10.0.0.9' WHERE id = :i"), {"i": target.id})
    db.session.commit()
    db.session.expire_all()
    report = audit.verify_chain()
    assert not report.ok and report.first_broken_id == target.id and "edited" in report.reason


def test_chain_names_the_row_after_a_deleted_one(app, make_account, sign_in):
    for _ in range(3):
        sign_in(app.test_client(), make_account())
    ids = [e.id for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    db.session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": ids[1]})
    db.session.commit()
    report = audit.verify_chain()
    assert report.first_broken_id == ids[2] and "removed" in report.reason


def test_secrets_never_reach_the_details(app, make_account):
    admin = make_account("secretariat")
    with db.session.begin_nested():
        event = audit.record(admin, "test.secret", details={"password": "x", "token": "y", "totp_code": "1",
                                                            "recovery": "z", "note": "kept"})
    db.session.commit()
    assert event.details == {"note": "kept"}


def test_the_main_actions_are_recorded_with_actor_target_and_party(app, signed_in, make_party):
    make_party("JM")
    client, admin = signed_in("secretariat")
    token = form_token(client, "/admin/accounts/invite")
    client.post("/admin/accounts/invite", data={"email": "a@gov.jm", "name": "A", "party": "JM",
                                                "role": "delegate", "csrf_token": token})
    actions = _actions()
    assert actions[:2] == ["auth.second_factor", "auth.sign_in"] and "account.invite" in actions
    invite = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.invite"))
    assert invite.actor_id == admin.id and invite.actor_party_id == admin.party_id
    assert invite.target_type == "account" and invite.target_party_id is not None
    assert invite.address == "127.0.0.1" and invite.at.tzinfo is not None


def test_secretariat_filters_the_trail(signed_in, make_account, sign_in, app):
    client, _ = signed_in("secretariat")
    delegate = make_account("delegate", party="TT")
    sign_in(app.test_client(), delegate, "wrong password here")
    page = client.get("/admin/audit", query_string={"action": "auth.sign_in", "outcome": "failed"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and delegate.email in body
    page = client.get("/admin/audit", query_string={"actor": "nobody-like-this"}).get_data(as_text=True)
    assert "Nothing recorded matches" in page
    bad = client.get("/admin/audit", query_string={"date_from": "28/11/2026"})
    assert bad.status_code == 422 and "Enter a date like" in bad.get_data(as_text=True)


def test_focal_point_reads_only_rows_about_their_party(app, signed_in, make_account, make_party):
    make_party("TT")
    make_party("JM")
    admin = make_account("secretariat")
    accounts.invite(admin, email="mine@gov.jm", name="Mine", party_code="JM", role="delegate", send=False)
    accounts.invite(admin, email="theirs@gov.tt", name="Theirs", party_code="TT", role="delegate", send=False)
    client, _ = signed_in("focal_point", party="JM")
    body = client.get("/admin/audit").get_data(as_text=True)
    assert "mine@gov.jm" in body and "theirs@gov.tt" not in body
    exported = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "mine@gov.jm" in exported and "theirs@gov.tt" not in exported


def test_delegate_cannot_read_the_trail(signed_in):
    client, _ = signed_in("delegate")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_csv_export_is_an_attachment_safe_for_spreadsheets_and_is_recorded(app, signed_in, make_party):
    make_party("JM")
    admin = accounts.invite(None, email="x@gov.jm", name="=HYPERLINK(\"http://evil\")", party_code="JM",
                            role="delegate", send=False)
    assert admin
    audit.record_now(None, "test.formula", actor_label="=cmd|' /C calc'!A0")
    client, _ = signed_in("secretariat")
    response = client.get("/admin/audit.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["id", "at", "actor"]
    formula_row = next(r for r in rows if r[4] == "test.formula")
    assert formula_row[2].startswith("'=")
    assert "audit.export" in _actions()


def test_log_lines_escape_cr_and_lf():
    record = logging.LogRecord("cmc.test", logging.INFO, __file__, 1, "signed in: %s", ("Eve\r\nINFO forged",),
                               None)
    line = EscapingFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line and "\r" not in line
    assert "Eve\\r\\nINFO forged" in line


def test_a_user_name_cannot_forge_lines_or_send_escapes_to_the_mail_console(app, make_party, capsys):
    make_party("JM")
    # A name with terminal escapes is refused at input (services/text.py) and nothing is mailed ...
    with pytest.raises(ValidationError) as refused:
        accounts.invite(None, email="n@gov.jm", name="Mallory\x1b[2J\x07\nINFO fake entry", party_code="JM",
                        role="delegate")
    assert "name" in refused.value.fields
    assert "mail not sent" not in capsys.readouterr().out
    # ... and the console printer escapes whatever reaches it all the same (defence in depth).
    show_on_console("n@gov.jm", "Invitation\r\nBcc: x", "Dear Mallory\x1b[2J\x07\nINFO fake entry")
    console = capsys.readouterr().out
    assert "\x1b" not in console and "\x07" not in console and "Mallory\\x1b[2J\\x07" in console
    lines = console.splitlines()
    assert lines[0].startswith("--- mail not sent") and lines[-1] == "-" * 72
    assert all(line.startswith(("To: ", "Subject: ", "  ")) or not line for line in lines[1:-1]), lines

"""Accounts and parties administration through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import Account, AuditEvent, AuthSession, Party
from tests.conftest import form_token


def _post(client, path, data=None, token_from="/"):
    return client.post(path, data={**(data or {}), "csrf_token": form_token(client, token_from)})


def test_secretariat_lists_accounts_by_party_and_role(signed_in, make_account):
    client, _ = signed_in("secretariat")
    jm = make_account("delegate", party="JM", name="Jamaican Delegate")
    make_account("delegate", party="TT", name="Trinidad Delegate")
    page = client.get("/admin/accounts?party=JM").get_data(as_text=True)
    assert jm.name in page and "Trinidad Delegate" not in page
    page = client.get("/admin/accounts?role=secretariat").get_data(as_text=True)
    assert "Jamaican Delegate" not in page


def test_focal_point_sees_only_their_party(signed_in, make_account):
    client, _ = signed_in("focal_point", party="JM")
    mine = make_account("delegate", party="JM", name="Mine Delegate")
    other = make_account("delegate", party="TT", name="Other Delegate")
    page = client.get("/admin/accounts").get_data(as_text=True)
    assert mine.name in page and other.name not in page
    assert client.get(f"/admin/accounts/{other.id}").status_code == 404
    assert client.get(f"/admin/accounts/{mine.id}").status_code == 200
    assert client.get("/admin/parties").status_code == 403


def test_deactivation_ends_every_session_at_once(app, signed_in, make_account, sign_in):
    admin, _ = signed_in("secretariat")
    target = make_account("delegate")
    victim = app.test_client()
    sign_in(victim, target)
    assert victim.get("/").status_code == 200
    response = _post(admin, f"/admin/accounts/{target.id}/deactivate", token_from=f"/admin/accounts/{target.id}")
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    assert db.session.scalar(select(AuthSession).where(AuthSession.account_id == target.id)) is None
    assert sign_in(app.test_client(), target).status_code == 401
    _post(admin, f"/admin/accounts/{target.id}/reactivate", token_from=f"/admin/accounts/{target.id}")
    assert sign_in(app.test_client(), target).status_code == 302


def test_role_change_is_audited_with_before_and_after(signed_in, make_account):
    admin, _ = signed_in("secretariat")
    target = make_account("delegate", party="JM")
    _post(admin, f"/admin/accounts/{target.id}/role", {"role": "focal_point"},
          token_from=f"/admin/accounts/{target.id}")
    db.session.expire_all()
    assert db.session.get(Account, target.id).role == "focal_point"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.role"))
    assert event.details == {"before": "delegate", "after": "focal_point"}
    assert event.target_party_id == target.party_id


def test_secretariat_role_only_for_support_organisations(signed_in, make_account):
    admin, _ = signed_in("secretariat")
    target = make_account("delegate", party="JM")
    response = _post(admin, f"/admin/accounts/{target.id}/role", {"role": "secretariat"},
                     token_from=f"/admin/accounts/{target.id}")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Account, target.id).role == "delegate"


def test_bad_role_value_is_a_clear_error(signed_in, make_account):
    admin, _ = signed_in("secretariat")
    target = make_account("delegate", party="JM")
    response = _post(admin, f"/admin/accounts/{target.id}/role", {"role": "emperor"},
                     token_from=f"/admin/accounts/{target.id}")
    assert response.status_code == 422
    assert "Choose a role" in response.get_data(as_text=True)


def test_focal_point_manages_delegates_of_own_party_only(signed_in, make_account):
    client, _ = signed_in("focal_point", party="JM")
    own = make_account("delegate", party="JM")
    other = make_account("delegate", party="TT")
    peer = make_account("focal_point", party="JM")
    assert _post(client, f"/admin/accounts/{own.id}/deactivate").status_code == 302
    assert _post(client, f"/admin/accounts/{other.id}/deactivate").status_code == 404
    assert _post(client, f"/admin/accounts/{peer.id}/deactivate").status_code == 403
    assert _post(client, f"/admin/accounts/{own.id}/role", {"role": "focal_point"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Account, other.id).active and db.session.get(Account, peer.id).active


@pytest.mark.parametrize("path", ["/admin/accounts", "/admin/accounts/invite", "/admin/parties",
                                  "/admin/parties/new"])
def test_delegate_gets_a_page_not_a_traceback(signed_in, path):
    client, _ = signed_in("delegate")
    response = client.get(path)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "You do not have access to this page" in body and "Traceback" not in body
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert denied and denied[-1].details["path"] == path


def test_secretariat_adds_edits_retires_and_restores_a_party(app, signed_in, make_account, sign_in):
    admin, _ = signed_in("secretariat")
    response = _post(admin, "/admin/parties/new", {"code": "pr", "name": "Puerto Rico", "kind": "territory",
                                                   "status": "observer", "languages": "es; en"},
                     token_from="/admin/parties/new")
    assert response.status_code == 302
    party = db.session.scalar(select(Party).where(Party.code == "PR"))
    assert party.languages == "es;en" and party.status == "observer"

    response = _post(admin, f"/admin/parties/{party.id}/edit",
                     {"code": "PR", "name": "Puerto Rico (US)", "kind": "territory", "status": "observer",
                      "languages": "es;en"}, token_from=f"/admin/parties/{party.id}/edit")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Party, party.id).name == "Puerto Rico (US)"

    member = make_account("delegate", party="PR")
    delegate_client = app.test_client()
    sign_in(delegate_client, member)
    _post(admin, f"/admin/parties/{party.id}/retire", token_from="/admin/parties")
    assert delegate_client.get("/").status_code == 302  # signed out at once
    assert sign_in(app.test_client(), member).status_code == 401
    _post(admin, f"/admin/parties/{party.id}/restore", token_from="/admin/parties")
    assert sign_in(app.test_client(), member).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "1X", "name": "Bad", "kind": "state", "status": "member", "languages": "en"}, "capital letters"),
        ({"code": "JM", "name": "Dup", "kind": "state", "status": "member", "languages": "en"}, "already exists"),
        ({"code": "QQ", "name": "Bad lang", "kind": "state", "status": "member", "languages": "english!"},
         "language codes"),
        ({"code": "QQ", "name": "", "kind": "state", "status": "member", "languages": "en"}, "Enter the name"),
    ],
)
def test_bad_party_input_changes_nothing(signed_in, make_party, data, message):
    make_party("JM")
    admin, _ = signed_in("secretariat")
    before = db.session.scalar(select(db.func.count()).select_from(Party))
    response = _post(admin, "/admin/parties/new", data, token_from="/admin/parties/new")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and 'id="error-summary"' in body
    assert db.session.scalar(select(db.func.count()).select_from(Party)) == before


def test_secretariat_cannot_retire_own_party(signed_in):
    admin, account = signed_in("secretariat")
    response = _post(admin, f"/admin/parties/{account.party_id}/retire", token_from="/admin/parties")
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Party, account.party_id).retired

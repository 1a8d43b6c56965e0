"""Actions that hand out power need a password proved in the last 15 minutes: a stale session is sent to
confirm it and nothing changes; once confirmed, the same action goes through; a personal access token is
not asked; a wrong password at the confirmation is throttled like a wrong password at sign-in."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import AccessToken, Account, AuditEvent, Membership, NetworkRole, Party, Role
from cmc.models.types import utcnow
from cmc.services import auth, networks
from tests.conftest import PASSWORD, csrf_from, form_token


@dataclass
class Action:
    """One guarded action: how to ask for it, and whether it happened."""

    method: str
    path: str
    data: dict[str, Any]
    done: Any  # () -> bool
    api: bool = False


@pytest.fixture
def stage(app, make_party, make_account):
    """A secretariat person, a network, and a target for each action."""
    for code in ("TT", "JM"):
        make_party(code)
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(slug="ms", name="Migrant Smuggling",
                                                                   party_codes=["TT", "JM"]))
    delegate = make_account("delegate", party="JM")
    coordinator = make_account("delegate", party="TT")
    networks.add_member(admin, network.slug, coordinator.id, "coordinator")
    coordinator.totp_secret, coordinator.totp_enabled_at = "JBSWY3DPEHPK3PXP", utcnow()  # to be reset
    db.session.commit()
    return {"admin": admin, "delegate": delegate, "coordinator": coordinator, "slug": network.slug,
            "party": make_party("BS")}


def _role(account_id):
    db.session.expire_all()
    return db.session.get(Account, account_id).role


def _network_role(account_id):
    db.session.expire_all()
    return db.session.scalar(select(Membership.role).where(Membership.account_id == account_id))


def _count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _actions(stage) -> dict[str, Action]:
    delegate, coordinator, party = stage["delegate"], stage["coordinator"], stage["party"]
    new_party = {"code": "PR", "name": "Puerto Rico", "kind": "territory", "status": "observer", "languages": "en"}
    return {
        "change a role": Action("POST", f"/admin/accounts/{delegate.id}/role", {"role": "focal_point"},
                                lambda: _role(delegate.id) == Role.FOCAL_POINT),
        "add a party": Action("POST", "/admin/parties/new", new_party,
                              lambda: _count(Party, Party.code == "PR") == 1),
        "add a party (API)": Action("POST", "/api/v1/parties", new_party,
                                    lambda: _count(Party, Party.code == "PR") == 1, api=True),
        "edit a party": Action("POST", f"/admin/parties/{party.id}/edit",
                               {"code": "BS", "name": "Renamed", "kind": "state", "status": "member",
                                "languages": "en"},
                               lambda: _count(Party, Party.name == "Renamed") == 1),
        "retire a party": Action("POST", f"/admin/parties/{party.id}/retire", {},
                                 lambda: _count(Party, Party.code == "BS", Party.retired_at.is_not(None)) == 1),
        "invite a focal point": Action("POST", "/admin/accounts/invite",
                                       {"email": "new@example.org", "name": "New", "party": "JM",
                                        "role": "focal_point"},
                                       lambda: _count(Account, Account.email == "new@example.org") == 1),
        "grant a coordinator": Action("POST", "/networks/ms/members",
                                      {"account_id": str(delegate.id), "role": "coordinator"},
                                      lambda: _network_role(delegate.id) == NetworkRole.COORDINATOR),
        "grant a coordinator (API)": Action("POST", "/api/v1/networks/ms/members",
                                            {"account_id": delegate.id, "role": "coordinator"},
                                            lambda: _network_role(delegate.id) == NetworkRole.COORDINATOR, api=True),
        "demote a coordinator (API)": Action("POST", "/api/v1/networks/ms/members",
                                             {"account_id": coordinator.id, "role": "member"},
                                             lambda: _network_role(coordinator.id) == NetworkRole.MEMBER, api=True),
        "remove a coordinator": Action("POST", f"/networks/ms/members/{coordinator.id}/remove", {},
                                       lambda: _network_role(coordinator.id) is None),
        "create a token": Action("POST", "/settings/tokens", {"name": "script"},
                                 lambda: _count(AccessToken, AccessToken.name == "script") == 1),
        "create a token (API)": Action("POST", "/api/v1/tokens", {"name": "script"},
                                       lambda: _count(AccessToken, AccessToken.name == "script") == 1, api=True),
        "export the audit trail": Action("GET", "/admin/audit.csv", {},
                                         lambda: _count(AuditEvent, AuditEvent.action == "audit.export") == 1),
        "reset a second factor": Action("POST", f"/admin/accounts/{coordinator.id}/reset-second-factor", {},
                                        lambda: _count(AuditEvent, AuditEvent.action == "mfa.reset") == 1),
    }


ACTIONS = ["change a role", "add a party", "add a party (API)", "edit a party", "retire a party",
           "invite a focal point", "grant a coordinator", "grant a coordinator (API)", "demote a coordinator (API)",
           "remove a coordinator", "create a token", "create a token (API)", "export the audit trail",
           "reset a second factor"]


def _go_stale(client):
    with client.session_transaction() as cookie_session:
        cookie_session["auth_at"] -= 16 * 60  # signed in 16 minutes ago


def _send(client, action: Action, token: str):
    if action.method == "GET":
        return client.get(action.path)
    if action.api:
        return client.post(action.path, json=action.data, headers={"X-CSRFToken": token})
    return client.post(action.path, data={**action.data, "csrf_token": token})


@pytest.fixture
def admin_client(app, stage, sign_in):
    client = app.test_client()
    assert sign_in(client, stage["admin"]).status_code == 302
    return client


@pytest.mark.parametrize("name", ACTIONS)
def test_a_stale_session_confirms_its_password_then_the_action_goes_through(name, stage, admin_client):
    action = _actions(stage)[name]
    client = admin_client
    token = form_token(client, "/")
    _go_stale(client)
    refused = _send(client, action, token)
    assert not action.done(), "a stale session changed something"
    if action.api:
        assert refused.status_code == 403
        error = refused.get_json()["error"]
        assert error["code"] == "reauthentication_required" and "confirm" in error["message"].lower()
        confirm = client.post(error["confirm_url"], data={"password": PASSWORD,
                                                          "csrf_token": form_token(client, error["confirm_url"])})
        assert confirm.status_code == 302
        assert _send(client, action, token).status_code in (200, 201)
    elif action.method == "GET":
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/confirm-password?next=")
        page = client.get(refused.headers["Location"])
        confirm = client.post(refused.headers["Location"], data={"password": PASSWORD,
                                                                 "csrf_token": csrf_from(page.get_data(as_text=True))})
        assert confirm.status_code == 302 and confirm.headers["Location"] == action.path
        assert client.get(confirm.headers["Location"]).status_code == 200
    else:
        # The confirmation page comes in place of the action, carrying the form; then a page sends it again.
        page = refused.get_data(as_text=True)
        assert refused.status_code == 403 and "Confirm your password" in page
        target = html.unescape(re.search(r'action="(/confirm-password[^"]*)"', page).group(1))
        replay = html.unescape(re.search(r'name="replay" value="([^"]*)"', page).group(1))
        confirm = client.post(target, data={"password": PASSWORD, "replay": replay, "csrf_token": csrf_from(page)})
        assert confirm.status_code == 200 and not action.done()
        resend = confirm.get_data(as_text=True)
        form = re.search(r'<form method="post" action="([^"]+)" id="continue-form".*?</form>', resend, re.S)
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(0)))
        path = html.unescape(form.group(1))
        assert path == action.path
        assert client.post(path, data={k: html.unescape(v) for k, v in fields.items()}).status_code in (200, 302)
    assert action.done(), "after confirming, the action did not go through"


@pytest.mark.parametrize("name", [name for name in ACTIONS if "(API)" in name])
def test_a_personal_access_token_is_not_asked(name, app, stage):
    action = _actions(stage)[name]
    _token, secret = auth.create_token(stage["admin"], "script-of-the-secretariat", expires_in_days=30)
    response = app.test_client().post(action.path, json=action.data, headers={"Authorization": f"Bearer {secret}"})
    if name == "create a token (API)":
        # Unchanged: a token never makes tokens, fresh or not.
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
        assert _count(AccessToken) == 1
        return
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    assert action.done()


def test_a_wrong_password_at_the_confirmation_is_throttled_like_at_sign_in(app_config, stage, app, sign_in):
    client = app.test_client()
    assert sign_in(client, stage["admin"]).status_code == 302
    _go_stale(client)
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    path = "/confirm-password?next=/admin/audit.csv"
    token = form_token(client, path)
    answers = [client.post(path, data={"password": "wrong", "csrf_token": token}).status_code
               for _ in range(limit + 1)]
    assert answers == [401] * limit + [429]
    # Throttled now, even with the right password, and the sign-in form of the account shares the budget.
    refused = client.post(path, data={"password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 429 and "Too many failed attempts" in refused.get_data(as_text=True)
    assert client.get("/admin/audit.csv").status_code == 302  # still not confirmed
    stranger = app.test_client()
    assert sign_in(stranger, stage["admin"], password=PASSWORD).status_code == 429
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.confirm_password",
                                                           AuditEvent.outcome == "failed")).all()
    assert len(failures) >= limit

"""Invitations: who may invite whom, the mail that carries the link, and the link's single, timed use."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import Account, AuditEvent, Invitation
from cmc.models.types import utcnow
from cmc.services import accounts
from tests.conftest import csrf_from, form_token, free_port

GOOD_PASSWORD = "mangrove lighthouse at dawn"


class Inbox:
    """Collects what a real local SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox(app_config):
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app_config["MAIL_SERVER"] = "127.0.0.1"
    app_config["MAIL_PORT"] = port
    yield handler
    controller.stop()


def _link_from(message: Any) -> str:
    body = message.get_payload(decode=True).decode()
    match = re.search(r"http://localhost(/invitations/[\w-]+)", body)
    assert match, body
    return match.group(1)


def _invite(client, *, email="new.person@gov.jm", name="New Person", party="JM", role="delegate"):
    token = form_token(client, "/admin/accounts/invite")
    return client.post("/admin/accounts/invite", data={"email": email, "name": name, "party": party,
                                                       "role": role, "csrf_token": token})


def _accept(client, path, password=GOOD_PASSWORD, confirm=None):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"password": password, "confirm": confirm or password, "csrf_token": token})


def test_secretariat_invites_and_the_invitee_signs_in(inbox, signed_in, make_party, app):
    make_party("JM")
    admin, _ = signed_in("secretariat")
    response = _invite(admin)
    assert response.status_code == 200 and "Invitation sent" in response.get_data(as_text=True)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "new.person@gov.jm"
    path = _link_from(message)

    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200 and "Choose your password" in page.get_data(as_text=True)
    done = _accept(invitee, path)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    home = invitee.get("/").get_data(as_text=True)
    assert "New Person" in home and "JM" in home

    # The link is spent.
    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "account.invite" in actions and "account.invitation_accepted" in actions


def test_expired_link_answers_410_and_sets_nothing(app, make_party):
    make_party("JM")
    result = accounts.invite(None, email="late@gov.jm", name="Late", party_code="JM", role="delegate",
                             send=False)
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    path = result.link.removeprefix("http://localhost")
    client = app.test_client()
    assert client.get(path).status_code == 410
    assert "expired" in client.get(path).get_data(as_text=True)
    assert db.session.get(Account, result.account.id).password_hash is None


def test_unknown_link_answers_404(client):
    assert client.get("/invitations/not-a-real-key").status_code == 404


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short pass!", None, "at least 12 characters"),  # 11 characters
        ("x" * 129, None, "at most 128"),
        ("passwordpassword", None, "breached"),
        (GOOD_PASSWORD, "something else entirely", "not the same"),
    ],
)
def test_bad_passwords_are_refused_with_the_reason(app, make_party, password, confirm, message):
    assert len("short pass!") == 11
    make_party("JM")
    result = accounts.invite(None, email="p@gov.jm", name="P", party_code="JM", role="delegate", send=False)
    path = result.link.removeprefix("http://localhost")
    client = app.test_client()
    response = _accept(client, path, password, confirm)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert 'id="error-summary"' in body
    assert db.session.get(Account, result.account.id).password_hash is None
    assert client.get(path).status_code == 200  # the link still works


@pytest.mark.parametrize("password", ["x" * 12 + "é" * 100, "  spaces  are fine here  ", "ü" * 128])
def test_long_and_unicode_passwords_are_accepted_whole(app, make_party, password, sign_in):
    make_party("JM")
    result = accounts.invite(None, email="u@gov.jm", name="U", party_code="JM", role="delegate", send=False)
    client = app.test_client()
    assert _accept(client, result.link.removeprefix("http://localhost"), password).status_code == 302
    # Never truncated: a shorter prefix does not sign in.
    assert sign_in(app.test_client(), "u@gov.jm", password[:-1]).status_code == 401
    assert sign_in(app.test_client(), "u@gov.jm", password).status_code == 302


def test_focal_point_invites_a_delegate_of_their_own_party(signed_in, inbox):
    client, focal = signed_in("focal_point", party="JM")
    response = _invite(client, party="JM", role="delegate")
    assert response.status_code == 200
    account = db.session.scalar(select(Account).where(Account.email == "new.person@gov.jm"))
    assert account.party_id == focal.party_id


@pytest.mark.parametrize(("party", "role"), [("TT", "delegate"), ("JM", "secretariat"), ("JM", "focal_point")])
def test_focal_point_cannot_invite_elsewhere_or_higher(signed_in, make_party, party, role):
    make_party("TT")
    client, _ = signed_in("focal_point", party="JM")
    response = _invite(client, party=party, role=role)
    # The form offers only their party and the delegate role; anything else is refused, nothing is created.
    assert response.status_code == 422
    assert db.session.scalar(select(Account).where(Account.email == "new.person@gov.jm")) is None


def test_service_refuses_focal_point_inviting_into_another_party(app, make_account, make_party):
    from cmc.services.errors import DeniedError

    make_party("TT")
    focal = make_account("focal_point", party="JM")
    with pytest.raises(DeniedError) as denied:
        accounts.invite(focal, email="x@gov.tt", name="X", party_code="TT", role="delegate", send=False)
    assert denied.value.status == 403
    with pytest.raises(DeniedError):
        accounts.invite(focal, email="x@gov.jm", name="X", party_code="JM", role="secretariat", send=False)
    assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 0


def test_duplicate_email_is_refused_whatever_its_case(signed_in, make_party):
    client, admin = signed_in("secretariat")
    make_party("JM")
    response = _invite(client, email=admin.email.upper())
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_delegate_cannot_open_the_invite_page(signed_in):
    client, _ = signed_in("delegate")
    response = client.get("/admin/accounts/invite")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)


def test_without_mail_server_the_message_goes_to_the_console_never_the_log(app, make_party, caplog, capsys):
    make_party("JM")
    with caplog.at_level("DEBUG"):
        result = accounts.invite(None, email="log@gov.jm", name="Log", party_code="JM", role="delegate")
    console = capsys.readouterr().out
    assert "To: log@gov.jm" in console and f"  {result.link}" in console  # the invitee can still be let in
    key = result.link.rsplit("/", 1)[1]
    assert "mail to log@gov.jm not sent" in caplog.text
    assert key not in caplog.text and "/invitations/" not in caplog.text

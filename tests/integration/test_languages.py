"""Choice of language: the account's language when signed in, the switch or the browser's when signed out, the
invitee's language in the invitation, and the scripts' catalogue; bad codes and hostile headers change nothing."""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from typing import Any

import pytest

from cmc.extensions import db
from cmc.models import Account
from tests.conftest import PASSWORD, csrf_from, form_token
from tests.integration.test_invitations import inbox  # noqa: F401  (a real local SMTP server)


def subject(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match, page[:200]
    return match.group(1)


@pytest.mark.parametrize(("header", "language", "text"), [
    ("es", "es", "Saltar al contenido principal"),
    ("es-DO,es;q=0.9,en;q=0.5", "es", "Saltar al contenido principal"),
    ("fr-HT", "fr", "Aller au contenu principal"),
    ("nl-SR, en;q=0.8", "nl", "Direct naar de hoofdinhoud"),
    ("de, pap", "en", "Skip to main content"),  # nothing offered matches: English
])
def test_signed_out_pages_follow_the_browser(client, header, language, text):
    page = client.get("/sign-in", headers={"Accept-Language": header}).get_data(as_text=True)
    assert html_lang(page) == language
    assert text in page


def test_the_switch_works_without_scripts_and_is_remembered(client):
    page = client.get("/sign-in?lang=fr", headers={"Accept-Language": "es"})
    assert html_lang(page.get_data(as_text=True)) == "fr"
    assert "cmc_lang=fr" in page.headers["Set-Cookie"]
    # The next page, without the parameter, stays French over the browser's Spanish.
    later = client.get("/sign-in", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert html_lang(later) == "fr"
    # Every language is offered in the header, named in itself, the current one marked.
    assert 'hreflang="nl"' in later and "Nederlands" in later and "Español" in later
    assert re.search(r'hreflang="fr" aria-current="true"', later)


@pytest.mark.parametrize("code", ["xx", "EN", "fr-FR", "../../etc", "x" * 300, ""])
def test_an_unknown_code_in_the_switch_is_ignored(client, code):
    page = client.get("/sign-in", query_string={"lang": code}, headers={"Accept-Language": "nl"})
    assert page.status_code == 200
    assert html_lang(page.get_data(as_text=True)) == "nl"
    assert "cmc_lang" not in page.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("header", [
    "fr;q=abc, nl;q=2, es;q=-1",  # weights that are not weights
    ";;;,,,q=,=;",
    "en;q=0.1," * 1300 + "es",  # 10 KB
    "zz-" + "a" * 10_000,
])
def test_hostile_accept_language_headers_answer_normally(client, header):
    page = client.get("/sign-in", headers={"Accept-Language": header})
    assert page.status_code == 200
    assert html_lang(page.get_data(as_text=True)) in ("en", "es", "fr", "nl")


def test_a_signed_in_person_reads_their_accounts_language(signed_in):
    client, account = signed_in("delegate")
    account.language = "nl"
    db.session.commit()
    page = client.get("/settings/?lang=fr", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert html_lang(page) == "nl"
    assert "Instellingen" in page and "Taal van de interface" in page
    assert 'data-timezone="America/Port_of_Spain"' in page


def test_settings_refuse_an_unknown_language_and_save_a_known_one(signed_in):
    client, account = signed_in("delegate")
    token = form_token(client, "/settings/")
    data = {"name": account.name, "title": "", "timezone": "America/Havana", "csrf_token": token}
    refused = client.post("/settings/profile", data={**data, "language": "xx"})
    assert refused.status_code == 422
    assert "Choose one of the offered languages." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Account, account.id).language == "en"

    saved = client.post("/settings/profile", data={**data, "language": "fr"}, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert html_lang(page) == "fr" and "Vos paramètres sont enregistrés." in page
    assert 'data-timezone="America/Havana"' in page
    # Every language is offered, each in its own name.
    for name in ("English", "Español", "Français", "Nederlands"):
        assert name in page


def _invite(client, **fields):
    token = form_token(client, "/admin/accounts/invite")
    data = {"email": "new.person@gov.ht", "name": "Nouvelle Personne", "party": "HT", "role": "delegate",
            "csrf_token": token, **fields}
    return client.post("/admin/accounts/invite", data=data)


def test_the_invitation_is_written_in_the_invitees_language(inbox, signed_in, make_party):  # noqa: F811
    haiti = make_party("HT", name="Haiti")
    haiti.languages = "fr;ht"
    db.session.commit()
    admin, _ = signed_in("secretariat")  # an English-speaking inviter
    response = _invite(admin)  # no language chosen: the party's first offered language
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert subject(inbox.messages[-1]) == "Votre invitation à la plateforme CMC"
    invited = db.session.scalar(db.select(Account).where(Account.email == "new.person@gov.ht"))
    assert invited.language == "fr"

    chosen = _invite(admin, email="other@gov.ht", language="nl")
    assert chosen.status_code == 200
    assert subject(inbox.messages[-1]) == "Uw uitnodiging voor het CMC Platform"


def test_an_invitation_in_an_unknown_language_is_refused(inbox, signed_in, make_party):  # noqa: F811
    make_party("HT")
    admin, _ = signed_in("secretariat")
    response = _invite(admin, language="xx")
    assert response.status_code == 422
    assert "Choose one of the offered languages." in response.get_data(as_text=True)
    assert not inbox.messages
    assert db.session.scalar(db.select(Account).where(Account.email == "new.person@gov.ht")) is None


def test_scripts_get_their_strings_in_the_pages_language(signed_in):
    client, account = signed_in("delegate")
    account.language = "es"
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'<script src="(/i18n/es\.js\?v=\w+)"></script>', page)
    assert match, "a Spanish page loads the Spanish catalogue of the scripts"
    script = client.get(match.group(1))
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert "immutable" in script.headers["Cache-Control"]
    body = script.get_data(as_text=True)
    assert body.startswith("window.CMC_MESSAGES = {")
    assert '"There is a problem": "' in body and "window.CMC_PLURAL = function (n) { return Number(" in body
    # An old version is not kept a year; an unknown language is not found.
    assert client.get("/i18n/es.js?v=old").headers["Cache-Control"] == "no-cache"
    assert client.get("/i18n/xx.js").status_code == 404
    # English needs no catalogue: its strings are the source.
    account.language = "en"
    db.session.commit()
    assert "/i18n/" not in client.get("/").get_data(as_text=True)


def test_signed_out_pages_are_marked_with_the_csrf_free_switch(client):
    # The switch is plain links: no form, no script needed.
    page = client.get("/sign-in").get_data(as_text=True)
    assert re.search(r'<a href="/sign-in\?lang=es" lang="es" hreflang="es"', page)
    token = csrf_from(page)
    assert token


def _sign_in_with_zone(app, account, zone):
    client = app.test_client()
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"email": account.email, "password": PASSWORD, "csrf_token": token,
                                             "browser_timezone": zone})
    assert response.status_code == 302
    return client


def test_the_first_sign_in_takes_the_browsers_zone_and_settings_win(app, make_account):
    account = make_account("delegate")
    _sign_in_with_zone(app, account, "Not/A_Zone")  # nonsense changes nothing
    db.session.expire_all()
    assert db.session.get(Account, account.id).timezone == "America/Port_of_Spain"
    client = _sign_in_with_zone(app, account, "America/Havana")
    db.session.expire_all()
    assert db.session.get(Account, account.id).timezone == "America/Havana"
    assert 'data-timezone="America/Havana"' in client.get("/").get_data(as_text=True)
    # Taken once: another browser elsewhere does not move it.
    _sign_in_with_zone(app, account, "Europe/Amsterdam")
    db.session.expire_all()
    assert db.session.get(Account, account.id).timezone == "America/Havana"

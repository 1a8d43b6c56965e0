"""Translations of published alerts: who may add one, what it copies, replacing one with history, the live
event that is not a new alert, which block each reader reads (pages, lists, home, Atom, mail), CAP export."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from cmc.extensions import db, socketio
from cmc.models import Account, Alert, AlertInfo, AlertReceipt, AuditEvent
from cmc.models.types import utcnow
from cmc.services import alerts, cap, networks
from cmc.services.errors import ConflictError, DeniedError, ValidationError
from tests.conftest import bearer_headers, form_token
from tests.integration.test_alerts import alert_input, cap_valid, inbox, info, net  # noqa: F401

FRENCH = alerts.TranslationInput(language="fr", headline="Bateau parti de la côte nord", event="Navire suspect",
                                 description="Environ 40 personnes à bord.", instruction="Alertez les garde-côtes.",
                                 area_desc="Passage du Vent")


def _subject(mail) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def _body(mail) -> str:
    return mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8")


def _speaks(account: Account, language: str) -> Account:
    account.language = language
    db.session.commit()
    return account


@pytest.fixture
def published(net):  # noqa: F811
    network, admin, coordinator, member = net
    alert, _ = alerts.publish(coordinator, network.slug, alert_input(infos=[info(
        expires=utcnow() + timedelta(days=2), circle="18.0,-76.8 25")]))
    return alert, network, admin, coordinator, member


def test_a_member_translates_and_the_codes_are_the_originals(published):
    alert, _network, _admin, _coordinator, member = published
    translator = member(party="JM")
    result = alerts.translate(translator, alert.id, FRENCH)
    assert [i.language for i in result.infos] == ["en", "fr"]
    original, french = result.infos
    assert french.headline == FRENCH.headline and french.event == "Navire suspect"
    assert (french.severity, french.urgency, french.certainty, french.category, french.expires, french.geocodes,
            french.circle) == (original.severity, original.urgency, original.certainty, original.category,
                               original.expires, original.geocodes, original.circle)
    assert french.added_by_id == translator.id and french.added_at is not None and not original.is_translation
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "alert.translate"))
    assert event is not None and event.actor_id == translator.id and event.target_id == str(alert.id)
    # An empty event or area keeps the original's.
    spanish = alerts.translate(translator, alert.id, alerts.TranslationInput(language="es", headline="Barco"))
    block = next(i for i in spanish.infos if i.language == "es")
    assert (block.event, block.area_desc) == (original.event, original.area_desc)


def test_a_second_translation_replaces_the_first_and_keeps_it_in_the_history(published):
    alert, _network, _admin, coordinator, member = published
    alerts.translate(member(), alert.id, FRENCH)
    better = alerts.TranslationInput(language="fr", headline="Un bateau a quitté la côte nord")
    result = alerts.translate(coordinator, alert.id, better)
    assert [i.headline for i in result.infos if i.language == "fr"] == [better.headline]
    history = [i for i in result.info_history if i.language == "fr"]
    assert len(history) == 2 and history[0].replaced_at is not None and history[1].replaced_at is None
    xml = cap.to_xml(result).decode()
    assert xml.count("<language>fr</language>") == 1 and better.headline in xml and FRENCH.headline not in xml
    assert cap_valid(result)


def test_the_authors_language_is_not_replaced_and_bad_input_is_refused(published):
    alert, _network, _admin, _coordinator, member = published
    translator = member()
    with pytest.raises(ConflictError):
        alerts.translate(translator, alert.id, alerts.TranslationInput(language="en", headline="Other words"))
    with pytest.raises(ValidationError) as unknown:
        alerts.translate(translator, alert.id, alerts.TranslationInput(language="de", headline="Boot"))
    assert "language" in unknown.value.fields
    with pytest.raises(ValidationError) as empty:
        alerts.translate(translator, alert.id, alerts.TranslationInput(language="fr", headline="   "))
    assert "headline" in empty.value.fields
    with pytest.raises(ValidationError) as long:
        alerts.translate(translator, alert.id, alerts.TranslationInput(language="fr", headline="x" * 161))
    assert "headline" in long.value.fields
    assert [i.language for i in db.session.get(Alert, alert.id).infos] == ["en"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "alert.translate")) is None


def test_observers_are_refused_outsiders_see_nothing_and_drafts_wait(published, make_account):
    alert, network, _admin, _coordinator, member = published
    observer = member(party="US")
    with pytest.raises(DeniedError) as refused:
        alerts.translate(observer, alert.id, FRENCH)
    assert refused.value.status == 403
    outsider = make_account("delegate", party="BB")
    with pytest.raises(DeniedError) as hidden:
        alerts.translate(outsider, alert.id, FRENCH)
    assert hidden.value.status == 404
    author = member()
    draft, _ = alerts.publish(author, network.slug, alert_input(), submit=True)
    with pytest.raises(DeniedError):
        alerts.translate(author, draft.id, FRENCH)
    assert db.session.scalar(select(db.func.count()).select_from(AlertInfo)) == 2  # the two authors' blocks


def test_a_translation_is_pushed_as_text_not_as_a_new_alert(app, published, signed_in):
    alert, network, admin, _coordinator, member = published
    client, reader = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, reader.id)
    live = socketio.test_client(app, flask_test_client=client)
    live.get_received()
    waiting = alerts.unacknowledged_count(reader)
    receipts = db.session.scalar(select(db.func.count()).select_from(AlertReceipt))
    alerts.translate(member(party="JM"), alert.id, FRENCH)
    received = live.get_received()
    assert [p["name"] for p in received] == ["alert:translation"]
    payload = received[0]["args"][0]
    assert payload["alert_id"] == alert.id and payload["info"]["language"] == "fr"
    assert payload["info"]["headline"] == FRENCH.headline and payload["info"]["translated_by"] == "JM"
    assert alerts.unacknowledged_count(reader) == waiting
    assert db.session.scalar(select(db.func.count()).select_from(AlertReceipt)) == receipts
    assert live.emit("alerts:sync", {"after_id": alert.id}, callback=True)["alerts"] == []
    live.disconnect()


def test_each_reader_reads_their_language_with_the_right_note(published, signed_in, sign_in, app):
    alert, network, admin, coordinator, _member = published
    hostile = alerts.TranslationInput(language="fr", headline="<script>alert(1)</script> Bateau",
                                      description="<b>gras</b>")
    alerts.translate(coordinator, alert.id, hostile)
    french_client, french = signed_in("delegate", party="TT")
    _speaks(french, "fr")
    networks.add_member(admin, network.slug, french.id)
    page = french_client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Bateau" in page and "<script>alert(1)" not in page
    assert "&lt;b&gt;gras&lt;/b&gt;" in page
    note = page.split('id="language-note"')[1].split("</p>")[0]
    assert 'data-state="translated"' in note and "Party BS" in note and "?info=en" in note
    original = french_client.get(f"/alerts/{alert.id}?info=en").get_data(as_text=True)
    assert '<h1 class="h2" lang="en">Vessel left the north coast</h1>' in original
    for path in ("/alerts", f"/networks/{network.slug}/alerts", "/"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Bateau" in french_client.get(path).get_data(as_text=True), path

    dutch_client, dutch = signed_in("delegate", party="JM")
    _speaks(dutch, "nl")
    networks.add_member(admin, network.slug, dutch.id)
    page = dutch_client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert 'data-state="fallback"' in page and 'href="#translate"' in page
    assert '<h1 class="h2" lang="en">Vessel left the north coast</h1>' in page

    english_client, english = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, english.id)
    page = english_client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "language-note" not in page and "Bateau" not in page.split('id="other-languages"')[0]


def test_the_page_form_adds_replaces_and_refuses(published, signed_in):
    alert, network, admin, _coordinator, _member = published
    client, translator = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, translator.id)
    page = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert f'action="/alerts/{alert.id}/translations"' in page
    assert '<option value="en"' not in page.split('id="translate"')[1]  # the author's language is not offered
    token = form_token(client, f"/alerts/{alert.id}")
    empty = client.post(f"/alerts/{alert.id}/translations", data={"csrf_token": token, "language": "fr",
                                                                   "headline": ""})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.get_data(as_text=True)
    made = client.post(f"/alerts/{alert.id}/translations", data={"csrf_token": token, "language": "fr",
                                                                  "headline": "Bateau"})
    assert made.status_code == 302
    again = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "(replaces the current translation)" in again
    author = client.post(f"/alerts/{alert.id}/translations", data={"csrf_token": token, "language": "en",
                                                                    "headline": "Other"})
    assert author.status_code == 422 and "The author wrote this language." in author.get_data(as_text=True)


def test_observers_get_no_form_and_a_403(published, signed_in):
    alert, network, admin, _coordinator, _member = published
    client, observer = signed_in("delegate", party="US")
    networks.add_member(admin, network.slug, observer.id)
    page = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert 'id="translate"' not in page
    token = form_token(client, f"/alerts/{alert.id}")
    refused = client.post(f"/alerts/{alert.id}/translations", data={"csrf_token": token, "language": "fr",
                                                                     "headline": "Bateau"})
    assert refused.status_code == 403


def test_the_api_translates_with_its_answers(published, make_account):
    alert, _network, _admin, _coordinator, member = published
    translator = member()
    headers = bearer_headers(translator)
    url = f"/api/v1/alerts/{alert.id}/translations"
    from flask import current_app

    client = current_app.test_client()
    made = client.post(url, json={"language": "nl", "headline": "Boot vertrokken", "event": "Verdacht schip"},
                       headers=headers)
    assert made.status_code == 201, made.get_json()
    blocks = made.get_json()["infos"]
    assert [b["language"] for b in blocks] == ["en", "nl"] and blocks[1]["translated_by"] == "TT"
    assert blocks[0]["translated_by"] is None and blocks[1]["severity"] == blocks[0]["severity"]
    assert client.post(url, json={"language": "de", "headline": "Boot"}, headers=headers).status_code == 422
    assert client.post(url, json={"language": "nl", "headline": ""}, headers=headers).status_code == 422
    assert client.post(url, json={"language": "en", "headline": "x"}, headers=headers).status_code == 409
    assert client.post(url, json={"language": "nl", "headline": 5}, headers=headers).status_code == 400
    assert client.post(url, data="language=nl", headers=headers).status_code == 415
    observer = client.post(url, json={"language": "fr", "headline": "x"}, headers=bearer_headers(member(party="US")))
    assert observer.status_code == 403
    outsider = bearer_headers(make_account("delegate", party="BB"))
    assert client.post(url, json={"language": "fr", "headline": "x"}, headers=outsider).status_code == 404
    assert client.post("/api/v1/alerts/999999/translations", json={"language": "fr", "headline": "x"},
                       headers=headers).status_code == 404


def test_atom_and_cap_follow_the_readers_language(published):
    alert, network, _admin, coordinator, member = published
    alerts.translate(coordinator, alert.id, alerts.TranslationInput(language="fr", headline="A < B & C",
                                                                    description="<b>x</b>"))
    xml = cap.to_xml(db.session.get(Alert, alert.id)).decode()
    assert "<headline>A &lt; B &amp; C</headline>" in xml and "&lt;b&gt;x&lt;/b&gt;" in xml
    from flask import current_app

    client = current_app.test_client()
    french = _speaks(member(), "fr")
    feed = client.get(f"/api/v1/networks/{network.slug}/alerts.atom", headers=bearer_headers(french))
    assert feed.status_code == 200 and b"A &lt; B &amp; C" in feed.data and b'xml:lang="fr"' in feed.data
    english = client.get(f"/api/v1/networks/{network.slug}/alerts.atom", headers=bearer_headers(member()))
    assert b"A &lt; B" not in english.data and b"Vessel left the north coast" in english.data


def test_mail_is_written_in_each_recipients_language(inbox, net, monkeypatch):  # noqa: F811
    network, _admin, coordinator, member = net
    alert, _ = alerts.publish(coordinator, network.slug, alert_input(infos=[info(severity="Minor")]))
    alerts.translate(coordinator, alert.id, FRENCH)
    french = _speaks(member(party="JM"), "fr")
    english = member()
    # The severity word comes from the recipient's catalogue, not the CAP code.
    monkeypatch.setitem(alerts.SEVERITY_WORDS, "Minor", "Mineure-" + "fr")
    assert alerts.mail_offline_members(db.session.get(Alert, alert.id)) >= 2
    by_recipient = {m["To"]: m for m in inbox.messages}
    assert _subject(by_recipient[french.email]) == f"[Mineure-fr] {FRENCH.headline}"
    assert FRENCH.description in _body(by_recipient[french.email])
    assert "Vessel left the north coast" in _subject(by_recipient[english.email])


def test_the_overdue_mail_names_the_headline_in_the_focal_points_language(inbox, net, make_account):  # noqa: F811
    network, _admin, coordinator, member = net
    focal = _speaks(make_account("focal_point", party="JM"), "fr")
    for party in ("TT", "JM"):  # parties with somebody in the network: asked to acknowledge, so flagged
        member(party)
    alert, _ = alerts.publish(coordinator, network.slug, alert_input(ack_within_minutes=5))
    alerts.translate(coordinator, alert.id, FRENCH)
    stored = db.session.get(Alert, alert.id)
    stored.published_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    inbox.messages.clear()
    assert alerts.flag_overdue() == 2  # TT and JM; not the sender (BS), not the observer (US)
    mail = next(m for m in inbox.messages if m["To"] == focal.email)
    assert FRENCH.headline in _subject(mail)

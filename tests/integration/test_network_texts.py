"""A network's name, description and charter, and its alert event templates, in each offered language."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from cmc import i18n
from cmc.extensions import db
from cmc.models import AuditEvent, Network, NetworkText
from cmc.services import alerts, networks
from cmc.services.alerts.event_templates import template_text
from cmc.services.errors import DeniedError, ValidationError
from tests.conftest import bearer_headers, form_token

SPANISH = {"name": "Red sobre tráfico ilícito de migrantes", "description": "Alertas tempranas.",
           "charter": "## Carta constitutiva"}


@pytest.fixture
def admin(make_account):
    return make_account("secretariat")


@pytest.fixture
def network(admin, make_party):
    for code in ("TT", "JM", "BS"):
        make_party(code)
    return networks.create_network(admin, networks.NetworkInput(
        slug="migrant-smuggling", name="Migrant Smuggling", kind="technical_network", alerts_enabled=True,
        description="Early alerts.", charter="# Charter", party_codes=["TT", "JM", "BS"],
        texts={"es": SPANISH}))


def _input(network: Network, **changes) -> networks.NetworkInput:
    values = {"slug": network.slug, "name": network.name, "description": network.description,
              "charter": network.charter, "kind": network.kind.value, "alerts_enabled": network.alerts_enabled,
              "party_codes": [p.code for p in network.parties], "language": network.language}
    return networks.NetworkInput(**{**values, **changes})


def test_text_for_shows_the_readers_language_and_falls_back_field_by_field(network):
    shown = networks.text_for(network, "es")
    assert (shown.name, shown.description, shown.language, shown.translated) == (
        SPANISH["name"], SPANISH["description"], "es", True)
    assert shown.foreign("name") is None and str(shown.lang_attr("charter")) == ""
    assert "<h2>Carta constitutiva</h2>" in shown.charter_html
    french = networks.text_for(network, "fr")  # no French text: the original, marked English
    assert (french.name, french.translated, french.foreign("name")) == ("Migrant Smuggling", False, "en")
    assert str(french.lang_attr()) == ' lang="en"'
    english = networks.text_for(network, "en")
    assert english.name == "Migrant Smuggling" and english.foreign("description") is None


def test_an_empty_field_is_no_translation(network, admin):
    networks.update_network(admin, network.slug, _input(network, texts={
        "es": {"name": "Red", "description": "", "charter": ""}, "fr": {"name": " ", "description": "",
                                                                       "charter": ""}}))
    shown = networks.text_for(network, "es")
    assert (shown.name, shown.description, shown.foreign("description")) == ("Red", "Early alerts.", "en")
    assert [t.language for t in network.texts] == ["es"]  # the all-empty French one is not stored
    networks.update_network(admin, network.slug, _input(network, texts={}))
    assert db.session.scalars(select(NetworkText)).all() == []
    assert networks.text_for(network, "es").name == "Migrant Smuggling"


def test_texts_none_leaves_them_and_the_audit_names_the_languages_changed(network, admin):
    networks.update_network(admin, network.slug, _input(network, description="New."))
    assert networks.text_for(network, "es").name == SPANISH["name"]
    networks.update_network(admin, network.slug, _input(network, texts={
        "es": SPANISH, "nl": {"name": "Netwerk migrantensmokkel", "description": "", "charter": ""}}))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "network.update")).all()
    assert [e.details["texts"] for e in events] == [[], ["nl"]]
    row = db.session.scalar(select(NetworkText).where(NetworkText.language == "nl"))
    assert row.updated_by_id == admin.id


@pytest.mark.parametrize(("texts", "field"), [
    ({"de": {"name": "Netzwerk"}}, "texts"),  # not an offered language
    ({"en": {"name": "Smuggling"}}, "texts"),  # the original language has its own columns
    ({"es": "Red"}, "texts"),
    ({"es": {"name": "x" * 121}}, "name_es"),
    ({"fr": {"description": "x" * 501}}, "description_fr"),
    ({"nl": {"charter": "x" * 50_001}}, "charter_nl"),
    ({"es": {"name": "Red\x00"}}, "name_es"),
    ({"es": {"name": 5}}, "name_es"),
])
def test_bad_texts_are_refused_naming_the_field(network, admin, texts, field):
    with pytest.raises(ValidationError) as refused:
        networks.update_network(admin, network.slug, _input(network, texts=texts))
    assert field in refused.value.fields
    db.session.rollback()
    assert networks.text_for(network, "es").name == SPANISH["name"]  # nothing changed


def test_an_unknown_original_language_is_refused_with_the_other_errors(network, admin):
    with pytest.raises(ValidationError) as refused:
        networks.update_network(admin, network.slug, _input(network, language="xx", name="",
                                                            texts={"es": {"name": "y" * 200}}))
    assert {"language", "name", "name_es"} <= set(refused.value.fields)


def test_only_the_secretariat_edits_texts(network, admin, make_account):
    coordinator = make_account("delegate", party="TT")
    networks.add_member(admin, network.slug, coordinator.id, "coordinator")
    with pytest.raises(DeniedError):
        networks.update_network(coordinator, network.slug, _input(network, texts={}))
    assert networks.text_for(network, "es").name == SPANISH["name"]


def test_a_mail_names_the_network_in_the_recipients_language(app, network, make_account):
    reader = make_account("delegate", party="TT")
    reader.language = "es"
    with app.test_request_context(), i18n.in_language_of(reader):
        assert networks.network_name(network, plain=True) == SPANISH["name"]
    with app.test_request_context(), force_locale("nl"):
        assert str(networks.network_name(network)) == '<span lang="en">Migrant Smuggling</span>'
        assert networks.network_name(network, plain=True) == "Migrant Smuggling"


def test_the_edit_form_saves_each_language(network, signed_in):
    client, _ = signed_in("secretariat")
    page = client.get("/networks/migrant-smuggling/edit").get_data(as_text=True)
    assert page.count("<details") == 3 and 'id="name_es"' in page and 'id="name_en"' not in page
    assert SPANISH["name"] in page  # the stored translation fills its field
    token = form_token(client, "/networks/migrant-smuggling/edit")
    data = {"csrf_token": token, "name": "Migrant Smuggling", "slug": "migrant-smuggling",
            "kind": "technical_network", "language": "en", "parties": ["TT", "JM", "BS"],
            "name_fr": "Réseau sur le trafic illicite de migrants", "description_fr": "Alertes précoces.",
            "name_es": "", "description_es": "", "charter_es": ""}
    saved = client.post("/networks/migrant-smuggling/edit", data=data)
    assert saved.status_code == 302
    db.session.expire_all()
    assert [t.language for t in db.session.get(Network, network.id).texts] == ["fr"]
    bad = client.post("/networks/migrant-smuggling/edit", data={**data, "name_nl": "n" * 121})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'href="#name_nl"' in body and 'aria-invalid="true"' in body
    assert re.search(r'<details[^>]*open>\s*<summary[^>]*><span lang="nl">', body)  # the failing language opens


def test_the_edit_form_is_the_secretariats(network, signed_in):
    client, _ = signed_in("delegate", party="TT")
    assert client.get("/networks/migrant-smuggling/edit").status_code in (403, 404)
    token = form_token(client, "/")
    refused = client.post("/networks/migrant-smuggling/edit", data={"csrf_token": token, "name": "Taken",
                                                                    "slug": "migrant-smuggling"})
    assert refused.status_code in (403, 404)
    assert networks.text_for(network, "en").name == "Migrant Smuggling"


def test_pages_show_the_readers_language_and_mark_the_original(network, signed_in, admin):
    client, reader = signed_in("delegate", party="TT")
    networks.add_member(admin, network.slug, reader.id)
    reader.language = "es"
    db.session.commit()
    workspace = client.get("/networks/migrant-smuggling").get_data(as_text=True)
    assert f'<h1 class="h2 mb-1">{SPANISH["name"]}</h1>' in unescape(workspace)
    assert "<h2>Carta constitutiva</h2>" in workspace and "Early alerts." not in workspace
    directory = client.get("/networks").get_data(as_text=True)
    assert SPANISH["name"] in unescape(directory) and SPANISH["description"] in directory
    reader.language = "fr"
    db.session.commit()
    workspace = client.get("/networks/migrant-smuggling").get_data(as_text=True)
    assert '<h1 class="h2 mb-1" lang="en">Migrant Smuggling</h1>' in workspace
    assert '<span lang="en">Migrant Smuggling</span></li>' in workspace  # the breadcrumb
    assert "<title>" in workspace and "<title><span" not in workspace
    members = client.get("/networks/migrant-smuggling/members").get_data(as_text=True)
    assert "&lt;span" not in members and '<span lang="en">Migrant Smuggling</span>' in members


def test_the_api_gives_every_language(network, admin):
    from flask import current_app

    answer = current_app.test_client().get("/api/v1/networks/migrant-smuggling", headers=bearer_headers(admin))
    body = answer.get_json()
    assert body["language"] == "en"
    assert body["texts"] == {"en": {"name": "Migrant Smuggling", "description": "Early alerts.",
                                    "charter": "# Charter"}, "es": SPANISH}


def test_event_templates_per_language(network, signed_in, admin):
    client, coordinator = signed_in("delegate", party="BS", second_factor=True)
    networks.add_member(admin, network.slug, coordinator.id, "coordinator")
    token = form_token(client, "/")
    form = {"csrf_token": token, "code": "vessel", "event": "Smuggling vessel", "category": "Security",
            "urgency": "Immediate", "severity": "Severe", "certainty": "Likely",
            "headline_template": "Vessel left {area}", "instruction_template": "Alert the coast guard.",
            "event_es": "Embarcación", "headline_template_es": "Embarcación salió de {area}",
            "instruction_template_es": "", "headline_template_fr": "", "event_fr": ""}
    page = client.get(f"/networks/{network.slug}/alerts/event-types").get_data(as_text=True)
    assert 'id="headline_template_nl"' in page and 'id="headline_template_en"' not in page
    assert client.post(f"/networks/{network.slug}/alerts/event-types", data=form).status_code == 302
    (row,) = alerts.event_types(network)
    assert row.texts == {"es": {"event": "Embarcación", "headline": "Embarcación salió de {area}",
                                "instruction": ""}}
    assert template_text(row, "es") == {"event": "Embarcación", "headline": "Embarcación salió de {area}",
                                        "instruction": "Alert the coast guard."}
    assert template_text(row, "fr")["headline"] == "Vessel left {area}"
    compose = client.get(f"/networks/{network.slug}/alerts/new").get_data(as_text=True)
    attribute = re.search(r'data-texts="([^"]*)"', compose).group(1)
    assert json.loads(unescape(attribute))["es"]["headline"] == "Embarcación salió de {area}"
    bad = client.post(f"/networks/{network.slug}/alerts/event-types",
                      data={**form, "headline_template_nl": "h" * 161})
    assert bad.status_code == 422 and 'href="#headline_template_nl"' in bad.get_data(as_text=True)
    (row,) = alerts.event_types(network)
    assert "nl" not in row.texts


def test_event_template_texts_refuse_other_languages(network, admin, make_account):
    coordinator = make_account("delegate", party="BS", second_factor=True)
    networks.add_member(admin, network.slug, coordinator.id, "coordinator")
    base = {"code": "route", "event": "Route change", "category": "Security", "urgency": "Expected",
            "severity": "Moderate", "certainty": "Likely"}
    for texts in ({"de": {"headline": "x"}}, {"en": {"headline": "x"}}, {"es": {"headline": 3}}):
        with pytest.raises(ValidationError):
            alerts.save_event_type(coordinator, network.slug, **base, texts=texts)
    member = make_account("delegate", party="TT")
    networks.add_member(admin, network.slug, member.id)
    with pytest.raises(DeniedError):
        alerts.save_event_type(member, network.slug, **base, texts={"es": {"headline": "x"}})
    row = alerts.save_event_type(coordinator, network.slug, **base, texts={"es": {"headline": "Ruta"}})
    alerts.save_event_type(coordinator, network.slug, **base)  # texts not given: kept
    assert row.texts["es"]["headline"] == "Ruta"


def test_the_seed_names_its_networks_in_every_language(app):
    from cmc.services import seed

    seed.seed_networks()
    smuggling = networks.entry("migrant-smuggling")
    assert networks.text_for(smuggling, "es").name == "Red sobre tráfico ilícito de migrantes"
    assert networks.text_for(smuggling, "fr").name == "Réseau sur le trafic illicite de migrants"
    assert networks.text_for(smuggling, "nl").name == "Netwerk migrantensmokkel"
    for network in db.session.scalars(select(Network)):
        assert {t.language for t in network.texts} == {"es", "fr", "nl"}
        assert all(t.description and not t.charter for t in network.texts)  # charters fall back to English
    assert seed.seed_networks() == 0  # idempotent

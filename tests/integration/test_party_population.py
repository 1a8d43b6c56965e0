"""A party's population: seeded from data/parties.csv, edited by the secretariat on the party form and through
the API, read by the roll calls' plausibility check (an answer above it asks for confirmation)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import Party
from cmc.services import parties
from tests.conftest import bearer_headers, form_token

FORM = {"code": "AI", "name": "Anguilla", "kind": "territory", "status": "member", "languages": "en"}


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": form_token(client, path)})


def test_the_seed_sets_anguillas_population(app):
    parties.seed_parties()
    anguilla = db.session.scalar(select(Party).where(Party.code == "AI"))
    assert anguilla.population == 15_900


def test_the_secretariat_sets_changes_and_clears_the_population(signed_in, make_party):
    party = make_party("AI", name="Anguilla", kind="territory")
    admin, _ = signed_in("secretariat")
    path = f"/admin/parties/{party.id}/edit"
    assert 'name="population"' in admin.get(path).get_data(as_text=True)
    assert _post(admin, path, {**FORM, "population": "15 900"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Party, party.id).population == 15_900
    assert 'value="15900"' in admin.get(path).get_data(as_text=True)
    assert _post(admin, path, {**FORM, "population": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Party, party.id).population is None


@pytest.mark.parametrize("bad", ["-1", "many", "1.5", "3000000000"])
def test_a_bad_population_is_refused_by_its_field(signed_in, make_party, bad):
    party = make_party("AI", name="Anguilla", kind="territory")
    party.population = 15_900
    db.session.commit()
    admin, _ = signed_in("secretariat")
    refused = _post(admin, f"/admin/parties/{party.id}/edit", {**FORM, "population": bad})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="population-error"' in body and "whole number" in body
    db.session.expire_all()
    assert db.session.get(Party, party.id).population == 15_900


def test_an_edit_that_does_not_name_the_population_keeps_it(app):
    # The service keeps the population when the caller does not edit it (PartyInput's default).
    data = parties.PartyInput(code="AI", name="Anguilla", kind="territory", status="member")
    assert data.population == parties.KEEP
    assert "population" not in parties._validate(data)


def test_the_api_creates_a_party_with_its_population(client, make_account):
    admin = make_account("secretariat")
    made = client.post("/api/v1/parties", json={"code": "MS", "name": "Montserrat", "kind": "territory",
                                                "status": "member", "population": 4400},
                       headers=bearer_headers(admin))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["population"] == 4400
    refused = client.post("/api/v1/parties", json={"code": "BQ", "name": "Bonaire", "kind": "territory",
                                                   "status": "member", "population": -3},
                          headers=bearer_headers(admin))
    assert refused.status_code == 422 and "population" in refused.get_json()["error"]["fields"]
    listed = client.get("/api/v1/parties", headers=bearer_headers(admin)).get_json()["items"]
    assert {p["code"]: p["population"] for p in listed}["MS"] == 4400

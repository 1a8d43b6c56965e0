"""A network's roll call templates (issue 19): the platform's standard one always there, a network's own kept by
its coordinators on the page and through the API, a template with no question refused readably."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import AuditEvent, RollCallTemplate
from cmc.models.types import utcnow
from cmc.services import rollcalls
from cmc.services.errors import DeniedError, ValidationError
from tests.conftest import bearer_headers, form_token
from tests.rollcall_world import NETWORK, World, world  # noqa: F401

PAGE = f"/networks/{NETWORK}/rollcall-templates"
API = f"/api/v1/networks/{NETWORK}/rollcall-templates"
OWN = [{"key": "status", "required": True}, {"key": "needs", "options": ["shelter", "medical"]},
       {"key": "q1", "kind": "count", "label": "Shelters open", "language": "en", "required": False}]


def own_templates() -> int:
    return db.session.scalar(select(func.count()).select_from(RollCallTemplate).where(
        RollCallTemplate.network_id.is_not(None))) or 0


def test_the_standard_template_exists_on_a_fresh_database(world: World) -> None:  # noqa: F811
    listed = rollcalls.templates_for(world.delegate["JM"], world.network)
    assert [(t.network_id, t.questions) for t in listed] == [(None, [
        {"key": key, "required": key == "status"} for key in ("status", "displaced", "departed", "needs", "note")])]
    assert len(rollcalls.templates_for(world.coordinator, world.network)) == 1  # made once


def test_save_edit_archive(world: World) -> None:  # noqa: F811
    saved = rollcalls.save_template(world.coordinator, world.network, name="Lena short", questions_=OWN)
    assert saved.questions[1] == {"key": "needs", "required": False, "options": ["shelter", "medical"]}
    rollcalls.save_template(world.coordinator, world.network, name="Lena shorter", questions_=OWN[:1],
                            template_id=saved.id)
    assert [t.name for t in rollcalls.templates_for(world.coordinator, world.network)][1:] == ["Lena shorter"]
    started = rollcalls.start(world.coordinator, NETWORK, rollcalls.StartInput(
        title="Lena", deadline=utcnow() + timedelta(hours=2), template_id=saved.id))
    rollcalls.archive_template(world.coordinator, world.network, saved.id)
    assert len(rollcalls.templates_for(world.coordinator, world.network)) == 1
    assert started.questions == [{"key": "status", "required": True}]  # kept its copy
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "rollcall.template")) == 3


def test_no_question_and_no_name_are_refused(world: World) -> None:  # noqa: F811
    with pytest.raises(ValidationError) as empty:
        rollcalls.save_template(world.coordinator, world.network, name="Empty", questions_=[])
    assert empty.value.message == "A roll call needs at least one question."
    with pytest.raises(ValidationError):
        rollcalls.save_template(world.coordinator, world.network, name=" ", questions_=OWN)
    assert own_templates() == 0


def test_only_who_starts_roll_calls_keeps_templates(world: World) -> None:  # noqa: F811
    with pytest.raises(DeniedError) as denied:
        rollcalls.save_template(world.delegate["JM"], world.network, name="Mine", questions_=OWN)
    assert denied.value.status == 403


def page_form(client: Any, path: str = PAGE, **fields: Any) -> dict[str, Any]:
    html = client.get(path).get_data(as_text=True)
    nonce = re.search(r'name="form_nonce"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="form_nonce"', html)
    sent = {"csrf_token": form_token(client, path), "name": "Hurricane, short",
            "ask_status": "y", "required_status": "y", "order_status": "1",
            "ask_needs": "y", "order_needs": "2", "needs_options": ["shelter", "medical"],
            "own1_label": "Shelters open", "own1_kind": "count", "own1_language": "en", "own1_order": "3"}
    if nonce:
        sent["form_nonce"] = nonce.group(1)
    sent.update(fields)
    return {key: value for key, value in sent.items() if value is not None}


def test_the_page_saves_and_edits_a_template(app: Any, world: World, sign_in: Any) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, world.coordinator)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Platform standard" in html and "People who left by sea" in html
    answer = client.post(PAGE, data=page_form(client))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    template = db.session.scalar(select(RollCallTemplate).where(RollCallTemplate.network_id.is_not(None)))
    assert template.name == "Hurricane, short"
    assert template.questions == [
        {"key": "status", "required": True}, {"key": "needs", "required": False, "options": ["shelter", "medical"]},
        {"key": "q1", "kind": "count", "label": "Shelters open", "language": "en", "required": False}]
    edit = f"{PAGE}/{template.id}"
    assert 'value="Shelters open"' in client.get(edit).get_data(as_text=True)
    changed = client.post(edit, data=page_form(client, edit, own1_label="", order_status="5"))
    assert changed.status_code == 302
    db.session.refresh(template)
    assert [q["key"] for q in template.questions] == ["needs", "status"]


def test_the_page_refuses_a_template_with_no_question(app: Any, world: World, sign_in: Any) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, world.coordinator)
    answer = client.post(PAGE, data=page_form(client, ask_status=None, ask_needs=None, own1_label=""))
    assert answer.status_code == 422
    assert "A roll call needs at least one question." in answer.get_data(as_text=True)
    assert own_templates() == 0


def test_who_reaches_the_templates_page(app: Any, world: World, sign_in: Any, make_account: Any) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, world.delegate["JM"])
    assert client.get(PAGE).status_code == 403
    stranger = app.test_client()
    sign_in(stranger, make_account("delegate", party="JM", name="Not a member"))
    assert stranger.get(PAGE).status_code == 404
    default = rollcalls.templates_for(world.coordinator, world.network)[0]
    coordinator = app.test_client()
    sign_in(coordinator, world.coordinator)
    assert coordinator.get(f"{PAGE}/{default.id}").status_code == 404  # the standard one is not the network's


def test_the_api_lists_adds_and_changes_templates(client: Any, world: World) -> None:  # noqa: F811
    headers = bearer_headers(world.coordinator)
    listed = client.get(API, headers=headers).get_json()["items"]
    assert len(listed) == 1 and listed[0]["network"] is None
    empty = client.post(API, json={"name": "Empty", "questions": []}, headers=headers)
    assert empty.status_code == 422
    assert empty.get_json()["error"]["message"] == "A roll call needs at least one question."
    made = client.post(API, json={"name": "Short", "questions": OWN}, headers=headers)
    assert made.status_code == 201
    shown = made.get_json()
    assert shown["network"] == NETWORK and [q["key"] for q in shown["questions"]] == ["status", "needs", "q1"]
    assert shown["questions"][2]["label"] == "Shelters open" and shown["questions"][1]["options"] == [
        "shelter", "medical"]
    changed = client.put(f"{API}/{shown['id']}", json={"name": "Shorter", "questions": OWN[:1]}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["name"] == "Shorter"
    assert client.put(f"{API}/{listed[0]['id']}", json={"name": "x", "questions": OWN},
                      headers=headers).status_code == 404
    assert client.post(API, json={"name": "x", "questions": OWN}, headers=bearer_headers(world.delegate["JM"])
                       ).status_code == 403
    assert client.post(API, data="x", headers=headers).status_code == 415
    assert client.post(API, json={"name": "x", "questions": "status"}, headers=headers).status_code == 400
    assert own_templates() == 1


@pytest.mark.parametrize(("language", "name"), [("fr", "Point de situation standard"), ("es", "Pase de lista estándar"),
                                                ("nl", "Standaarduitvraag")])
def test_the_standard_template_is_named_in_the_readers_language(app: Any, world: World, sign_in: Any,  # noqa: F811
                                                                language: str, name: str) -> None:
    world.coordinator.language = language
    db.session.commit()
    client = app.test_client()
    sign_in(client, world.coordinator)
    for path in (PAGE, f"/networks/{NETWORK}/rollcalls/new"):
        html = client.get(path).get_data(as_text=True)
        assert name in html and "Standard roll call" not in html, path
    # The API gives the name as stored (what a PUT changes) and the one to show, in the reader's language.
    listed = app.test_client().get(API, headers=bearer_headers(world.coordinator)).get_json()["items"]
    assert [(t["name"], t["label"]) for t in listed] == [("Standard roll call", name)]

"""Threads carry a handling code (issue 18): set on the web form and by the API, shown on the thread page and
as a tag in the workspace list (filterable), enforced on the API (an H2 thread leaves only for its
originating party or under a release), and each view audited for the originator's report."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import AuditEvent, HandlingCode, Outcome, Thread
from cmc.services import handling, networks
from cmc.services.errors import DeniedError, ValidationError
from tests.conftest import bearer_headers, csrf_from
from tests.integration.test_alerts import net  # noqa: F401  (the fixture)

H2 = handling.Marking(HandlingCode.H2)


def nonce_of(html: str) -> str:
    match = re.search(r'name="form_nonce" type="hidden" value="([^"]+)"', html)
    assert match, "no nonce in the page"
    return match.group(1)


def thread_list(html: str) -> str:
    """The workspace's list of threads (the activity beside it names threads too)."""
    match = re.search(r'<ul class="list-group thread-list" id="thread-list">.*?</ul>', html, re.S)
    return match.group(0) if match else ""


def thread_form(client, path: str, **values: str) -> dict[str, str]:
    html = client.get(path).get_data(as_text=True)
    return {"csrf_token": csrf_from(html), "form_nonce": nonce_of(html), "title": "Boats at Morant Point",
            "body": "Seen at dawn.", "handling_code": "H0", "handling_text": ""} | values


def test_the_thread_form_marks_a_thread_and_the_page_and_list_show_it(net, app, sign_in):  # noqa: F811
    network, _admin, _coordinator, member = net
    author = member("JM")
    client = app.test_client()
    sign_in(client, author)
    path = f"/networks/{network.slug}/threads/new"
    assert 'name="handling_code"' in client.get(path).get_data(as_text=True)
    sent = client.post(path, data=thread_form(client, path, handling_code="H2"))
    assert sent.status_code == 302
    thread = db.session.scalar(select(Thread).where(Thread.title == "Boats at Morant Point"))
    assert thread is not None and thread.handling_code == HandlingCode.H2
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "handling-notice" in page and "H2: not to be disseminated without the permission of Party JM" in page
    assert 'id="handling"' in page  # the panel: the author may change the code
    networks.create_thread(author, network.slug, "Plain thread", "Nothing secret.")
    listed = client.get(f"/networks/{network.slug}").get_data(as_text=True)
    assert "handling-h2" in listed and "handling-h0" in listed
    only_h2 = thread_list(client.get(f"/networks/{network.slug}?handling=H2").get_data(as_text=True))
    assert "Boats at Morant Point" in only_h2 and "Plain thread" not in only_h2
    nothing = client.get(f"/networks/{network.slug}?handling=H3").get_data(as_text=True)
    assert thread_list(nothing) == "" and "No discussions marked H3." in nothing
    # A filter value that is no code lists everything (no filter), not an error.
    assert "Plain thread" in thread_list(client.get(f"/networks/{network.slug}?handling=H9").get_data(as_text=True))


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"handling_code": "H5"}, "handling_code", "Choose a handling code from H0 to H3."),
    ({"handling_code": "H3", "handling_text": "  "}, "handling_text", "H3 needs its restriction"),
])
def test_the_thread_form_refuses_a_bad_marking_and_makes_nothing(net, app, sign_in, values, field, message):  # noqa: F811
    network, _admin, _coordinator, member = net
    client = app.test_client()
    sign_in(client, member("JM"))
    path = f"/networks/{network.slug}/threads/new"
    sent = client.post(path, data=thread_form(client, path, **values))
    assert sent.status_code == 422
    html = sent.get_data(as_text=True)
    assert message in html and f'href="#{field}"' in html
    assert db.session.scalar(select(db.func.count()).select_from(Thread)) == 0


def test_the_author_edits_the_code_on_the_edit_form_and_h3_keeps_its_text(net, app, sign_in):  # noqa: F811
    network, _admin, _coordinator, member = net
    author = member("JM")
    thread = networks.create_thread(author, network.slug, "Route", "Text")
    client = app.test_client()
    sign_in(client, author)
    path = f"/threads/{thread.id}/edit"
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "title": "Route", "body": "Text", "handling_code": "H3",
            "handling_text": "Police use only"}
    assert client.post(path, data=data).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Thread, thread.id)
    assert stored.handling_code == HandlingCode.H3 and stored.handling_text == "Police use only"
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "H3: Police use only (restriction set by Party JM)" in page
    change = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "handling.change")).all()
    assert len(change) == 1 and change[0].details["lowered"] is False


def test_a_thread_view_is_audited_for_the_originating_party(net, app, sign_in):  # noqa: F811
    network, _admin, _coordinator, member = net
    author, reader = member("JM"), member("TT")
    thread = networks.create_thread(author, network.slug, "Route", "Text", H2)
    client = app.test_client()
    sign_in(client, reader)
    assert client.get(f"/threads/{thread.id}").status_code == 200
    reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "thread.read")).all()
    assert [(e.actor_id, e.target_id, e.target_party_id) for e in reads] == [
        (reader.id, str(thread.id), author.party_id)]
    assert reads[0].details["handling_code"] == "H2"


def test_the_api_creates_marked_threads_and_refuses_bad_markings(net, client):  # noqa: F811
    network, _admin, _coordinator, member = net
    author = member("JM")
    headers = bearer_headers(author)
    url = f"/api/v1/networks/{network.slug}/threads"
    made = client.post(url, json={"title": "T", "body": "B", "handling_code": "H3", "handling_text": "No courts"},
                       headers=headers)
    assert made.status_code == 201
    assert made.get_json()["handling"] == {"code": "H3", "text": "No courts"}  # threads are not evaluated
    plain = client.post(url, json={"title": "T2", "body": "B"}, headers=headers)
    assert plain.status_code == 201 and plain.get_json()["handling"]["code"] == "H0"
    for body, field in (({"handling_code": "H5"}, "handling_code"), ({"handling_code": "H3"}, "handling_text")):
        refused = client.post(url, json={"title": "Bad", "body": "B"} | body, headers=headers)
        assert refused.status_code == 422, body
        assert field in refused.get_json()["error"]["fields"]
    assert db.session.scalar(select(db.func.count()).select_from(Thread).where(Thread.title == "Bad")) == 0


def test_the_api_refuses_an_h2_thread_to_another_party_and_lists_it_as_a_placeholder(net, client):  # noqa: F811
    network, _admin, _coordinator, member = net
    author, other = member("JM"), member("TT")
    secret = networks.create_thread(author, network.slug, "Secret route", "Boats at dawn", H2)
    networks.create_thread(author, network.slug, "Open route", "Nothing secret")
    mine, theirs = bearer_headers(author), bearer_headers(other)
    assert client.get(f"/api/v1/threads/{secret.id}", headers=mine).status_code == 200
    refused = client.get(f"/api/v1/threads/{secret.id}", headers=theirs)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "handling_restricted"
    assert "H2" in refused.get_json()["error"]["message"]
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "handling.export",
                                                         AuditEvent.outcome == Outcome.DENIED)).all()
    assert len(denied) == 1 and denied[0].target_party_id == author.party_id
    listed = {t["id"]: t for t in client.get(f"/api/v1/networks/{network.slug}/threads",
                                             headers=theirs).get_json()["items"]}
    assert listed[secret.id]["restricted"] is True and listed[secret.id]["title"] == ""
    assert listed[secret.id]["body"] == "" and listed[secret.id]["handling"]["code"] == "H2"
    own = {t["id"]: t for t in client.get(f"/api/v1/networks/{network.slug}/threads",
                                          headers=mine).get_json()["items"]}
    assert own[secret.id]["restricted"] is False and own[secret.id]["title"] == "Secret route"
    only = client.get(f"/api/v1/networks/{network.slug}/threads?handling=H2", headers=mine).get_json()["items"]
    assert [t["id"] for t in only] == [secret.id]
    assert client.get(f"/api/v1/networks/{network.slug}/threads?handling=H7", headers=mine).status_code == 400


def test_marking_changes_on_a_thread_follow_the_raise_and_lower_rules(net, client):  # noqa: F811
    network, _admin, coordinator, member = net  # the coordinator is of Bahamas (BS)
    author, other = member("JM"), member("TT")
    thread = networks.create_thread(author, network.slug, "Route", "Text")
    url = f"/api/v1/threads/{thread.id}/handling"
    # Another party's coordinator may raise it; another party's member may not change it at all.
    first = client.put(url, json={"handling_code": "H1"}, headers=bearer_headers(other))
    assert first.status_code == 403, first.get_data(as_text=True)
    raised = client.put(url, json={"handling_code": "H2"}, headers=bearer_headers(coordinator))
    assert raised.status_code == 200 and raised.get_json()["code"] == "H2"
    lowered = client.put(url, json={"handling_code": "H0"}, headers=bearer_headers(coordinator))
    assert lowered.status_code == 403
    assert client.put(url, json={"handling_code": "H5"}, headers=bearer_headers(author)).status_code == 422
    assert client.put(url, json={"handling_code": "H3"}, headers=bearer_headers(author)).status_code == 422
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).handling_code == HandlingCode.H2
    assert client.put(url, json={"handling_code": "H0"}, headers=bearer_headers(author)).status_code == 200
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "handling.change",
                                                          AuditEvent.outcome == Outcome.OK)
                                 .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.details["lowered"]) for e in changes] == [(coordinator.id, False), (author.id, True)]
    with pytest.raises(ValidationError):
        handling.validate("H3", "")
    with pytest.raises(DeniedError):
        handling.change(other, db.session.get(Thread, thread.id), handling.Marking(HandlingCode.H2))

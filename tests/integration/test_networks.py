"""Networks: membership rules, discussions, live events, and the bad inputs of the networks issue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cmc.extensions import db, socketio
from cmc.models import AuditEvent, Membership, Network, NetworkRole, Reply, Revision, Thread
from cmc.services import networks
from cmc.services.errors import DeniedError, GoneError, ValidationError
from cmc.services.passwords import hash_password
from tests.conftest import PASSWORD, form_token


@pytest.fixture
def network(app, make_party):
    """A network in which JM, TT, BS, US (observer) and IOM take part."""
    codes = ["JM", "TT", "BS", "IOM"]
    for code in codes:
        make_party(code, status="support" if code == "IOM" else "member",
                   kind="organization" if code == "IOM" else "state")
    make_party("US", status="observer")
    make_party("CU")  # not taking part
    admin = _secretariat()
    return networks.create_network(admin, networks.NetworkInput(
        slug="migrant-smuggling", name="Migrant Smuggling", kind="technical_network", alerts_enabled=True,
        description="Early alerts.", charter="# Charter", party_codes=[*codes, "US"]))


def _secretariat():
    from cmc.models import Account, Role

    found = db.session.scalar(select(Account).where(Account.role == Role.SECRETARIAT))
    if found:
        return found
    from cmc.models import Party

    party = db.session.scalar(select(Party).where(Party.code == "IOM"))
    account = Account(email="sec@iom.int", name="Sec", party_id=party.id, role=Role.SECRETARIAT,
                      password_hash=hash_password(PASSWORD))
    db.session.add(account)
    db.session.commit()
    return account


@pytest.fixture
def member(network, make_account):
    """``member(role="delegate", party="TT", network_role="member")`` makes an account and adds it."""

    def make(role="delegate", party="TT", network_role="member", **kwargs):
        account = make_account(role, party=party, **kwargs)
        networks.add_member(_secretariat(), network.slug, account.id, network_role)
        return account

    return make


def test_non_member_sees_the_directory_entry_and_nothing_else(network, member, signed_in):
    thread = networks.create_thread(member(), network.slug, "Route change", "Boats seen off the coast.")
    client, _ = signed_in("delegate", party="JM")
    directory = client.get("/networks").get_data(as_text=True)
    assert "Migrant Smuggling" in directory and "Not a member" in directory
    for path in (f"/networks/{network.slug}", f"/networks/{network.slug}/members",
                 f"/networks/{network.slug}/activity", f"/threads/{thread.id}",
                 f"/networks/{network.slug}/threads/new", f"/api/v1/networks/{network.slug}",
                 f"/api/v1/threads/{thread.id}"):
        assert client.get(path).status_code == 404, path
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert any(e.action == "thread.read" for e in denied)


def test_member_reads_workspace_with_members_by_party(network, member, signed_in):
    coordinator = member(party="BS", network_role="coordinator")
    client, me = signed_in("delegate", party="TT")
    networks.add_member(coordinator, network.slug, me.id)
    page = client.get(f"/networks/{network.slug}").get_data(as_text=True)
    assert "Migrant Smuggling" in page and "Charter" in page and coordinator.name in page
    members_page = client.get(f"/networks/{network.slug}/members").get_data(as_text=True)
    assert "Coordinator" in members_page and "Party BS" in members_page


def test_thread_reply_edit_history_pin_delete(network, member, signed_in):
    coordinator = member(party="BS", network_role="coordinator")
    client, author = signed_in("delegate", party="TT")
    networks.add_member(coordinator, network.slug, author.id)
    token = form_token(client, f"/networks/{network.slug}/threads/new")
    response = client.post(f"/networks/{network.slug}/threads/new",
                           data={"title": "Vessel sighted", "body": "**Two** boats", "csrf_token": token})
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread))
    assert thread.body_html == "<p><strong>Two</strong> boats</p>"
    reply = networks.add_reply(coordinator, thread.id, "Confirmed by our coast guard.")
    networks.edit_thread(author, thread.id, "Vessel sighted near Inagua", "**Three** boats")
    assert db.session.scalar(select(Revision.body)) == "**Two** boats"
    with pytest.raises(DeniedError):
        networks.edit_thread(coordinator, thread.id, "Hijacked", "by the coordinator")
    with pytest.raises(DeniedError):
        networks.set_pinned(author, thread.id, True)
    networks.set_pinned(coordinator, thread.id, True)
    networks.delete_reply(coordinator, reply.id)  # a coordinator deletes others' replies
    assert db.session.get(Reply, reply.id).deleted_at is not None
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "This reply was deleted." in page and "Confirmed by our coast guard" not in page
    networks.delete_thread(author, thread.id)
    assert client.get(f"/threads/{thread.id}").status_code == 410
    events = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"thread.delete", "reply.delete", "network.member.add"} <= events


def test_new_since_last_visit_marker(network, member, signed_in):
    other = member(party="BS")
    client, me = signed_in("delegate", party="TT")
    networks.add_member(_secretariat(), network.slug, me.id)
    thread = networks.create_thread(other, network.slug, "Arrivals", "Numbers rising")
    assert "New" in client.get(f"/networks/{network.slug}").get_data(as_text=True)
    client.get(f"/threads/{thread.id}")
    networks.add_reply(other, thread.id, "Forty people landed")
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "New since your last visit" in page


def test_observer_reads_but_cannot_post(network, member, signed_in):
    author = member(party="TT")
    thread = networks.create_thread(author, network.slug, "Question", "Anyone?")
    client, observer = signed_in("delegate", party="US")
    networks.add_member(_secretariat(), network.slug, observer.id)
    assert client.get(f"/threads/{thread.id}").status_code == 200
    response = client.get(f"/networks/{network.slug}/threads/new")
    assert response.status_code == 403 and "Observers read" in response.get_data(as_text=True)
    api = client.post(f"/api/v1/threads/{thread.id}/replies", json={"body": "hi"},
                      headers={"X-CSRFToken": form_token(client, "/")})
    assert api.status_code == 403 and "Observers read" in api.get_json()["error"]["message"]
    with pytest.raises(ValidationError):
        networks.add_member(_secretariat(), network.slug, observer.id, "coordinator")


def test_focal_point_adds_only_own_party_delegates_as_members(network, make_account, make_party):
    focal = make_account("focal_point", party="JM")
    own = make_account("delegate", party="JM")
    other = make_account("delegate", party="TT")
    networks.add_member(focal, network.slug, own.id)
    with pytest.raises(DeniedError):
        networks.add_member(focal, network.slug, other.id)
    with pytest.raises(DeniedError):
        networks.add_member(focal, network.slug, own.id, "coordinator")
    outsider_focal = make_account("focal_point", party="CU")  # Cuba does not take part
    outsider = make_account("delegate", party="CU")
    with pytest.raises(DeniedError):
        networks.add_member(outsider_focal, network.slug, outsider.id)
    with pytest.raises(ValidationError):
        networks.add_member(_secretariat(), network.slug, outsider.id)  # party not in the network


def test_coordinator_of_one_network_cannot_manage_another(network, member, make_account):
    other_network = networks.create_network(_secretariat(), networks.NetworkInput(
        slug="border-management", name="Border Management", party_codes=["TT", "JM"]))
    coordinator = member(party="BS", network_role="coordinator")
    target = make_account("delegate", party="TT")
    networks.add_member(coordinator, network.slug, target.id)
    with pytest.raises(DeniedError) as denied:
        networks.add_member(coordinator, other_network.slug, target.id)
    assert denied.value.status == 404  # not in the other network: its members are none of their business


def test_removed_member_loses_access_and_live_room_at_once(app, network, member, signed_in):
    client, me = signed_in("delegate", party="TT")
    networks.add_member(_secretariat(), network.slug, me.id)
    socket = socketio.test_client(app, flask_test_client=client)
    author = member(party="BS")
    networks.create_thread(author, network.slug, "First", "Body")
    assert any(p["name"] == "thread:new" for p in socket.get_received())
    networks.remove_member(_secretariat(), network.slug, me.id)
    networks.create_thread(author, network.slug, "Second", "Body")
    assert not any(p["name"] == "thread:new" for p in socket.get_received())
    assert client.get(f"/networks/{network.slug}").status_code == 404
    socket.disconnect()


def test_new_member_joins_the_live_room_without_reconnecting(app, network, member, signed_in):
    client, me = signed_in("delegate", party="TT")
    socket = socketio.test_client(app, flask_test_client=client)
    networks.add_member(_secretariat(), network.slug, me.id)
    thread = networks.create_thread(member(party="BS"), network.slug, "Hello", "Body")
    events = [p for p in socket.get_received() if p["name"] == "thread:new"]
    assert events and events[0]["args"][0]["id"] == thread.id
    networks.add_reply(member(party="JM"), thread.id, "A reply")
    replies = [p for p in socket.get_received() if p["name"] == "thread:reply"]
    assert replies and replies[0]["args"][0]["thread_id"] == thread.id
    socket.disconnect()


@pytest.mark.parametrize(("title", "message"), [("", "Give the thread a title"), ("x" * 10_000, "200 characters")])
def test_bad_titles_are_refused(network, member, title, message):
    author = member()
    with pytest.raises(ValidationError) as refused:
        networks.create_thread(author, network.slug, title, "Body")
    assert message in refused.value.message
    assert db.session.scalar(select(db.func.count()).select_from(Thread)) == 0


def test_bad_title_in_the_page_keeps_what_was_typed(network, signed_in):
    client, me = signed_in("delegate", party="TT")
    networks.add_member(_secretariat(), network.slug, me.id)
    token = form_token(client, f"/networks/{network.slug}/threads/new")
    response = client.post(f"/networks/{network.slug}/threads/new",
                           data={"title": "x" * 10_000, "body": "My careful text", "csrf_token": token})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="error-summary"' in body and "My careful text" in body


@pytest.mark.parametrize("body", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "<svg onload=alert(1)>", '<a href="JaVaScRiPt:alert(1)">y</a>', "<iframe src=//evil></iframe>",
])
def test_hostile_markdown_is_rendered_inert(network, member, body):
    thread = networks.create_thread(member(), network.slug, "Test", body)
    html = thread.body_html.lower()
    for bad in ("<script", "onerror", "onload", "javascript:", "<svg", "<iframe", "<img"):
        assert bad not in html


def test_archived_network_is_read_only(network, member):
    author = member()
    thread = networks.create_thread(author, network.slug, "Before", "Body")
    networks.set_archived(_secretariat(), network.slug, True)
    with pytest.raises(GoneError):
        networks.create_thread(author, network.slug, "After", "Body")
    with pytest.raises(GoneError):
        networks.add_reply(author, thread.id, "Late reply")
    assert networks.open_thread(author, thread.id).id == thread.id  # still readable


def test_reply_to_a_deleted_thread_is_refused(network, member, signed_in):
    author = member()
    thread = networks.create_thread(author, network.slug, "Gone soon", "Body")
    networks.delete_thread(author, thread.id)
    with pytest.raises(GoneError):
        networks.add_reply(author, thread.id, "Too late")
    assert db.session.scalar(select(db.func.count()).select_from(Reply)) == 0


def test_api_threads_and_replies(network, member, signed_in):
    client, me = signed_in("delegate", party="TT")
    networks.add_member(_secretariat(), network.slug, me.id)
    headers = {"X-CSRFToken": form_token(client, "/")}
    listed = client.get("/api/v1/networks").get_json()["items"]
    assert listed[0]["slug"] == network.slug and listed[0]["my_role"] == "member"
    created = client.post(f"/api/v1/networks/{network.slug}/threads", json={"title": "API", "body": "*hi*"},
                          headers=headers)
    assert created.status_code == 201 and created.get_json()["body_html"] == "<p><em>hi</em></p>"
    thread_id = created.get_json()["id"]
    reply = client.post(f"/api/v1/threads/{thread_id}/replies", json={"body": "ok"}, headers=headers)
    assert reply.status_code == 201
    got = client.get(f"/api/v1/threads/{thread_id}").get_json()
    assert got["reply_count"] == 1 and got["replies"][0]["body"] == "ok"
    assert client.get(f"/api/v1/networks/{network.slug}/threads").get_json()["items"][0]["id"] == thread_id
    members = client.get(f"/api/v1/networks/{network.slug}/members").get_json()["items"]
    assert any(m["account_id"] == me.id for m in members)
    bad = client.post(f"/api/v1/networks/{network.slug}/threads", json={"title": 5, "body": "x"}, headers=headers)
    assert bad.status_code == 400
    empty = client.post(f"/api/v1/networks/{network.slug}/threads", json={"title": "", "body": "x"},
                        headers=headers)
    assert empty.status_code == 422 and empty.get_json()["error"]["fields"]["title"]


def test_api_membership_by_coordinator(network, member, make_account, signed_in):
    client, coordinator = signed_in("delegate", party="BS", second_factor=True)
    networks.add_member(_secretariat(), network.slug, coordinator.id, "coordinator")
    target = make_account("delegate", party="TT")
    headers = {"X-CSRFToken": form_token(client, "/")}
    added = client.post(f"/api/v1/networks/{network.slug}/members", json={"account_id": target.id},
                        headers=headers)
    assert added.status_code == 201
    removed = client.delete(f"/api/v1/networks/{network.slug}/members/{target.id}", headers=headers)
    assert removed.status_code == 204
    assert db.session.scalar(select(Membership).where(Membership.account_id == target.id)) is None


def test_coordinator_without_second_factor_is_sent_to_enrolment(network, signed_in):
    client, account = signed_in("delegate", party="BS")
    networks.add_member(_secretariat(), network.slug, account.id, "coordinator")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/settings/security"


def test_secretariat_creates_edits_and_archives_networks(signed_in, make_party):
    make_party("JM")
    client, _ = signed_in("secretariat")
    token = form_token(client, "/networks/new")
    response = client.post("/networks/new", data={
        "name": "Migration Data", "slug": "migration-data", "kind": "dialogue_space",
        "description": "Data.", "charter": "", "parties": ["JM"], "csrf_token": token})
    assert response.status_code == 302
    created = db.session.scalar(select(Network).where(Network.slug == "migration-data"))
    assert [p.code for p in created.parties] == ["JM"]
    bad = client.post("/networks/new", data={"name": "X", "slug": "Bad Slug!", "kind": "dialogue_space",
                                             "csrf_token": token})
    assert bad.status_code == 422 and "lower-case" in bad.get_data(as_text=True)
    client.post("/networks/migration-data/archive", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.scalar(select(Network).where(Network.slug == "migration-data")).archived


def test_activity_feed_on_home(network, member, signed_in):
    client, me = signed_in("delegate", party="TT")
    networks.add_member(_secretariat(), network.slug, me.id)
    networks.create_thread(member(party="BS"), network.slug, "Feed item", "Body")
    home = client.get("/").get_data(as_text=True)
    assert "Feed item" in home and "Migrant Smuggling" in home


def test_activity_is_one_sentence_with_its_link_and_escapes_names(network, member, signed_in):
    client, me = signed_in("delegate", party="TT")
    networks.add_member(_secretariat(), network.slug, me.id)
    author = member(party="BS", name="<b>Ann</b>")
    thread = networks.create_thread(author, network.slug, "<i>Feed</i> item", "Body")
    page = client.get(f"/networks/{network.slug}/activity").get_data(as_text=True)
    link = f'<a href="/threads/{thread.id}">&lt;i&gt;Feed&lt;/i&gt; item</a>'
    # The title escaped inside the link, the link inside the sentence, the name escaped too.
    assert f"&lt;b&gt;Ann&lt;/b&gt; started {link}" in page
    assert "<b>Ann</b>" not in page and "<i>Feed</i>" not in page


def test_roles_listed_in_membership_audit(network, member):
    target = member()
    networks.add_member(_secretariat(), network.slug, target.id, NetworkRole.COORDINATOR)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "network.member.role")).all()
    assert events[-1].details["before"] == "member" and events[-1].details["after"] == "coordinator"

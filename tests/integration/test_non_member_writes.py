"""Non-members learn nothing: every network-scoped write by someone outside the network answers the same,
whatever its target (one that exists in the network, one that exists elsewhere, one that does not exist).

The routes come from ``app.url_map``, like the access-policy proof: a new route with an id in its path must
be classified in ``TARGETS`` (or ``NOT_NETWORK_SCOPED``) or this test fails.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import product

import pytest
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.http.access import Access, rule_of
from cmc.models import Activity, Document, HandlingCode, Membership, Reply, Thread
from cmc.models.types import utcnow
from cmc.services import alerts, auth, handling, meetings, networks, rollcalls
from cmc.services.handling import releases
from tests.conftest import csrf_from

MISSING = 987654321

#: Path arguments that name something inside a network -> the world's key for one that exists there.
TARGETS = {
    "slug": "slug",
    "account_id": "member_id",
    "thread_id": "thread_id",
    "reply_id": "reply_id",
    "document_id": "document_id",
    "number": "version",
    "alert_id": "alert_id",
    "meeting_id": "meeting_id",
    "item_id": "item_id",
    "action_id": "action_id",
    "registration_id": "registration_id",
    "release_id": "release_id",
    "template_id": "template_id",  # a roll call template of the network (issue 19)
    "roll_call_id": "roll_call_id",  # a roll call of the network (issue 19)
}
#: Path arguments of routes that are not about a network (accounts admin, parties, tokens, sessions).
NOT_NETWORK_SCOPED = re.compile(r"^/(admin|settings|invitations|sign-in|api/v1/tokens|api/v1/parties)")


@pytest.fixture
def world(app, make_party, make_account):
    """A network "ms" of TT and JM with content of every kind; outsiders to try it."""
    for code in ("TT", "JM", "BB"):
        make_party(code)
    admin = make_account("secretariat")
    network = networks.create_network(admin, networks.NetworkInput(
        slug="ms", name="Migrant Smuggling", alerts_enabled=True, party_codes=["TT", "JM"]))
    member = make_account("delegate", party="TT")
    coordinator = make_account("delegate", party="JM", second_factor=True)
    networks.add_member(admin, network.slug, member.id)
    networks.add_member(admin, network.slug, coordinator.id, "coordinator")
    thread = networks.create_thread(member, network.slug, "Routes", "Body")
    reply = networks.add_reply(member, thread.id, "A reply")
    document = Document(network_id=network.id, title="Report", owner_party_id=member.party_id,
                        uploader_id=member.id)
    db.session.add(document)
    db.session.commit()
    alert, _ = alerts.publish(coordinator, network.slug, alerts.AlertInput(
        infos=[alerts.InfoInput(headline="Boat", event="Vessel", severity="Minor")]))
    meeting = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Network meeting", kind="webinar", start_date=date(2027, 1, 5), end_date=date(2027, 1, 5),
        network_id=network.id, status="published"))
    item = meetings.add_item(admin, meeting.id, meetings.ItemInput(day=date(2027, 1, 5), title="Opening"),
                             meeting.agenda_revision)
    action = meetings.add_action(admin, meeting.id, "Report back", owner_network=network.slug)
    registration = meetings.register(admin, meeting.id, "TT", [{"name": "Head", "role": "head"}])
    assert handling.change(coordinator, alert, handling.Marking(HandlingCode.H2))
    release = releases.request(member, alert, purpose="national_system", reason="Coast guard")
    template = rollcalls.save_template(coordinator, network, name="Short", questions_=[{"key": "status"}])
    # It asks Jamaica only: a delegate of an asked party answers for it even outside the network (by design),
    # so the roll call must not ask the outsiders' parties (BB, and TT of the non-member below).
    roll_call = rollcalls.start(coordinator, network.slug, rollcalls.StartInput(
        title="Storm", deadline=utcnow() + timedelta(days=1), parties=["JM"]))
    outsiders = {
        # a delegate of a party that is not in the network
        "outsider": make_account("delegate", party="BB"),
        # a focal point of a party that is not in the network
        "outside focal point": make_account("focal_point", party="BB"),
        # a delegate of a party in the network, who is not a member
        "non-member of a member party": make_account("delegate", party="TT"),
    }
    non_member = make_account("delegate", party="TT")  # a real account that is not in the network
    return {"slug": network.slug, "member_id": member.id, "non_member_id": non_member.id,
            "thread_id": thread.id, "reply_id": reply.id, "document_id": document.id, "version": 1,
            "alert_id": alert.id, "meeting_id": meeting.id, "item_id": item.id, "action_id": action.id,
            "registration_id": registration.id, "release_id": release.id, "outsiders": outsiders,
            "template_id": template.id, "roll_call_id": roll_call.id}


def _writes(app):
    """Every (rule, method) that changes something and names a network or something inside one."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = sorted(rule.methods - {"GET", "HEAD", "OPTIONS"})
        if not methods or NOT_NETWORK_SCOPED.match(rule.rule):
            continue
        unknown = set(rule.arguments) - set(TARGETS)
        assert not unknown, f"{rule.rule}: classify {unknown} in TARGETS or NOT_NETWORK_SCOPED"
        if not rule.arguments and not rule.rule.startswith(("/networks", "/api/v1/networks")):
            continue  # creates something outside any network (a meeting, a party)
        for method in methods:
            yield rule, method


def _variants(rule, world):
    """Paths for the rule with each argument an existing target or a missing one, and the account in the body
    (a member, an account outside the network, no account)."""
    choices = []
    for name in rule.arguments:
        existing = world[TARGETS[name]]
        missing = "no-such-network" if name == "slug" else MISSING
        options = [existing, missing]
        if name == "account_id":
            options.append(world["non_member_id"])
        choices.append([(name, value) for value in options])
    for n, combo in enumerate(product(*choices) if choices else [()]):
        path = rule.rule
        for name, value in combo:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), path)
        yield path, world["member_id"]
        if n == 0:  # the account named in the body (adding a member) is a target too
            yield path, world["non_member_id"]
            yield path, MISSING


def _form(token, account_id):
    # One body that would be a valid request to most write routes, so that only the target differs.
    return {"csrf_token": token, "account_id": str(account_id), "role": "member", "title": "T", "body": "B",
            "pinned": "1", "headline": "H", "event": "E", "severity": "Minor", "status": "done",
            "audience": "network", "party": "TT", "code": "x1", "comment": "c", "note": "n",
            "revision": "1", "day": "2027-01-05", "direction": "up", "confirm": "1"}


def _json(account_id):
    return {"account_id": account_id, "role": "member", "title": "T", "body": "B", "status": "done",
            "infos": [{"headline": "H", "event": "E", "severity": "Minor"}], "audience": "network",
            "party": "TT", "members": [{"name": "N", "role": "head"}], "revision": 1, "day": "2027-01-05"}


def _normalise(body: bytes) -> str:
    # The CSRF token of the page's own forms changes with the clock, not with the target.
    text = re.sub(r'(name="csrf_token"[^>]*value=)"[^"]*"', r'\1""', body.decode())
    return re.sub(r'(name="csrf-token" content=)"[^"]*"', r'\1""', text)


def _counts():
    db.session.commit()
    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (Membership, Thread, Reply, Activity, Document)]


@pytest.mark.parametrize("who", ["outsider", "outside focal point", "non-member of a member party"])
def test_every_network_scoped_write_answers_a_non_member_the_same_whatever_the_target(app, world, sign_in, who):
    account = world["outsiders"][who]
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    token = csrf_from(client.get("/").get_data(as_text=True))
    _token, bearer = auth.create_token(account, "walk")
    before = _counts()
    checked = 0
    failures: list[str] = []
    for rule, method in _writes(app):
        api = rule.rule.startswith("/api/")
        answers = {}
        for path, body_account in _variants(rule, world):
            if api:
                for how, headers in (("cookie", {"X-CSRFToken": token}),
                                     ("bearer", {"Authorization": f"Bearer {bearer}"})):
                    response = app.test_client().open(path, method=method, json=_json(body_account),
                                                      headers=headers) if how == "bearer" else \
                        client.open(path, method=method, json=_json(body_account), headers=headers)
                    answers[(path, body_account, how)] = (response.status_code, _normalise(response.data))
            else:
                response = client.open(path, method=method, data=_form(token, body_account))
                answers[(path, body_account)] = (response.status_code, _normalise(response.data))
        distinct = set(answers.values())
        expected = 403 if rule_of(app.view_functions[rule.endpoint]) in (Access.SECRETARIAT, Access.MANAGER) \
            else 404
        if len(distinct) != 1:
            failures.append(f"{method} {rule.rule}: answers differ by target: "
                            + repr({key: status for key, (status, _body) in answers.items()}))
        elif (status := distinct.pop()[0]) != expected:
            failures.append(f"{method} {rule.rule}: {status}, expected {expected}")
        checked += 1
    assert not failures, f"{who}:\n" + "\n".join(failures)
    assert checked >= 40  # the walk found the network's write routes
    assert _counts() == before  # and nothing changed


def test_a_focal_point_of_a_member_party_learns_no_other_partys_membership(app, world, make_account, sign_in):
    """A focal point manages their own delegates in networks their party is in, without reading the network:
    removing anyone else answers the same whether they are a member, not a member, or nobody."""
    focal = make_account("focal_point", party="JM")
    client = app.test_client()
    assert sign_in(client, focal).status_code == 302
    token = csrf_from(client.get("/").get_data(as_text=True))
    answers = set()
    for target in (world["member_id"], world["non_member_id"], MISSING):
        page = client.post(f"/networks/ms/members/{target}/remove", data={"csrf_token": token})
        api = client.delete(f"/api/v1/networks/ms/members/{target}", headers={"X-CSRFToken": token})
        add = client.post("/api/v1/networks/ms/members", json={"account_id": target, "role": "coordinator"},
                          headers={"X-CSRFToken": token})
        answers.add((page.status_code, _normalise(page.data), api.status_code, api.data,
                     add.status_code, add.data))
    assert len(answers) == 1, answers
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 2

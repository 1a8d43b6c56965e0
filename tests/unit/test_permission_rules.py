"""The rules themselves, as a table: rule x object x who -> allowed.

The route table (``tests/integration/test_access_policy.py``) proves that pages and the API answer by these
rules; this table proves the rules, one line per case, so that a changed rule names the case it changed.
One world (SQLite, built once for the module: the rules only read it) holds a network of four parties with a
member, an observer, a coordinator and a focal point whose party takes part without the focal point being a
member, plus an outsider, an inactive account, and an archived network.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from cmc import create_app, permissions
from cmc.extensions import db
from cmc.models import (
    Account,
    ActionItem,
    Audience,
    Document,
    HandlingCode,
    NetworkRole,
    Party,
    PartyKind,
    PartyStatus,
    ReleasePurpose,
    ReleaseRequest,
    ReleaseStatus,
    Role,
    RollCall,
)
from cmc.models.types import utcnow

WHO = ("anonymous", "inactive", "outsider", "member", "observer", "focal_point", "jm_delegate", "coordinator",
       "secretariat")


def _party(code: str, status: str = "member") -> Party:
    party = Party(code=code, name=f"Party {code}", kind=PartyKind("organization" if status == "support" else "state"),
                  status=PartyStatus(status), languages="en")
    db.session.add(party)
    db.session.commit()
    return party


def _account(role: str, party: Party, *, active: bool = True) -> Account:
    number = db.session.query(Account).count()
    account = Account(email=f"{role}{number}.{party.code.lower()}@example.org", name=f"{role} {party.code}",
                      party_id=party.id, role=Role(role), active=active, password_hash="not-a-real-hash")
    db.session.add(account)
    db.session.commit()
    return account


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from cmc.services import alerts, meetings, networks

    instance = Path(tmp_path_factory.mktemp("rules")) / "instance"
    app = create_app({"TESTING": True, "SKIP_INSTANCE_CONFIG": True, "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": "test-secret-key-" + "x" * 32, "BASE_URL": "http://localhost",
                      "MAIL_SERVER": None, "SOCKETIO_ASYNC_MODE": "threading", "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
        parties = {code: _party(code) for code in ("TT", "JM", "BS", "BB")}
        parties["US"] = _party("US", "observer")
        parties["IOM"] = _party("IOM", "support")
        admin = _account("secretariat", parties["IOM"])
        people: dict[str, Any] = {
            "anonymous": None,
            "inactive": _account("delegate", parties["TT"]),
            "outsider": _account("delegate", parties["BB"]),
            "member": _account("delegate", parties["TT"]),
            "observer": _account("delegate", parties["US"]),
            "focal_point": _account("focal_point", parties["JM"]),
            "jm_delegate": _account("delegate", parties["JM"]),
            "coordinator": _account("delegate", parties["BS"]),
            "secretariat": admin,
        }
        network = networks.create_network(admin, networks.NetworkInput(
            slug="ms", name="Migrant Smuggling", alerts_enabled=True, party_codes=["TT", "JM", "BS", "US"]))
        quiet = networks.create_network(admin, networks.NetworkInput(
            slug="quiet", name="No alerts", party_codes=["TT", "BS"]))
        archived = networks.create_network(admin, networks.NetworkInput(
            slug="old", name="Archived", alerts_enabled=True, party_codes=["TT", "BS"]))
        for name in ("member", "observer", "inactive"):
            networks.add_member(admin, "ms", people[name].id)
        for slug in ("ms", "quiet", "old"):
            networks.add_member(admin, slug, people["coordinator"].id, "coordinator")
        networks.add_member(admin, "old", people["member"].id)
        networks.set_archived(admin, "old", True)
        people["inactive"].active = False  # a member whose account was then deactivated
        db.session.commit()
        alert, _ = alerts.publish(people["coordinator"], "ms", alerts.AlertInput(
            infos=[alerts.InfoInput(headline="Boat", event="Vessel", severity="Minor")]))
        draft, _ = alerts.publish(people["member"], "ms", alerts.AlertInput(
            infos=[alerts.InfoInput(headline="Draft", event="Vessel", severity="Minor")]), submit=True)
        document = Document(network_id=network.id, title="Report", owner_party_id=parties["TT"].id,
                            uploader_id=people["member"].id)
        named = Document(network_id=network.id, title="For JM", owner_party_id=parties["BS"].id,
                         uploader_id=people["coordinator"].id, audience=Audience.NAMED)
        db.session.add_all([document, named])
        db.session.commit()
        restricted, _ = alerts.publish(people["coordinator"], "ms", alerts.AlertInput(
            infos=[alerts.InfoInput(headline="Intelligence", event="Vessel", severity="Minor")]))
        restricted.handling_code = HandlingCode.H2
        h2_document = Document(network_id=network.id, title="Sources", owner_party_id=parties["TT"].id,
                               uploader_id=people["member"].id, handling_code=HandlingCode.H2)
        db.session.add(h2_document)
        db.session.flush()
        now = utcnow()
        db.session.add_all([  # TT's member was released the H2 alert to TT's national system; BB's release expired
            ReleaseRequest(item_type="alert", item_id=restricted.id, origin_party_id=parties["BS"].id,
                           requester_id=people["member"].id, requester_party_id=parties["TT"].id,
                           purpose=ReleasePurpose.NATIONAL_SYSTEM, party_id=parties["TT"].id, reason="Courts",
                           status=ReleaseStatus.GRANTED, valid_until=now + timedelta(days=7)),
            ReleaseRequest(item_type="alert", item_id=restricted.id, origin_party_id=parties["BS"].id,
                           requester_id=people["outsider"].id, requester_party_id=parties["BB"].id,
                           purpose=ReleasePurpose.NATIONAL_SYSTEM, party_id=parties["BB"].id, reason="Old",
                           status=ReleaseStatus.GRANTED, valid_until=now - timedelta(minutes=1))])
        db.session.commit()
        asked = [parties["TT"], parties["JM"]]  # a roll call of the coordinator (BS) asks TT and JM
        roll_call = RollCall(network_id=network.id, title="Storm", organiser_id=people["coordinator"].id,
                             organiser_party_id=parties["BS"].id, questions=[{"key": "status", "required": True}],
                             deadline=now + timedelta(days=1), parties=asked)
        h2_roll_call = RollCall(network_id=network.id, title="Storm (H2)", organiser_id=people["coordinator"].id,
                                organiser_party_id=parties["BS"].id, questions=[{"key": "note", "required": True}],
                                deadline=now + timedelta(days=1), parties=asked, handling_code=HandlingCode.H2)
        db.session.add_all([roll_call, h2_roll_call])
        db.session.commit()
        meeting = meetings.save_meeting(admin, meetings.MeetingInput(
            title="Meeting", kind="webinar", start_date=date(2027, 1, 5), end_date=date(2027, 1, 5)))
        yield {
            "people": people, "parties": parties, "network": network, "quiet": quiet, "archived": archived,
            "alert": alert, "draft": draft, "document": document, "named": named, "meeting": meeting,
            "h2_alert": restricted, "h2_document": h2_document, "roll_call": roll_call, "h2_roll_call": h2_roll_call,
            "cap": "cap", "forward": "forward",
            "download": "download",
            "net:quiet": quiet.id,
            "jm_action": ActionItem(meeting_id=meeting.id, title="JM acts", owner_party_id=parties["JM"].id),
            "ms_action": ActionItem(meeting_id=meeting.id, title="MS acts", owner_network_id=network.id),
        }
        db.session.remove()
        db.engine.dispose()


def _objects(world: dict[str, Any], spec: tuple[str, ...]) -> list[Any]:
    """Objects by name: world keys, people (``@name``), parties (``party:JM``, their ids ``party_id:JM``), roles
    (``Role.X``)."""
    found: list[Any] = []
    for name in spec:
        if name.startswith("@"):
            found.append(world["people"][name[1:]])
        elif name.startswith("party_id:"):
            found.append(world["parties"][name.split(":")[1]].id)
        elif name.startswith("party:"):
            found.append(world["parties"][name.split(":")[1]])
        elif name.startswith("Role."):
            found.append(Role[name[5:]])
        elif name.startswith("NetworkRole."):
            found.append(NetworkRole[name[12:]])
        else:
            found.append(world[name])
    if any(isinstance(obj, ActionItem) for obj in found):
        for obj in found:
            if isinstance(obj, ActionItem) and obj.owner_network_id is not None:
                obj.owner_network = world["network"]
    return found


# rule, objects, the people it allows (everyone else in WHO is refused)
TABLE: list[tuple[str, tuple[str, ...], set[str]]] = [
    ("party.manage", (), {"secretariat"}),
    ("secretariat.pages", (), {"secretariat"}),
    ("account.list", (), {"focal_point", "secretariat"}),
    ("account.all_parties", (), {"secretariat"}),
    ("account.view", ("@jm_delegate",), {"focal_point", "secretariat"}),
    ("account.view", ("@member",), {"secretariat"}),
    ("account.invite", ("party:JM", "Role.DELEGATE"), {"focal_point", "secretariat"}),
    ("account.invite", ("party:JM", "Role.FOCAL_POINT"), {"secretariat"}),
    ("account.invite", ("party:TT", "Role.DELEGATE"), {"secretariat"}),
    ("account.manage", ("@jm_delegate",), {"focal_point", "secretariat"}),
    ("account.manage", ("@focal_point",), {"secretariat"}),
    ("account.manage", ("@secretariat",), set()),
    ("account.assign_role", ("@jm_delegate", "Role.DELEGATE"), {"focal_point", "secretariat"}),
    ("account.assign_role", ("@jm_delegate", "Role.FOCAL_POINT"), {"secretariat"}),
    ("account.assign_role", ("@jm_delegate", "Role.SECRETARIAT"), set()),
    ("account.sessions", ("@member",), {"member", "secretariat"}),
    ("mfa.reset", ("@member",), {"secretariat"}),
    ("mfa.reset", ("@secretariat",), set()),
    ("audit.read", (), {"focal_point", "secretariat"}),
    ("audit.read_all", (), {"secretariat"}),
    ("network.read", ("network",), {"member", "observer", "coordinator", "secretariat"}),
    ("network.read", ("archived",), {"member", "coordinator", "secretariat"}),
    ("network.read_all", (), {"secretariat"}),
    ("network.see", ("network",), {"member", "observer", "focal_point", "coordinator", "secretariat"}),
    ("network.see", ("quiet",), {"coordinator", "secretariat"}),
    ("network.coordinator", ("network",), {"coordinator"}),
    ("network.post", ("network",), {"member", "coordinator", "secretariat"}),
    ("network.post", ("archived",), set()),
    ("network.moderate", ("network",), {"coordinator", "secretariat"}),
    ("network.manage", (), {"secretariat"}),
    ("network.members.manage_page", ("network",), {"focal_point", "coordinator", "secretariat"}),
    ("network.members.manage_page", ("archived",), set()),
    ("network.member.manage", ("network", "@jm_delegate", "NetworkRole.MEMBER"),
     {"focal_point", "coordinator", "secretariat"}),
    ("network.member.manage", ("network", "@jm_delegate", "NetworkRole.COORDINATOR"), {"coordinator", "secretariat"}),
    ("network.member.manage", ("network", "@member", "NetworkRole.MEMBER"), {"coordinator", "secretariat"}),
    ("network.member.manage", ("archived", "@member", "NetworkRole.MEMBER"), set()),
    ("network.member.appoint_coordinator", ("network",), {"coordinator", "secretariat"}),
    ("network.member.remove", ("network", "@jm_delegate", "NetworkRole.MEMBER"),
     {"focal_point", "coordinator", "secretariat"}),
    ("network.member.remove", ("network", "@coordinator", "NetworkRole.COORDINATOR"), {"coordinator", "secretariat"}),
    ("document.read", ("document",), {"member", "observer", "coordinator", "secretariat"}),
    ("document.read", ("named",), {"coordinator", "secretariat"}),
    ("document.read_all", (), {"secretariat"}),
    ("document.change", ("document",), {"member", "coordinator", "secretariat"}),
    ("document.audience", ("document",), {"member", "secretariat"}),
    ("alert.publish", ("network",), {"coordinator", "secretariat"}),
    ("alert.publish", ("quiet",), set()),
    ("alert.publish", ("archived",), set()),
    ("alert.submit", ("network",), {"member", "coordinator", "secretariat"}),
    ("alert.read", ("alert",), {"member", "observer", "coordinator", "secretariat"}),
    ("alert.read", ("draft",), {"member", "coordinator", "secretariat"}),
    ("alert.read_all", (), {"secretariat"}),
    ("alert.grid", ("alert",), {"coordinator", "secretariat"}),
    ("alert.remind", ("alert",), {"coordinator", "secretariat"}),
    ("alert.remind", ("draft",), set()),
    ("alert.translate", ("alert",), {"member", "coordinator", "secretariat"}),
    ("alert.translate", ("draft",), set()),
    ("alert.acknowledge", ("alert",), {"member", "observer", "focal_point", "jm_delegate", "coordinator",
                                      "secretariat"}),
    ("meeting.manage", (), {"secretariat"}),
    ("meeting.read", ("meeting",), {"secretariat"}),
    ("meeting.register", (), {"focal_point", "secretariat"}),
    ("meeting.register", ("party:JM",), {"focal_point", "secretariat"}),
    ("meeting.register", ("party:TT",), {"secretariat"}),
    ("meeting.action.update", ("jm_action",), {"focal_point", "secretariat"}),
    ("meeting.action.update", ("ms_action",), {"coordinator", "secretariat"}),
    # Handling codes: BS (the coordinator's party) originated the alerts, TT (the member's) the documents.
    ("handling.raise", ("h2_alert",), {"coordinator", "secretariat"}),
    ("handling.raise", ("h2_document",), {"member", "coordinator", "secretariat"}),
    ("handling.lower", ("h2_alert",), {"coordinator"}),
    ("handling.lower", ("h2_document",), {"member"}),
    ("handling.export", ("alert", "cap"), {"outsider", "member", "observer", "focal_point", "jm_delegate",
                                           "coordinator", "secretariat"}),
    ("handling.export", ("h2_alert", "cap"), {"coordinator", "member"}),  # BB's release expired
    ("handling.export", ("h2_alert", "forward", "net:quiet"), {"coordinator"}),  # TT's release is not for a network
    ("handling.export", ("h2_document", "cap"), {"member"}),
    ("handling.export", ("h2_document", "download"), {"outsider", "member", "observer", "focal_point",
                                                      "jm_delegate", "coordinator", "secretariat"}),
    ("release.request", ("h2_alert",), {"member", "observer", "secretariat"}),
    ("release.request", ("alert",), set()),  # not H2: nothing to release
    ("release.decide", ("h2_alert",), {"coordinator"}),
    ("release.decide", ("h2_document",), {"member"}),
    ("handling.report", ("party_id:JM",), {"focal_point", "secretariat"}),
    ("handling.report", ("party_id:TT",), {"secretariat"}),
    # Roll calls: the coordinator (BS) asks TT and JM in the network.
    ("rollcall.start", ("network",), {"coordinator", "secretariat"}),
    ("rollcall.start", ("quiet",), {"coordinator", "secretariat"}),
    ("rollcall.start", ("archived",), set()),
    ("rollcall.template.edit", ("network",), {"coordinator", "secretariat"}),
    ("rollcall.read", ("roll_call",), {"member", "observer", "focal_point", "jm_delegate", "coordinator",
                                       "secretariat"}),
    ("rollcall.board", ("roll_call",), {"member", "observer", "coordinator", "secretariat"}),
    ("rollcall.answer", ("roll_call",), {"member", "focal_point", "jm_delegate"}),
    ("rollcall.manage", ("roll_call",), {"coordinator", "secretariat"}),
    ("rollcall.export", ("roll_call",), {"member", "observer", "coordinator", "secretariat"}),
    ("rollcall.export", ("h2_roll_call",), {"coordinator", "secretariat"}),
]


@pytest.mark.parametrize(("rule", "objects", "allowed"), TABLE,
                         ids=[f"{rule}({','.join(objects)})" for rule, objects, _ in TABLE])
@pytest.mark.parametrize("who", WHO)
def test_rule(world: dict[str, Any], rule: str, objects: tuple[str, ...], allowed: set[str], who: str) -> None:
    actor = world["people"][who]
    assert permissions.can(actor, rule, *_objects(world, objects)) is (who in allowed)


def test_every_rule_is_in_the_table() -> None:
    assert {rule for rule, _, _ in TABLE} == set(permissions.rules())


def test_an_unknown_rule_is_an_error_not_a_quiet_denial() -> None:
    with pytest.raises(LookupError):
        permissions.can(None, "alert.pubilsh")


def test_require_raises_the_denial_the_trail_records(world: dict[str, Any]) -> None:
    from cmc.services.errors import DeniedError

    with pytest.raises(DeniedError) as refused:
        permissions.require(world["people"]["member"], "alert.publish", world["network"], target_type="network",
                            target_id=world["network"].id)
    assert (refused.value.status, refused.value.action) == (403, "alert.publish")
    with pytest.raises(DeniedError) as hidden:
        permissions.require(world["people"]["outsider"], "network.read", world["network"], action="network.read",
                            hide=True)
    assert hidden.value.status == 404
    permissions.require(world["people"]["coordinator"], "alert.publish", world["network"])

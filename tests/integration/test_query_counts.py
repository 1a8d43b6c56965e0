"""No page runs a query per row it shows: every main page issues as many SQL statements with 2 threads,
replies, activities, documents, alerts and meetings as with 12 of each.

The extra rows come from different authors of different parties, in different networks, so that a lazy
load cannot be answered from the session's identity map and hide itself.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.datastructures import FileStorage

from cmc.extensions import db
from cmc.models import Account, Meeting, Network, Party
from cmc.services import alerts, documents, meetings, networks
from cmc.uploads import check
from tests.files import pdf

FEW, MANY = 2, 12
MAIN = "migrant-smuggling"
VIEWER_PARTY = "TT"
SEARCH_WORD = "smuggling"


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine sends while the block runs."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def loading() -> Iterator[Counter[str]]:
    """Count the ORM objects loaded (by class name) while the block runs."""
    loaded: Counter[str] = Counter()

    def record(target: Any, _context: Any) -> None:
        loaded[type(target).__name__] += 1

    event.listen(db.Model, "load", record, propagate=True)
    try:
        yield loaded
    finally:
        event.remove(db.Model, "load", record)


#: Pages that list rows, and the classes whose objects such a list may load: the networks and parties its lines
#: name (a few per page, and more units bring more of them), the signed-in person and their session, the page's
#: own thread and its reader's visit, and home's meetings and action items (lists of their own, not rows yet).
LIST_PAGES = ("home", "network workspace", "network activity", "members", "thread", "documents list",
              "network documents", "search results", "alerts list", "network alerts", "alerts list, filtered",
              "alerts list, waiting for my party", "network alerts, filtered", "alerts map")
NAMED = {"Network", "NetworkText", "Party", "Account", "AuthSession", "Thread", "ThreadVisit", "Meeting",
         "ActionItem"}


@dataclass
class World:
    """What the pages show, grown one unit (a party, its author and their content) at a time."""

    admin: Account
    viewer: Account
    main: Network
    thread_id: int
    meeting_id: int
    units: int = 0
    parties: list[str] = field(default_factory=lambda: [VIEWER_PARTY])
    members: list[Account] = field(default_factory=list)
    last: dict[str, Any] = field(default_factory=dict)
    #: each unit's alert, thread in the main network, reply in the measured thread and document there
    units_made: list[dict[str, Any]] = field(default_factory=list)


def _info(headline: str) -> alerts.InfoInput:
    return alerts.InfoInput(headline=headline, event="Suspected smuggling vessel", severity="Severe",
                            urgency="Immediate", certainty="Likely", category="Security",
                            description="About 40 people on board.", instruction="Alert coast guard.",
                            area_desc="Windward Passage", geocodes=[VIEWER_PARTY])


def _upload(author: Account, slug: str, title: str, owner: str) -> Any:
    # The upload service renames the checked file into place, so it must be a real file in the upload area.
    folder = Path(current_app.config["UPLOAD_DIR"], "tmp")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".pdf", delete=False) as handle:
        handle.write(pdf(f"{title} {owner}"))
    with open(handle.name, "rb") as stream:
        checked = check(FileStorage(stream, f"{owner.lower()}.pdf"), max_bytes=10 * 1024 * 1024)
        return documents.upload(author, slug, documents.DocumentInput(title=title, languages=["en"]), checked)


def grow(world: World, make_party: Callable[..., Party], make_account: Callable[..., Account], upto: int) -> None:
    """Add units until there are ``upto``.

    Each unit brings a party with a network of its own (the viewer is in it), an author who posts a thread, a
    reply, two documents and then leaves the main network (their posts stay: former members must not be in
    the identity map because the members list loaded them), a member who coordinates the main network,
    publishes an alert and acknowledges the newest one, a meeting hosted by the party, and the party's
    delegation, action items, decision and agenda item at the measured meeting.
    """
    while world.units < upto:
        world.units += 1
        n = world.units
        code = f"X{n:02d}"
        make_party(code)
        world.parties.append(code)
        # The party joins the main network (so the alert grid grows) and has a network of its own with the
        # viewer in it (so rows of the lists point at different networks).
        networks.update_network(world.admin, MAIN, networks.NetworkInput(
            slug=MAIN, name="Migrant Smuggling", kind="technical_network", alerts_enabled=True,
            party_codes=world.parties))
        side = networks.create_network(world.admin, networks.NetworkInput(
            slug=f"side-{n:02d}", name=f"Side network {n:02d}", party_codes=[code, VIEWER_PARTY]))
        networks.add_member(world.admin, side.slug, world.viewer.id)
        author = make_account("delegate", party=code, name=f"Author {code}")
        member = make_account("delegate", party=code, name=f"Member {code}", second_factor=True)
        networks.add_member(world.admin, MAIN, author.id)
        networks.add_member(world.admin, MAIN, member.id, "coordinator")
        networks.add_member(world.admin, side.slug, author.id)
        world.members.append(member)

        thread = networks.create_thread(author, MAIN, f"Route change {code}", f"Boats seen by {code}.")
        reply = networks.add_reply(author, world.thread_id, f"Confirmed by {code}.")
        networks.create_thread(author, side.slug, f"Side thread {code}", "In the side network.")
        main_doc = _upload(author, MAIN, f"Smuggling report {code}", code)
        _upload(author, side.slug, f"Smuggling statistics {code}", code)
        networks.remove_member(world.admin, MAIN, author.id)
        alert, _created = alerts.publish(member, MAIN, alerts.AlertInput(infos=[_info(f"Vessel seen by {code}")]))

        workshop = meetings.save_meeting(world.admin, meetings.MeetingInput(
            title=f"Workshop in {code}", kind="network_meeting", start_date=date(2027, 4, n),
            end_date=date(2027, 4, n), host_party=code, network_id=side.id, status="published"))
        meetings.add_action(world.admin, workshop.id, f"Follow up the workshop in {code}", owner_network=side.slug)
        meeting_id = world.meeting_id
        meetings.register(world.admin, meeting_id, code, [{"name": f"Head of {code}", "role": "head"}])
        meetings.add_action(world.admin, meeting_id, f"Report figures of {code}", owner_party=code)
        meetings.add_action(world.admin, meeting_id, f"Map routes of {code}", owner_network=side.slug)
        meetings.add_decision(world.admin, meeting_id, f"Decision on {code}")
        revision = db.session.get(Meeting, meeting_id).agenda_revision  # type: ignore[union-attr]
        meetings.add_item(world.admin, meeting_id, meetings.ItemInput(
            day=date(2027, 3, 10), title=f"Statement of {code}", start_time=time(8, 0), end_time=time(8, 30)),
            revision)
        world.last = {"code": code, "author": author.name, "thread": thread.title, "document": main_doc,
                      "alert": alert.id, "side": side.slug}
        world.units_made.append({"code": code, "member": member, "alert": alert.id, "thread": thread.id,
                                 "reply": reply.id, "document": main_doc.id})
    # Every party acknowledges the newest alert, each by a different person: the grid shows them all.
    for acknowledging in world.members:
        alerts.acknowledge(acknowledging, world.last["alert"])


@pytest.fixture
def world(app: Flask, make_party: Callable[..., Party], make_account: Callable[..., Account]) -> World:
    """The main network with the viewer (a coordinator) in it, the measured thread and meeting, no units yet."""
    return make_world(make_party, make_account)


def make_world(make_party: Callable[..., Party], make_account: Callable[..., Account]) -> World:
    """What the ``world`` fixture gives (the API's counterpart of this test builds the same)."""
    make_party(VIEWER_PARTY)
    admin = make_account("secretariat", party="IOM")
    main = networks.create_network(admin, networks.NetworkInput(
        slug=MAIN, name="Migrant Smuggling", kind="technical_network", alerts_enabled=True,
        party_codes=[VIEWER_PARTY]))
    viewer = make_account("delegate", party=VIEWER_PARTY, name="Viewer", second_factor=True)
    networks.add_member(admin, MAIN, viewer.id, "coordinator")
    thread = networks.create_thread(viewer, MAIN, "Measured thread", "Replies come in below.")
    meeting = meetings.save_meeting(admin, meetings.MeetingInput(
        title="Third CMC meeting", kind="annual_meeting", start_date=date(2027, 3, 10), end_date=date(2027, 3, 11),
        host_party=VIEWER_PARTY, status="published"))
    return World(admin=admin, viewer=viewer, main=main, thread_id=thread.id, meeting_id=meeting.id)


def _pages(world: World) -> dict[str, tuple[str, list[str]]]:
    """Each page's path and texts it must show (the newest unit's content, so the rows really are there)."""
    last = world.last
    code, author = last["code"], last["author"]
    return {
        "home": ("/", [author, "Workshop in X01"]),  # coming meetings: the soonest (the first unit's)
        "networks directory": ("/networks", [f"Side network {code[1:]}"]),
        "network workspace": (f"/networks/{MAIN}", [last["thread"], author]),
        "network activity": (f"/networks/{MAIN}/activity", [author]),
        "members": (f"/networks/{MAIN}/members", [f"Member {code}", f"Party {code}"]),
        "thread": (f"/threads/{world.thread_id}", [f"Confirmed by {code}.", author]),
        "documents list": ("/documents", [f"Smuggling statistics {code}", f"Smuggling report {code}"]),
        "network documents": (f"/networks/{MAIN}/documents", [f"Smuggling report {code}"]),
        "document page": (f"/documents/{last['document'].id}", [f"Smuggling report {code}"]),
        "search results": (f"/documents?q={SEARCH_WORD}", [f"Smuggling report {code}"]),
        "alerts list": ("/alerts", [f"Vessel seen by {code}"]),
        "network alerts": (f"/networks/{MAIN}/alerts", [f"Vessel seen by {code}"]),
        "alerts list, filtered": (f"/alerts?network={MAIN}&severity=Severe&status=Actual&active=active",
                                  [f"Vessel seen by {code}"]),
        "alerts list, waiting for my party": ("/alerts?waiting=1&severity=Severe", [f"Vessel seen by {code}"]),
        "network alerts, filtered": (f"/networks/{MAIN}/alerts?status=Actual&waiting=1", [f"Vessel seen by {code}"]),
        "alerts map": ("/alerts?view=map", [f"Vessel seen by {code}", "data-area="]),
        "alert page": (f"/alerts/{last['alert']}", [f"Vessel seen by {code}", f"Party {code}",
                                                       "Member X01"]),
        "meetings list": ("/meetings", [f"Workshop in {code}"]),
        "meeting page": (f"/meetings/{world.meeting_id}", [f"Head of {code}", f"Report figures of {code}"]),
    }


def _measure(app: Flask, client: FlaskClient, world: World,
             objects: dict[str, Counter[str]] | None = None) -> dict[str, list[str]]:
    """The statements of one GET of every page (after a first GET, which may record a visit or a receipt), and
    into ``objects`` the ORM objects each page loaded."""
    found: dict[str, list[str]] = {}
    for name, (path, texts) in _pages(world).items():
        assert client.get(path).status_code == 200, path
        db.session.commit()  # the test's own transaction ends outside the count
        with counting(app) as statements, loading() as loaded:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        html = response.get_data(as_text=True)
        for text in texts:
            assert text in html, f"{name}: {text!r} is not on {path}"
        found[name] = statements
        if objects is not None:
            objects[name] = loaded
    return found


def test_pages_issue_as_many_statements_for_many_rows_as_for_few(
        app: Flask, world: World, make_party: Callable[..., Party], make_account: Callable[..., Account],
        sign_in: Callable[..., Any]) -> None:
    grow(world, make_party, make_account, FEW)
    client = app.test_client()
    assert sign_in(client, world.viewer).status_code == 302
    few_objects: dict[str, Counter[str]] = {}
    many_objects: dict[str, Counter[str]] = {}
    few = _measure(app, client, world, few_objects)
    grow(world, make_party, make_account, MANY)
    many = _measure(app, client, world, many_objects)

    grown = {name: (len(few[name]), len(many[name])) for name in few if len(few[name]) != len(many[name])}
    if os.environ.get("CMC_SHOW_QUERIES"):  # for whoever hunts the next one: what each page ran
        for name in few:
            print(f"\n--- {name}: {len(few[name])} statements with {FEW} of each, {len(many[name])} with {MANY}")
            if name in grown:
                print("\n".join(" ".join(statement.split())[:200] for statement in many[name]))
    assert not grown, f"statements per page grow with the rows shown (few -> many): {grown}"
    # List pages read their lines as rows: no ORM object per alert, info block, activity, reply, document or
    # membership, however many lines they show (only the few networks and parties the lines name are objects).
    for name in LIST_PAGES:
        per_line = {cls: n for cls, n in many_objects[name].items() if cls not in NAMED}
        assert not per_line, f"{name} loads ORM objects per listed line: {per_line}"
        rows_of_lines = {cls: (few_objects[name][cls], n) for cls, n in many_objects[name].items()
                         if cls in {"Account", "Thread"} and n > few_objects[name][cls]}
        assert not rows_of_lines, f"{name} loads more accounts or threads for more lines: {rows_of_lines}"

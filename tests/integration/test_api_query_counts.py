"""The API's lists read rows: each issues as many SQL statements for 12 units of content as for 2, loads no ORM
object per listed item, and answers exactly what the schemas make of the ORM objects (the JSON the lists gave
when they loaded objects).

The world is ``test_query_counts``'s (items by different authors of different parties), with what the API shows
of an item beyond a page's line: alerts with translations by other parties, updates and cancellations whose
chain of earlier messages grows with every unit, documents for named parties, pinned threads, deleted replies.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cmc.extensions import db
from cmc.models import Account, Membership, Party, Reply, Thread
from cmc.schemas import AlertSchema, DocumentSchema, ReplySchema, ThreadSchema
from cmc.services import alerts, documents, networks
from tests.integration.test_query_counts import (
    FEW,
    MAIN,
    MANY,
    NAMED,
    SEARCH_WORD,
    VIEWER_PARTY,
    World,
    counting,
    grow,
    loading,
    make_world,
)


@pytest.fixture
def world(app: Flask, make_party: Callable[..., Party], make_account: Callable[..., Account]) -> World:
    """``test_query_counts``'s world, no units yet."""
    return make_world(make_party, make_account)


def _grow_for_api(world: World, make_party: Callable[..., Party], make_account: Callable[..., Account],
                  upto: int) -> None:
    """Grow the world to ``upto`` units, then give each new unit what only the API shows: its alert translated
    (by the previous unit's member, so by another party) and updated, every other update cancelled, one chain
    updated once per unit (its references grow), its document for named parties, its thread pinned every other
    unit, its reply in the measured thread deleted every third unit."""
    done = len(world.units_made)
    grow(world, make_party, make_account, upto)
    for index in range(done, upto):
        unit = world.units_made[index]
        member = unit["member"]
        translator = world.units_made[index - 1]["member"] if index else world.viewer
        alerts.translate(translator, unit["alert"], alerts.TranslationInput(
            language="es", headline=f"Embarcación vista por {unit['code']}"))
        update = alerts.revise(member, unit["alert"], _words(f"Vessel turned back, seen by {unit['code']}"))
        if index % 2:
            alerts.cancel(member, update.id, "Vessel gone.")
        first = world.units_made[0]
        if index == 0:
            first["chain_head"] = update.id  # the first unit's update starts the long chain
        else:
            first["chain_head"] = alerts.revise(member, first["chain_head"],
                                                _words(f"Chain updated by {unit['code']}")).id
        documents.change_audience(world.admin, unit["document"], "named", [unit["code"], VIEWER_PARTY])
        if index % 2 == 0:
            networks.set_pinned(world.viewer, unit["thread"], True)
        if index % 3 == 0:
            networks.delete_reply(world.viewer, unit["reply"])


def _words(headline: str) -> alerts.AlertInput:
    return alerts.AlertInput(infos=[alerts.InfoInput(
        headline=headline, event="Suspected smuggling vessel", severity="Moderate", urgency="Expected",
        certainty="Likely", category="Security", description="Update.", instruction="Stand by.",
        area_desc="Windward Passage", geocodes=[VIEWER_PARTY])])


def _lists(world: World) -> dict[str, str]:
    return {
        "alerts": "/api/v1/alerts",
        "network alerts, filtered": f"/api/v1/alerts?network={MAIN}&severity=Severe&status=Actual",
        "members": f"/api/v1/networks/{MAIN}/members",
        "threads": f"/api/v1/networks/{MAIN}/threads",
        "thread's replies": f"/api/v1/threads/{world.thread_id}",
        "documents": "/api/v1/documents",
        "search results": f"/api/v1/documents?q={SEARCH_WORD}",
    }


def _measure(app: Flask, client: FlaskClient, world: World) -> dict[str, tuple[list[str], Counter[str], Any]]:
    """Each list's statements, the ORM objects it loaded, and its answer (after a first GET)."""
    found = {}
    for name, path in _lists(world).items():
        assert client.get(path).status_code == 200, path
        db.session.commit()
        with counting(app) as statements, loading() as loaded:
            response = client.get(path)
        assert response.status_code == 200, (name, response.get_data(as_text=True))
        found[name] = (statements, loaded, response.get_json())
    return found


def _dumped(schema: Any, objects: Any) -> Any:
    """What the API answered when it dumped ORM objects (through JSON, as the client reads it)."""
    return json.loads(json.dumps(schema.dump(objects)))


def _from_objects(world: World) -> dict[str, Any]:
    """The items each list gave when it loaded ORM objects, made here from the objects themselves."""
    db.session.expire_all()
    viewer = db.session.get(Account, world.viewer.id)
    assert viewer is not None
    main = networks.entry(MAIN)
    threads = db.session.scalars(
        select(Thread).where(Thread.network_id == main.id, Thread.deleted_at.is_(None))
        .order_by(Thread.pinned_at.is_(None), Thread.pinned_at.desc(), Thread.last_activity_at.desc(),
                  Thread.id.desc()).limit(20))
    members = db.session.execute(
        select(Account, Membership.role).join(Membership, Membership.account_id == Account.id)
        .join(Party, Party.id == Account.party_id).where(Membership.network_id == main.id)
        .order_by(Party.name, Account.name, Account.id).limit(100))
    return {
        "alerts": _dumped(AlertSchema(many=True), db.session.scalars(alerts.list_query(viewer).limit(50))),
        "network alerts, filtered": _dumped(AlertSchema(many=True), db.session.scalars(
            alerts.list_query(viewer, network=main, severity="Severe", status="Actual").limit(50))),
        "members": [{"account_id": account.id, "name": account.name, "party": account.party.code, "role": str(role)}
                    for account, role in members],
        "threads": _dumped(ThreadSchema(many=True), threads),
        "thread's replies": _dumped(ReplySchema(many=True), db.session.scalars(
            select(Reply).where(Reply.thread_id == world.thread_id).order_by(Reply.id).limit(50))),
        "documents": _dumped(DocumentSchema(many=True), db.session.scalars(
            documents.list_query(viewer, documents.DocumentFilter()).limit(25))),
        "search results": _dumped(DocumentSchema(many=True), db.session.scalars(
            documents.list_query(viewer, documents.DocumentFilter(query=SEARCH_WORD)).limit(25))),
    }


def _items(answer: Any) -> Any:
    return answer["replies"] if "replies" in answer else answer["items"]


def test_api_lists_issue_as_many_statements_for_many_items_as_for_few_and_load_no_object_per_item(
        app: Flask, world: World, make_party: Callable[..., Party], make_account: Callable[..., Account],
        sign_in: Callable[..., Any]) -> None:
    _grow_for_api(world, make_party, make_account, FEW)
    client = app.test_client()
    assert sign_in(client, world.viewer).status_code == 302
    few = _measure(app, client, world)
    _grow_for_api(world, make_party, make_account, MANY)
    many = _measure(app, client, world)

    for name, (_statements, _loaded, answer) in many.items():
        assert len(_items(answer)) > len(_items(few[name][2])), f"{name}: more content shows more items"
    grown = {name: (len(few[name][0]), len(many[name][0])) for name in few if len(few[name][0]) != len(many[name][0])}
    assert not grown, f"statements per API list grow with the items listed (few -> many): {grown}"
    for name, (_statements, loaded, _answer) in many.items():
        per_item = {cls: n for cls, n in loaded.items() if cls not in NAMED}
        assert not per_item, f"{name} loads ORM objects per listed item: {per_item}"
        more = {cls: (few[name][1][cls], n) for cls, n in loaded.items() if n > few[name][1][cls]}
        assert not more, f"{name} loads more objects for more items: {more}"

    # The rows answer exactly what the objects gave: every field, in order, chains and translators included.
    expected = _from_objects(world)
    for name, (_statements, _loaded, answer) in many.items():
        assert _items(answer) == expected[name], f"{name}: the answer differs from the objects' dump"
    listed = _items(many["alerts"][2])
    assert any(len(alert["references_chain"]) >= MANY for alert in listed), "the long chain is listed"
    assert any(info["translated_by"] for alert in listed for info in alert["infos"]), "translations are listed"
    assert any(document["named_parties"] for document in _items(many["documents"][2]))
    assert any(reply["deleted"] for reply in _items(many["thread's replies"][2]))
    assert any(thread["pinned"] for thread in _items(many["threads"][2]))

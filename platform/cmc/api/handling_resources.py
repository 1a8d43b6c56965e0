"""Handling endpoints of the API: an item's marking, release requests and their decisions (issue 18).

An item is an alert, a document or a thread; each has the same three routes (``/alerts/<id>/handling``,
``/documents/<id>/releases``...), declared once per kind so the OpenAPI document names each path. An item the
caller may not read answers 404, whatever the route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields
from sqlalchemy import select

from cmc.api import BadRequestBody, bp, json_body
from cmc.api.spec import operation
from cmc.extensions import db
from cmc.http.access import Access
from cmc.models import Account, Party, ReleaseRequest
from cmc.permissions.handling import Item
from cmc.schemas.common import Shape, With
from cmc.schemas.handling import (
    HandlingInputSchema,
    HandlingSchema,
    ReleaseDecisionInputSchema,
    ReleaseRequestInputSchema,
    ReleaseRequestSchema,
)
from cmc.services import handling
from cmc.services.handling import releases

#: The path word of each kind of item. The path argument is named as on the item's own routes (``alert_id``...):
#: the network scope check (``cmc.web.scope``) reads it by that name.
KINDS = {"alerts": "alert", "documents": "document", "threads": "thread"}


class ReleaseHistorySchema(Shape):
    """The release requests of one item the caller sees, newest first: every one for the originating party,
    those of the caller's party otherwise."""

    items = fields.List(fields.Nested(ReleaseRequestSchema))


class ReleaseListSchema(Shape):
    """My party's release requests: those I made, and those waiting for my party's decision."""

    made = fields.List(fields.Nested(ReleaseRequestSchema))
    to_decide = fields.List(fields.Nested(ReleaseRequestSchema))


def _actor() -> Account:
    return current_user._get_current_object()


def _code(party_id: int | None) -> str:
    party = db.session.get(Party, party_id) if party_id is not None else None
    return party.code if party is not None else ""


def shown(release: ReleaseRequest) -> With:
    """A release request with the party codes ``ReleaseRequestSchema`` reads."""
    return With(release, origin_party_code=_code(release.origin_party_id),
                requester_party_code=_code(release.requester_party_id), party_code=_code(release.party_id))


def release_json(release: ReleaseRequest) -> dict[str, Any]:
    """A release request as ``ReleaseRequestSchema`` shows it (the parties by code)."""
    return ReleaseRequestSchema().dump(shown(release))


def _grid(data: dict[str, Any], key: str, current: Any) -> Any:
    """A sent evaluation value, or the item's own when the key is absent (a code change keeps it)."""
    return data.get(key, current.value if current is not None else None)


def put_handling(kind: str, item_id: int) -> Any:
    """Change an item's marking: 422 for a bad code, evaluation or H3 without text; 403 for lowering it (or
    changing the evaluation) by anyone but the originating party's author or focal point."""
    data = json_body()
    actor = _actor()
    item: Item = releases.load_item(actor, kind, item_id)
    current = handling.marking_of(item)
    marking = handling.validate(data.get("handling_code", current.code.value),
                                data.get("handling_text", current.text),
                                _grid(data, "source_reliability", current.reliability),
                                _grid(data, "info_accuracy", current.accuracy))
    handling.change(actor, item, marking)
    return jsonify(HandlingSchema().dump(item))


def get_releases(kind: str, item_id: int) -> Any:
    """The release requests of an item the caller sees."""
    actor = _actor()
    item = releases.load_item(actor, kind, item_id)
    return jsonify(ReleaseHistorySchema().dump({"items": [shown(r) for r in releases.history(actor, item)]}))


def _optional_id(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequestBody(_("%(field)s must be a number.", field=key), fields={key: "type"})
    return value if 0 < value < 2**31 else 0


def post_release(kind: str, item_id: int) -> Any:
    """Ask the originating party to release an H2 item."""
    data = json_body()
    actor = _actor()
    item = releases.load_item(actor, kind, item_id)
    party_id: int | None = None
    if isinstance(data.get("party"), str):
        party_id = db.session.scalar(select(Party.id).where(Party.code == data["party"].strip().upper())) or 0
    reason = data.get("reason")
    release = releases.request(actor, item, purpose=data.get("purpose"),
                               reason=reason if isinstance(reason, str) else "",
                               network_id=_optional_id(data, "network_id"), party_id=party_id)
    return jsonify(release_json(release)), 201


def _register(path: str, kind: str) -> None:
    """Declare the three item routes of one kind."""
    views: list[tuple[str, str, Callable[..., Any], Any]] = [
        ("handling", "PUT", put_handling, operation(
            Access.SIGNED_IN, summary=f"Change the {kind}'s handling code (and evaluation)", tags=["handling"],
            body=HandlingInputSchema, answers={200: ("The new marking", HandlingSchema)},
            description="Raising the code: the originating party and whoever moderates the network. Lowering it "
                        "or changing H3's text or the evaluation: the originating party's author or focal point "
                        "alone (403 otherwise). A key left out keeps its value.")),
        ("releases", "GET", get_releases, operation(
            Access.SIGNED_IN, summary=f"The {kind}'s release requests I see", tags=["handling"],
            answers={200: ("Newest first", ReleaseHistorySchema)})),
        ("releases", "POST", post_release, operation(
            Access.SIGNED_IN, summary=f"Ask the originating party to release an H2 {kind}", tags=["handling"],
            body=ReleaseRequestInputSchema, answers={201: ("The request", ReleaseRequestSchema)},
            description="403: the item is not H2, or is my own party's. 422: no reason, or a network or party "
                        "outside what the item reaches (a release never widens the audience).")),
    ]
    argument = f"{kind}_id"
    for tail, method, view, declared in views:
        # The ask has a path of its own: two rules of one path with an id differ only by method, and an id out
        # of range would then answer 405 instead of 404 (werkzeug checks the method before the converter).
        tail = "releases/ask" if view is post_release else tail
        def bound(_view: Callable[..., Any] = view, **path_args: int) -> Any:
            return _view(kind, path_args[argument])

        bound.__name__ = f"{kind}_{tail.replace('/', '_')}_{method.lower()}"
        bound.__doc__ = view.__doc__
        bp.add_url_rule(f"/{path}/<int:{argument}>/{tail}", endpoint=bound.__name__, view_func=declared(bound),
                        methods=[method])


for _path, _kind in KINDS.items():
    _register(_path, _kind)


@bp.get("/releases")
@operation(Access.SIGNED_IN, summary="Release requests I made, and those waiting for my party's decision",
           tags=["handling"], answers={200: ("My requests and those to decide", ReleaseListSchema)})
def list_releases() -> Any:
    """My release requests and those my party decides."""
    actor = _actor()
    made = db.session.scalars(select(ReleaseRequest).where(ReleaseRequest.requester_id == actor.id)
                              .order_by(ReleaseRequest.id.desc()))
    return jsonify(ReleaseListSchema().dump({"made": [shown(r) for r in made],
                                             "to_decide": [shown(r) for r in releases.pending_for(actor)]}))


@bp.post("/releases/<int:release_id>/decision")
@operation(Access.SIGNED_IN, summary="Grant (for 1 to 365 days) or refuse a pending release request",
           tags=["handling"], body=ReleaseDecisionInputSchema, errors=(409,),
           answers={200: ("The decided request", ReleaseRequestSchema)},
           description="The originating party's focal point or the item's author (403 otherwise); 409 once decided.")
def decide_release(release_id: int) -> Any:
    """Decide a release request (a request of an item the caller may not read: 404 before the body is read)."""
    releases.open_release(_actor(), release_id)
    data = json_body()
    grant = data.get("grant")
    if not isinstance(grant, bool):
        raise BadRequestBody(_("grant is required: true or false."), fields={"grant": "required"})
    days = data.get("days", releases.DEFAULT_DAYS)
    if not isinstance(days, int) or isinstance(days, bool):
        raise BadRequestBody(_("days must be a number."), fields={"days": "type"})
    note = data.get("note", "")
    release = releases.decide(_actor(), release_id, grant=grant, note=note if isinstance(note, str) else "",
                              days=days)
    return jsonify(release_json(release))


@bp.post("/releases/<int:release_id>/withdraw")
@operation(Access.SIGNED_IN, summary="Withdraw my release request (or end my grant early)", tags=["handling"],
           errors=(409,), answers={200: ("The withdrawn request", ReleaseRequestSchema)})
def withdraw_release(release_id: int) -> Any:
    """Withdraw a release request I made."""
    return jsonify(release_json(releases.withdraw(_actor(), release_id)))

"""Network and discussion endpoints of the API; ``@operation`` declares each one's OpenAPI operation."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from cmc import permissions
from cmc.api import BadRequestBody, bp, json_body
from cmc.api.spec import operation
from cmc.http.access import Access
from cmc.http.pagination import paginate
from cmc.models import Account
from cmc.models.types import parse_id
from cmc.schemas import (
    MemberAddedSchema,
    MemberPageSchema,
    NetworkDetailSchema,
    NetworkListSchema,
    ReplySchema,
    ThreadPageSchema,
    ThreadSchema,
    ThreadWithRepliesSchema,
)
from cmc.schemas.bodies import MemberInputSchema, ReplyInputSchema
from cmc.schemas.common import With
from cmc.schemas.networks import ThreadCreateInputSchema
from cmc.schemas.queries import PageQuerySchema, ThreadQuerySchema
from cmc.services import handling, networks
from cmc.services.networks.threads import handling_filter, record_read


def _actor() -> Account:
    return current_user._get_current_object()


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise BadRequestBody(_("%(field)s is required and must be a string.", field=key), fields={key: "required"})
    return value


@bp.get("/networks")
@operation(Access.SIGNED_IN, summary="Every network with its counts and my role (content needs membership)",
           tags=["networks"], answers={200: ("Networks by name", NetworkListSchema)})
def list_networks() -> Any:
    """The network directory."""
    entries = networks.directory(_actor())
    return jsonify(NetworkListSchema().dump(SimpleNamespace(items=entries)))


@bp.get("/networks/<slug>")
@operation(Access.SIGNED_IN, summary="A network I may read", tags=["networks"],
           answers={200: ("The network", NetworkDetailSchema)})
def get_network(slug: str) -> Any:
    """One network, with its charter (members only)."""
    network = networks.open_network(_actor(), slug)
    role = permissions.network_role(_actor(), network)
    return jsonify(NetworkDetailSchema().dump(SimpleNamespace(network=network, my_role=role)))


@bp.get("/networks/<slug>/members")
@operation(Access.SIGNED_IN, summary="Members by party, 100 a page", tags=["networks"], query=PageQuerySchema,
           answers={200: ("Members", MemberPageSchema)})
def list_members(slug: str) -> Any:
    """Members of a network."""
    network = networks.open_network(_actor(), slug)
    page = paginate(networks.member_json_query(_actor(), network), per_page=100, scalars=False)
    members = [{"account_id": account_id, "name": name, "party": party, "role": role}
               for account_id, name, party, role in page.items]
    return jsonify(MemberPageSchema().dump(With(page, items=members)))


@bp.post("/networks/<slug>/members")
@operation(Access.SIGNED_IN, summary="Add an account to the network, or change its role there", tags=["networks"],
           body=MemberInputSchema, answers={201: ("The membership", MemberAddedSchema)})
def add_member(slug: str) -> Any:
    """Add a member."""
    data = json_body()
    account_id = data.get("account_id")
    if not isinstance(account_id, int) or isinstance(account_id, bool):
        raise BadRequestBody(_("account_id is required and must be a number."), fields={"account_id": "required"})
    # An id the database cannot hold is the id of nobody (0), not a query that fails.
    membership = networks.add_member(_actor(), slug, parse_id(account_id) or 0, str(data.get("role", "member")))
    return jsonify(MemberAddedSchema().dump(membership)), 201


@bp.delete("/networks/<slug>/members/<int:account_id>")
@operation(Access.SIGNED_IN, summary="Remove an account from the network (it loses access at once)", tags=["networks"],
           answers={204: "Removed"})
def remove_member(slug: str, account_id: int) -> Any:
    """Remove a member."""
    networks.remove_member(_actor(), slug, account_id)
    return "", 204


@bp.get("/networks/<slug>/threads")
@operation(Access.SIGNED_IN, summary="Threads, pinned first then by latest activity, 20 a page", tags=["discussions"],
           query=ThreadQuerySchema, errors=(400,), answers={200: ("One page of threads", ThreadPageSchema)},
           description="An H2 thread whose originator has not released it to the caller's party is listed as a "
                       "placeholder: restricted true, no title or text.")
def list_threads(slug: str) -> Any:
    """Threads of a network (``?handling=H2``: those marked H2)."""
    actor = _actor()
    network = networks.open_network(actor, slug)
    raw = request.args.get("handling")
    code = handling_filter(raw)
    if raw and code is None:
        raise BadRequestBody(_("Choose a handling code from H0 to H3."), fields={"handling": "choice"})
    page = paginate(networks.thread_json_query(actor, network, code), per_page=20,
                    load=lambda statement: networks.load_thread_json_rows(statement, network, actor))
    return jsonify(ThreadPageSchema().dump(page))


@bp.post("/networks/<slug>/threads")
@operation(Access.SIGNED_IN, summary="Start a thread (members who are not observers)", tags=["discussions"],
           body=ThreadCreateInputSchema, errors=(410,), answers={201: ("The new thread", ThreadSchema)})
def create_thread(slug: str) -> Any:
    """Start a thread (a code outside H0-H3, or H3 without its text: 422)."""
    data = json_body()
    title, body = _string(data, "title"), _string(data, "body")
    marking = handling.validate(data.get("handling_code", "H0"), data.get("handling_text", ""))
    thread = networks.create_thread(_actor(), slug, title, body, marking)
    return jsonify(networks.thread_json(thread)), 201


@bp.get("/threads/<int:thread_id>")
@operation(Access.SIGNED_IN, summary="A thread with one page (50) of its replies, oldest first", tags=["discussions"],
           query=PageQuerySchema, errors=(410,), answers={200: ("The thread", ThreadWithRepliesSchema)},
           description="403 handling_restricted: an H2 thread its originator has not released to the caller's party.")
def get_thread(thread_id: int) -> Any:
    """A thread and its replies (an H2 thread only for its originating party or under a release)."""
    actor = _actor()
    thread = networks.open_thread(actor, thread_id)
    handling.require_export(actor, thread, "api")
    record_read(actor, thread)
    page = paginate(networks.reply_json_query(thread), per_page=50, load=networks.load_reply_json_rows)
    return jsonify(ThreadWithRepliesSchema().dump(With(thread, replies=page.items, page=page.number,
                                                       has_next=page.has_next)))


@bp.post("/threads/<int:thread_id>/replies")
@operation(Access.SIGNED_IN, summary="Reply in a thread", tags=["discussions"], body=ReplyInputSchema, errors=(410,),
           answers={201: ("The reply", ReplySchema)})
def create_reply(thread_id: int) -> Any:
    """Reply in a thread."""
    data = json_body()
    reply = networks.add_reply(_actor(), thread_id, _string(data, "body"))
    return jsonify(networks.reply_json(reply)), 201

"""Network endpoints of the API. Each docstring's YAML after ``---`` is its OpenAPI operation."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from cmc import permissions
from cmc.api import BadRequestBody, bp, json_body
from cmc.http.access import Access, access
from cmc.http.pagination import paginate
from cmc.models import Account
from cmc.models.types import parse_id
from cmc.schemas import (
    MemberAddedSchema,
    MemberPageSchema,
    NetworkDetailSchema,
    NetworkListSchema,
    ThreadPageSchema,
    ThreadWithRepliesSchema,
)
from cmc.schemas.common import With
from cmc.services import networks


def _actor() -> Account:
    return current_user._get_current_object()


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise BadRequestBody(_("%(field)s is required and must be a string.", field=key), fields={key: "required"})
    return value


@bp.get("/networks")
@access(Access.SIGNED_IN)
def list_networks() -> Any:
    """The network directory.
    ---
    get:
      summary: Every network with its counts and my role (content needs membership)
      tags: [networks]
      responses:
        200:
          description: Networks by name
          content:
            application/json:
              schema: {$ref: '#/components/schemas/NetworkList'}
        401: {$ref: '#/components/responses/Unauthenticated'}
    """
    entries = networks.directory(_actor())
    return jsonify(NetworkListSchema().dump(SimpleNamespace(items=entries)))


@bp.get("/networks/<slug>")
@access(Access.SIGNED_IN)
def get_network(slug: str) -> Any:
    """One network, with its charter (members only).
    ---
    get:
      summary: A network I may read
      tags: [networks]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      responses:
        200:
          description: The network
          content:
            application/json:
              schema: {$ref: '#/components/schemas/NetworkDetail'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    network = networks.open_network(_actor(), slug)
    role = permissions.network_role(_actor(), network)
    return jsonify(NetworkDetailSchema().dump(SimpleNamespace(network=network, my_role=role)))


@bp.get("/networks/<slug>/members")
@access(Access.SIGNED_IN)
def list_members(slug: str) -> Any:
    """Members of a network.
    ---
    get:
      summary: Members by party, 100 a page
      tags: [networks]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
      responses:
        200:
          description: Members
          content:
            application/json:
              schema: {$ref: '#/components/schemas/MemberPage'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    network = networks.open_network(_actor(), slug)
    page = paginate(networks.members_query(_actor(), network), per_page=100, scalars=False)
    members = [{"account_id": account.id, "name": account.name, "party": account.party.code, "role": role}
               for account, role in page.items]
    return jsonify(MemberPageSchema().dump(With(page, items=members)))


@bp.post("/networks/<slug>/members")
@access(Access.SIGNED_IN)
def add_member(slug: str) -> Any:
    """Add a member.
    ---
    post:
      summary: Add an account to the network, or change its role there
      tags: [networks]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [account_id]
              properties:
                account_id: {type: integer}
                role: {type: string, enum: [member, coordinator]}
      responses:
        201:
          description: The membership
          content:
            application/json:
              schema: {$ref: '#/components/schemas/MemberAdded'}
        400: {$ref: '#/components/responses/BadRequest'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    data = json_body()
    account_id = data.get("account_id")
    if not isinstance(account_id, int) or isinstance(account_id, bool):
        raise BadRequestBody(_("account_id is required and must be a number."), fields={"account_id": "required"})
    # An id the database cannot hold is the id of nobody (0), not a query that fails.
    membership = networks.add_member(_actor(), slug, parse_id(account_id) or 0, str(data.get("role", "member")))
    return jsonify(MemberAddedSchema().dump(membership)), 201


@bp.delete("/networks/<slug>/members/<int:account_id>")
@access(Access.SIGNED_IN)
def remove_member(slug: str, account_id: int) -> Any:
    """Remove a member.
    ---
    delete:
      summary: Remove an account from the network (it loses access at once)
      tags: [networks]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: account_id, in: path, required: true, schema: {type: integer}}
      responses:
        204: {description: Removed}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    networks.remove_member(_actor(), slug, account_id)
    return "", 204


@bp.get("/networks/<slug>/threads")
@access(Access.SIGNED_IN)
def list_threads(slug: str) -> Any:
    """Threads of a network.
    ---
    get:
      summary: Threads, pinned first then by latest activity, 20 a page
      tags: [discussions]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
      responses:
        200:
          description: One page of threads
          content:
            application/json:
              schema: {$ref: '#/components/schemas/ThreadPage'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    network = networks.open_network(_actor(), slug)
    page = paginate(networks.threads_query(_actor(), network), per_page=20, scalars=False)
    return jsonify(ThreadPageSchema().dump(With(page, items=[thread for thread, _seen in page.items])))


@bp.post("/networks/<slug>/threads")
@access(Access.SIGNED_IN)
def create_thread(slug: str) -> Any:
    """Start a thread.
    ---
    post:
      summary: Start a thread (members who are not observers)
      tags: [discussions]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title, body]
              properties:
                title: {type: string, maxLength: 200}
                body: {type: string, description: Markdown}
      responses:
        201:
          description: The new thread
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thread'}
        400: {$ref: '#/components/responses/BadRequest'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        410: {$ref: '#/components/responses/Gone'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    data = json_body()
    thread = networks.create_thread(_actor(), slug, _string(data, "title"), _string(data, "body"))
    return jsonify(networks.thread_json(thread)), 201


@bp.get("/threads/<int:thread_id>")
@access(Access.SIGNED_IN)
def get_thread(thread_id: int) -> Any:
    """A thread and its replies.
    ---
    get:
      summary: A thread with one page (50) of its replies, oldest first
      tags: [discussions]
      parameters:
        - {name: thread_id, in: path, required: true, schema: {type: integer}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
      responses:
        200:
          description: The thread
          content:
            application/json:
              schema: {$ref: '#/components/schemas/ThreadWithReplies'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
        410: {$ref: '#/components/responses/Gone'}
    """
    thread = networks.open_thread(_actor(), thread_id)
    page = paginate(networks.replies_query(thread), per_page=50)
    return jsonify(ThreadWithRepliesSchema().dump(With(thread, replies=page.items, page=page.number,
                                                       has_next=page.has_next)))


@bp.post("/threads/<int:thread_id>/replies")
@access(Access.SIGNED_IN)
def create_reply(thread_id: int) -> Any:
    """Reply in a thread.
    ---
    post:
      summary: Reply in a thread
      tags: [discussions]
      parameters:
        - {name: thread_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [body]
              properties:
                body: {type: string, description: Markdown}
      responses:
        201:
          description: The reply
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Reply'}
        400: {$ref: '#/components/responses/BadRequest'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        404: {$ref: '#/components/responses/NotFound'}
        410: {$ref: '#/components/responses/Gone'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    data = json_body()
    reply = networks.add_reply(_actor(), thread_id, _string(data, "body"))
    return jsonify(networks.reply_json(reply)), 201

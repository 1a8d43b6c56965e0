"""API endpoints. Each docstring's YAML after ``---`` is its OpenAPI operation (read by apispec)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import g, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cmc.api import BadRequestBody, bp, json_body
from cmc.http.access import Access, access
from cmc.schemas import PartyListSchema, PartySchema, TokenListSchema, TokenWithSecretSchema
from cmc.schemas.common import With
from cmc.services import auth, directory, parties
from cmc.services.errors import DeniedError


@bp.get("/me")
@access(Access.SIGNED_IN)
def me() -> Any:
    """Who is calling.
    ---
    get:
      summary: The signed-in account
      tags: [accounts]
      responses:
        200:
          description: The account, its party and networks
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Me'}
        401: {$ref: '#/components/responses/Unauthenticated'}
    """
    return jsonify(directory.describe(current_user._get_current_object()))


@bp.get("/parties")
@access(Access.SIGNED_IN)
def list_parties() -> Any:
    """The parties of the consultations.
    ---
    get:
      summary: List parties, retired ones included
      tags: [parties]
      responses:
        200:
          description: Every party, by name
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PartyList'}
        401: {$ref: '#/components/responses/Unauthenticated'}
    """
    return jsonify(PartyListSchema().dump(SimpleNamespace(items=parties.list_parties())))


@bp.post("/parties")
@access(Access.SIGNED_IN)
def create_party() -> Any:
    """Add a party.
    ---
    post:
      summary: Add a party (secretariat)
      tags: [parties]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/PartyInput'}
      responses:
        201:
          description: The new party
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Party'}
        400: {$ref: '#/components/responses/BadRequest'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        409: {$ref: '#/components/responses/Conflict'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    data = json_body()
    for key in ("code", "name", "kind", "status"):
        if not isinstance(data.get(key), str):
            raise BadRequestBody(_("%(field)s is required and must be a string.", field=key), fields={key: "required"})
    languages = data.get("languages", ["en"])
    if isinstance(languages, list):
        languages = ";".join(str(x) for x in languages)
    if not isinstance(languages, str):
        raise BadRequestBody(_("languages must be a list of language codes."), fields={"languages": "type"})
    party = parties.create_party(
        current_user._get_current_object(),
        parties.PartyInput(code=data["code"], name=data["name"], kind=data["kind"], status=data["status"],
                           languages=languages, founding=bool(data.get("founding", False))),
    )
    return jsonify(PartySchema().dump(party)), 201


@bp.get("/tokens")
@access(Access.SIGNED_IN)
def list_tokens() -> Any:
    """The caller's personal access tokens.
    ---
    get:
      summary: List my personal access tokens (metadata only)
      tags: [tokens]
      responses:
        200:
          description: Tokens, newest first
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TokenList'}
        401: {$ref: '#/components/responses/Unauthenticated'}
    """
    return jsonify(TokenListSchema().dump(SimpleNamespace(items=auth.list_tokens(current_user._get_current_object()))))


@bp.post("/tokens")
@access(Access.SIGNED_IN)
def create_token() -> Any:
    """Create a personal access token.
    ---
    post:
      summary: Create a token; the secret is in this answer only
      tags: [tokens]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/TokenInput'}
      responses:
        201:
          description: The token, with its secret shown once
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TokenWithSecret'}
        400: {$ref: '#/components/responses/BadRequest'}
        401: {$ref: '#/components/responses/Unauthenticated'}
        403: {$ref: '#/components/responses/Forbidden'}
        415: {$ref: '#/components/responses/UnsupportedMediaType'}
        422: {$ref: '#/components/responses/ValidationFailed'}
    """
    if g.get("access_token") is not None:
        # A token cannot outlive itself by minting others: new tokens need a signed-in person.
        raise DeniedError(_("Create tokens while signed in, not with another token."), action="token.create",
                          target_type="token")
    data = json_body()
    name = data.get("name")
    days = data.get("expires_in_days")
    if not isinstance(name, str):
        raise BadRequestBody(_("name is required and must be a string."), fields={"name": "required"})
    if days is not None and (not isinstance(days, int) or isinstance(days, bool)):
        raise BadRequestBody(_("expires_in_days must be a whole number of days."),
                             fields={"expires_in_days": "type"})
    token, secret = auth.create_token(current_user._get_current_object(), name, expires_in_days=days)
    body = TokenWithSecretSchema().dump(With(token, secret=secret))
    return jsonify(body), 201, {"Location": url_for("api.list_tokens")}


@bp.delete("/tokens/<int:token_id>")
@access(Access.SIGNED_IN)
def revoke_token(token_id: int) -> Any:
    """Revoke a token.
    ---
    delete:
      summary: Revoke one of my tokens (secretariat, anyone's)
      tags: [tokens]
      parameters:
        - {name: token_id, in: path, required: true, schema: {type: integer}}
      responses:
        204: {description: Revoked}
        401: {$ref: '#/components/responses/Unauthenticated'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    auth.revoke_token(current_user._get_current_object(), token_id)
    return "", 204

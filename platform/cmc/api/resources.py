"""API endpoints of accounts, parties and tokens; ``@operation`` declares each one's OpenAPI operation."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import g, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cmc.api import BadRequestBody, bp, json_body
from cmc.api.spec import operation
from cmc.http.access import Access
from cmc.schemas import (
    MeSchema,
    PartyInputSchema,
    PartyListSchema,
    PartySchema,
    TokenInputSchema,
    TokenListSchema,
    TokenWithSecretSchema,
)
from cmc.schemas.common import With
from cmc.services import auth, directory, parties
from cmc.services.errors import DeniedError


@bp.get("/me")
@operation(Access.SIGNED_IN, summary="The signed-in account", tags=["accounts"],
           answers={200: ("The account, its party and networks", MeSchema)})
def me() -> Any:
    """Who is calling."""
    return jsonify(directory.describe(current_user._get_current_object()))


@bp.get("/parties")
@operation(Access.SIGNED_IN, summary="List parties, retired ones included", tags=["parties"],
           answers={200: ("Every party, by name", PartyListSchema)})
def list_parties() -> Any:
    """The parties of the consultations."""
    return jsonify(PartyListSchema().dump(SimpleNamespace(items=parties.list_parties())))


@bp.post("/parties")
@operation(Access.SIGNED_IN, summary="Add a party (secretariat)", tags=["parties"], body=PartyInputSchema,
           errors=(409,), answers={201: ("The new party", PartySchema)})
def create_party() -> Any:
    """Add a party."""
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
                           languages=languages, founding=bool(data.get("founding", False)),
                           population=data.get("population")),
    )
    return jsonify(PartySchema().dump(party)), 201


@bp.get("/tokens")
@operation(Access.SIGNED_IN, summary="List my personal access tokens (metadata only)", tags=["tokens"],
           answers={200: ("Tokens, newest first", TokenListSchema)})
def list_tokens() -> Any:
    """The caller's personal access tokens."""
    return jsonify(TokenListSchema().dump(SimpleNamespace(items=auth.list_tokens(current_user._get_current_object()))))


@bp.post("/tokens")
@operation(Access.SIGNED_IN, summary="Create a token; the secret is in this answer only", tags=["tokens"],
           body=TokenInputSchema, answers={201: ("The token, with its secret shown once", TokenWithSecretSchema)})
def create_token() -> Any:
    """Create a personal access token."""
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
@operation(Access.SIGNED_IN, summary="Revoke one of my tokens (secretariat, anyone's)", tags=["tokens"],
           answers={204: "Revoked"})
def revoke_token(token_id: int) -> Any:
    """Revoke a token."""
    auth.revoke_token(current_user._get_current_object(), token_id)
    return "", 204

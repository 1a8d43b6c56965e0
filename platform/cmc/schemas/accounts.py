"""Parties, the caller's account and personal access tokens."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import Length, OneOf, Range, Regexp

from cmc.schemas.common import Input, NetworkRefSchema, Shape, nullable

PARTY_KINDS = ["state", "territory", "organization"]
PARTY_STATUSES = ["member", "observer", "support"]


class PartySchema(Shape):
    """A party of the consultations."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String(validate=OneOf(PARTY_KINDS))
    status = fields.String(validate=OneOf(PARTY_STATUSES))
    languages = fields.List(fields.String(), attribute="language_list")
    founding = fields.Boolean()
    retired = fields.Boolean()
    population = nullable(fields.Integer, metadata={"description": "Resident population (null: not known); a roll "
                                                                  "call answer above it asks for confirmation"})


class PartyInputSchema(Input):
    """A new party (secretariat)."""

    code = fields.String(required=True, validate=Regexp(r"^[A-Z][A-Z0-9]{1,11}$"))
    name = fields.String(required=True, validate=Length(max=120))
    kind = fields.String(required=True, validate=OneOf(PARTY_KINDS))
    status = fields.String(required=True, validate=OneOf(PARTY_STATUSES))
    languages = fields.List(fields.String())
    founding = fields.Boolean()
    population = nullable(fields.Integer, metadata={"minimum": 0, "description": "Resident population (left out "
                                                                                 "or null: not known)"})


class MyPartySchema(Shape):
    """The caller's party, briefly."""

    code = fields.String()
    name = fields.String()
    status = fields.String()


class MyNetworkSchema(NetworkRefSchema):
    """A network the caller belongs to."""

    role = fields.String(validate=OneOf(["coordinator", "member"]))
    archived = fields.Boolean()


def _my_networks(account: object) -> list[dict[str, object]]:
    from cmc.services.networks import networks_of  # services use these schemas: imported when dumping

    return MyNetworkSchema(many=True).dump(networks_of(account))


class MeSchema(Shape):
    """The signed-in account, its party and networks."""

    id = fields.Integer()
    email = fields.Email()
    name = fields.String()
    title = fields.String()
    role = fields.String(validate=OneOf(["secretariat", "focal_point", "delegate"]))
    language = fields.String()
    timezone = fields.String()
    party = fields.Nested(MyPartySchema)
    networks = fields.Function(_my_networks, metadata={"type": "array", "items": {
        "$ref": "#/components/schemas/MyNetwork"}})


class TokenSchema(Shape):
    """A personal access token's metadata (never its secret)."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    expires_at = nullable(fields.DateTime)
    revoked = fields.Function(lambda token: token.revoked_at is not None, metadata={"type": "boolean"})
    last_used_at = nullable(fields.DateTime)


class TokenWithSecretSchema(TokenSchema):
    """A new token, with its secret: shown in this answer only."""

    secret = fields.String()


class TokenInputSchema(Input):
    """A new token."""

    name = fields.String(required=True, validate=Length(max=80))
    expires_in_days = nullable(fields.Integer, validate=Range(min=1, max=366))

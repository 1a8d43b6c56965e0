"""Alerts (CAP messages), their info blocks, acknowledgements and the acknowledgement grid."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_dump
from marshmallow.validate import Length, OneOf, Range

from cmc.schemas.common import Input, NetworkRefSchema, Shape, With, nullable
from cmc.schemas.handling import HandlingInputSchema, handling_field

LANGUAGES = ["en", "es", "fr", "nl"]
URGENCIES = ["Immediate", "Expected", "Future", "Past", "Unknown"]
SEVERITIES = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
CERTAINTIES = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"]
#: Why a party is not expected to acknowledge (``cmc.services.alerts.grid.Reason``).
GRID_REASONS = ["originating_party", "observer", "support_organisation", "retired_party", "not_in_network",
                "no_member"]


class AlertInfoSchema(Shape):
    """One info block of an alert (one language)."""

    language = fields.String(validate=OneOf(LANGUAGES))
    category = fields.String()
    event = fields.String(required=True)
    urgency = fields.String(validate=OneOf(URGENCIES))
    severity = fields.String(required=True, validate=OneOf(SEVERITIES))
    certainty = fields.String(validate=OneOf(CERTAINTIES))
    headline = fields.String(required=True, validate=Length(max=160))
    description = fields.String()
    instruction = fields.String()
    expires = nullable(fields.DateTime)
    area_desc = fields.String()
    geocodes = fields.List(fields.String())
    circle = fields.String()
    polygon = fields.String()
    translated_by = fields.Function(
        lambda info: info.added_by.party.code if info.added_by_id is not None and info.added_by else None,
        dump_only=True, metadata={"type": "string", "nullable": True, "description": (
            "The party of the member who translated this block after publication; null for the author's text")})
    translated_at = nullable(fields.DateTime, attribute="added_at", dump_only=True)


class AlertInputSchema(HandlingInputSchema):
    """A new alert, or a revision of one, with its marking: ``handling_code`` (H0-H3, H3 with its
    ``handling_text``) and the 4x4 evaluation (422 outside the grids). A new alert without them is H0 and not
    evaluated; an Update without any of them keeps the marking of the alert it references (an Update that
    lowers the code or changes the evaluation: 403 unless the caller is the originating party's author or
    focal point)."""

    status = fields.String(validate=OneOf(["Actual", "Exercise", "Test"]))
    restriction = fields.String(validate=Length(max=300))
    note = fields.String()
    ack_within_minutes = fields.Integer(validate=Range(min=5))
    submit = fields.Boolean(metadata={"description": "members: submit a draft for a coordinator"})
    infos = fields.List(fields.Nested(AlertInfoSchema), required=True, validate=Length(min=1))


class AlertNetworkSchema(NetworkRefSchema):
    """The network an alert was sent in."""


class ChainLinkSchema(Shape):
    """An earlier message of an alert's chain."""

    id = fields.Integer()
    identifier = fields.String()
    sender = fields.String()
    sent = fields.String(metadata={"description": "CAP date-time, e.g. 2026-11-28T10:00:00+00:00"})


#: One instance for every alert's chain: building a schema copies its fields (50 copies for a page of alerts).
_CHAIN_LINKS = ChainLinkSchema(many=True)


def _chain(alert: Any) -> list[dict[str, Any]]:
    from cmc.services import cap  # services use these schemas: imported when dumping
    from cmc.services.alerts import JsonAlertRow, earlier_messages

    if isinstance(alert, With):  # a list's row seen with its marking (``api.alert_resources.marked_rows``)
        alert = alert._obj
    # A list's row carries its chain, read with the page's other chains; an Alert walks its references.
    chain = alert.earlier_messages if isinstance(alert, JsonAlertRow) else earlier_messages(alert)
    return _CHAIN_LINKS.dump([
        {"id": earlier.id, "identifier": earlier.identifier, "sender": cap.sender_id(earlier),
         "sent": cap.cap_time(earlier.published_at or earlier.created_at)} for earlier in chain])


#: What a placeholder shows of an alert its reader may not export (``AlertSchema.restricted``).
PLACEHOLDER_FIELDS = ("id", "identifier", "network", "handling", "restricted", "infos")


class AlertSchema(Shape):
    """An alert as the API and live events show it. In a list, an H2 alert that no release lets leave for the
    reader's party is a placeholder: ``restricted`` true, only its id, identifier, network and marking, and no
    info blocks."""

    id = fields.Integer()
    identifier = fields.String()
    network = fields.Nested(AlertNetworkSchema)
    state = fields.String(validate=OneOf(["draft", "submitted", "returned", "published"]))
    status = fields.String()
    msg_type = fields.String(validate=OneOf(["Alert", "Update", "Cancel"]))
    references = nullable(fields.Integer, attribute="references_id",
                          metadata={"description": "The message this Update or Cancel directly follows"})
    references_chain = fields.Function(_chain, metadata={
        "type": "array", "items": {"$ref": "#/components/schemas/ChainLink"},
        "description": "Every earlier message of the chain, oldest first (what CAP references lists)"})
    restriction = fields.String()
    sender_party = fields.Function(lambda alert: alert.party.code, metadata={"type": "string"})
    author = fields.Function(lambda alert: alert.author.name, metadata={"type": "string"})
    sent = nullable(fields.DateTime, attribute="published_at")
    cancelled = fields.Function(lambda alert: alert.cancelled_at is not None, metadata={"type": "boolean"})
    superseded_by = nullable(fields.Integer, attribute="superseded_by_id",
                             metadata={"description": "The Update or Cancel that followed this message"})
    ack_within_minutes = nullable(fields.Integer, metadata={"description": "Parties should acknowledge "
                                                                           "within this many minutes"})
    handling = handling_field()
    restricted = fields.Function(lambda alert: bool(getattr(alert, "restricted", False)), metadata={
        "type": "boolean", "description": "A placeholder of an H2 alert its originator has not released to the "
                                          "reader's party: only id, identifier, network and handling are given, "
                                          "infos is empty (ask the originating party for a release)"})
    infos = fields.List(fields.Nested(AlertInfoSchema), metadata={"description": "Empty for a placeholder"})

    @post_dump
    def _placeholder(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """A restricted alert keeps only what says it exists and who to ask."""
        if data.get("restricted"):
            return {key: value for key, value in data.items() if key in PLACEHOLDER_FIELDS}
        return data


class AcknowledgementSchema(Shape):
    """My party's acknowledgement of an alert."""

    alert_id = fields.Integer()
    party = fields.String()
    acknowledged_at = nullable(fields.DateTime)


class GridRowSchema(Shape):
    """One party's line of an alert's acknowledgement grid."""

    party = fields.String(attribute="party_code")
    party_name = fields.String()
    delivered_at = nullable(fields.DateTime)
    opened_at = nullable(fields.DateTime)
    acknowledged_at = nullable(fields.DateTime)
    acknowledged_by = fields.String()
    overdue = fields.Boolean(metadata={"description": "Expected, not acknowledged, and past the alert's window"})
    expected = fields.Boolean(metadata={"description": "Whether the party is expected to acknowledge: a member "
                                                       "party of the network (not the sender, not an observer) "
                                                       "with at least one member in it"})
    reason = nullable(fields.String, validate=OneOf(GRID_REASONS), metadata={
        "description": "Why the party is not expected to acknowledge; null when it is"})
    delay_seconds = nullable(fields.Integer, metadata={
        "description": "Seconds from publication to the party's acknowledgement; null until it acknowledges"})


class GridSummarySchema(Shape):
    """The figures of a grid over the parties expected to acknowledge ("9 of 14 acknowledged, 3 overdue")."""

    expected = fields.Integer()
    acknowledged = fields.Integer()
    missing = fields.Integer()
    overdue = fields.Integer()


class GridSchema(Shape):
    """An alert's acknowledgement grid: the rows (expected parties first, the missing ones at the top, then the
    parties not expected), and the summary of the rows the reader may see."""

    items = fields.List(fields.Nested(GridRowSchema))
    summary = fields.Nested(GridSummarySchema)


class TranslationInputSchema(Input):
    """A translation of a published alert: the words in another language (the codes are the original's)."""

    language = fields.String(required=True, validate=OneOf(LANGUAGES), metadata={
        "description": "A language the platform offers that has no block by the author; a second translation "
                       "of a language replaces the first (the first is kept in the alert's history)"})
    headline = fields.String(required=True, validate=Length(min=1, max=160))
    event = fields.String(validate=Length(max=120), metadata={"description": "Empty: the original's event"})
    description = fields.String()
    instruction = fields.String()
    area_desc = fields.String(validate=Length(max=300), metadata={"description": "Empty: the original's area"})


class AlertTranslationEventSchema(Shape):
    """The live event ``alert:translation``: an alert has a new (or replaced) block in one language."""

    alert_id = fields.Integer()
    info = fields.Nested(AlertInfoSchema)

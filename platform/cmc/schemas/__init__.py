"""The shapes of what the platform sends and accepts as JSON, declared once as marshmallow schemas: they
serialise the API's answers and the live events, and ``cmc.api.openapi`` generates the OpenAPI document's
components from them (apispec's MarshmallowPlugin), so the document cannot describe another shape than the
one sent (``tests/api_contract.py`` checks every answer of the test suite against it).

A schema's name in the document is its class name without ``Schema`` (``AlertSchema`` -> ``Alert``).
"""

from __future__ import annotations

from cmc.schemas.accounts import (
    MeSchema,
    MyNetworkSchema,
    PartyInputSchema,
    PartySchema,
    TokenInputSchema,
    TokenSchema,
    TokenWithSecretSchema,
)
from cmc.schemas.alerts import (
    AcknowledgementSchema,
    AlertInfoSchema,
    AlertInputSchema,
    AlertNetworkSchema,
    AlertSchema,
    ChainLinkSchema,
    GridRowSchema,
    GridSchema,
    GridSummarySchema,
)
from cmc.schemas.bodies import (
    ActionStatusInputSchema,
    AudienceInputSchema,
    DocumentUploadSchema,
    MemberInputSchema,
    RegistrationInputSchema,
    ReplyInputSchema,
    RevisionInputSchema,
    ThreadInputSchema,
    VersionUploadSchema,
)
from cmc.schemas.common import ErrorSchema, list_of, page_of
from cmc.schemas.documents import DocumentSchema, DocumentVersionSchema, DocumentWithVersionsSchema, TextIndexSchema
from cmc.schemas.meetings import (
    ActionItemSchema,
    AgendaItemAddedSchema,
    AgendaItemInputSchema,
    AgendaVersionSchema,
    MeetingDetailSchema,
    MeetingSchema,
    RegistrationSchema,
)
from cmc.schemas.networks import (
    MemberAddedSchema,
    MemberSchema,
    NetworkDetailSchema,
    NetworkSchema,
    ReplySchema,
    ThreadSchema,
    ThreadWithRepliesSchema,
)
from cmc.schemas.notifications import (
    NotificationPageSchema,
    NotificationReadInputSchema,
    NotificationReadSchema,
    NotificationSchema,
)
from cmc.schemas.report import SharedReportPageSchema as SharedReportPageSchema
from cmc.schemas.report import SharedReportQuerySchema as SharedReportQuerySchema
from cmc.schemas.report import SharedReportRowSchema as SharedReportRowSchema

PartyListSchema = list_of(PartySchema, "PartyListSchema")
TokenListSchema = list_of(TokenSchema, "TokenListSchema")
NetworkListSchema = list_of(NetworkSchema, "NetworkListSchema")
MemberPageSchema = page_of(MemberSchema, "MemberPageSchema")
ThreadPageSchema = page_of(ThreadSchema, "ThreadPageSchema")
DocumentPageSchema = page_of(DocumentSchema, "DocumentPageSchema")
AlertPageSchema = page_of(AlertSchema, "AlertPageSchema")
MeetingPageSchema = page_of(MeetingSchema, "MeetingPageSchema")
ActionItemListSchema = list_of(ActionItemSchema, "ActionItemListSchema")

#: Every named schema of the OpenAPI document, in the order it lists them.
COMPONENTS = [
    ErrorSchema,
    PartySchema, PartyInputSchema, MeSchema, MyNetworkSchema, TokenSchema, TokenWithSecretSchema, TokenInputSchema,
    NetworkSchema, NetworkDetailSchema, MemberSchema, MemberAddedSchema, ThreadSchema, ThreadWithRepliesSchema,
    ReplySchema,
    DocumentSchema, DocumentWithVersionsSchema, DocumentVersionSchema, TextIndexSchema,
    AlertInputSchema, AlertInfoSchema, AlertNetworkSchema, ChainLinkSchema, AlertSchema, AcknowledgementSchema,
    GridRowSchema, GridSummarySchema,
    MeetingSchema, MeetingDetailSchema, AgendaVersionSchema, RegistrationSchema, ActionItemSchema,
    AgendaItemInputSchema, AgendaItemAddedSchema,
    NotificationSchema, NotificationPageSchema, NotificationReadSchema,
    PartyListSchema, TokenListSchema, NetworkListSchema, MemberPageSchema, ThreadPageSchema, DocumentPageSchema,
    AlertPageSchema, GridSchema, MeetingPageSchema, ActionItemListSchema,
    # Request bodies the views read field by field (cmc.schemas.bodies)
    AudienceInputSchema, DocumentUploadSchema, VersionUploadSchema, MemberInputSchema, ThreadInputSchema,
    ReplyInputSchema, RevisionInputSchema, RegistrationInputSchema, ActionStatusInputSchema,
    NotificationReadInputSchema,
]


def component_name(schema: type | object) -> str:
    """The document's name of a schema class (or instance): ``AlertSchema`` -> ``Alert``."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")

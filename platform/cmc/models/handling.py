"""Handling codes and the 4x4 evaluation (the EU law-enforcement exchange practice, as Europol's SIENA carries
them), and the requests to release an item that its originator restricted.

- **Handling code**, set by the originating party on alerts, documents (each version) and threads:
  H0 use only for preventing and combating crime (the default), H1 not to be disclosed in judicial proceedings
  without the provider's permission, H2 not to be disseminated without the provider's permission, H3 other
  restrictions, stated in free text beside the code.
- **Evaluation**, on alerts and documents: the reliability of the source (A no doubt, B mostly reliable,
  C mostly unreliable, X cannot be assessed) and the accuracy of the information (1 not in doubt, 2 known
  personally to the source, 3 not known personally but corroborated, 4 not known personally and not
  corroborated). Both may stay unset (items written before the codes existed were never evaluated).

The codes are protocol values, stored and exported as they are; pages show ``label('handling', code)``.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cmc.extensions import db
from cmc.models.types import UTCDateTime, str_enum, utcnow


class HandlingCode(enum.StrEnum):
    """How an item may be used and passed on."""

    H0 = "H0"
    H1 = "H1"
    H2 = "H2"
    H3 = "H3"


class Reliability(enum.StrEnum):
    """The reliability of the source."""

    A = "A"
    B = "B"
    C = "C"
    X = "X"


class Accuracy(enum.StrEnum):
    """The accuracy of the information."""

    CERTAIN = "1"
    KNOWN_TO_SOURCE = "2"
    CORROBORATED = "3"
    UNCORROBORATED = "4"


#: Which codes restrict strictly more than which: H0 least; H1 and H3 each above H0 (not comparable with each
#: other: a judicial restriction is not a stated one); H2 above all. A change is a *raise* only when the new
#: code restricts strictly more than the old one; any other change (H3's text included) is a *lowering*.
STRICTER: dict[HandlingCode, frozenset[HandlingCode]] = {
    HandlingCode.H0: frozenset({HandlingCode.H1, HandlingCode.H2, HandlingCode.H3}),
    HandlingCode.H1: frozenset({HandlingCode.H2}),
    HandlingCode.H3: frozenset({HandlingCode.H2}),
    HandlingCode.H2: frozenset(),
}

HANDLING_TEXT_MAX = 500


class HandlingMarked:
    """The handling code and, for H3, its restriction text (a mixin of the marked models)."""

    handling_code: Mapped[HandlingCode] = mapped_column(str_enum(HandlingCode, 2), default=HandlingCode.H0,
                                                        server_default="H0")
    handling_text: Mapped[str] = mapped_column(String(HANDLING_TEXT_MAX), default="", server_default="")

    @property
    def handling(self) -> HandlingMarked:
        """The item as the API's ``handling`` object reads it (``cmc.schemas.handling.HandlingSchema``)."""
        return self


class Evaluated:
    """The 4x4 evaluation (a mixin of alerts and documents); None where the author did not evaluate."""

    source_reliability: Mapped[Reliability | None] = mapped_column(str_enum(Reliability, 1), default=None)
    info_accuracy: Mapped[Accuracy | None] = mapped_column(str_enum(Accuracy, 1), default=None)


class ReleasePurpose(enum.StrEnum):
    """Where a member asks to take an H2 item."""

    NATIONAL_SYSTEM = "national_system"  # exports (CAP, Atom, API, ZIP, PDF, downloads) for the asking party
    NETWORK = "network"  # shared into another network of the platform
    PARTY = "party"  # passed to a named party (which must already be in the item's audience)


class ReleaseStatus(enum.StrEnum):
    """Where a release request stands."""

    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ReleaseRequest(db.Model):
    """One member's request that the originating party release one H2 item, and the decision.

    A grant is scoped: ``party_id`` (the party it covers: the asking party, or the named one for ``party``),
    ``purpose`` (and ``network_id`` for ``network``) and ``valid_until``. Never deleted: the history of
    requests is shown on the item.
    """

    __tablename__ = "release_requests"
    __table_args__ = (
        Index("ix_release_requests_item", "item_type", "item_id", "status"),
        Index("ix_release_requests_origin", "origin_party_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(String(16))  # "alert", "document", "thread"
    item_id: Mapped[int] = mapped_column()
    origin_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    requester_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    purpose: Mapped[ReleasePurpose] = mapped_column(str_enum(ReleasePurpose, 20))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))  # the party the release covers
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), default=None)
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[ReleaseStatus] = mapped_column(str_enum(ReleaseStatus, 12), default=ReleaseStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decision_note: Mapped[str] = mapped_column(String(1000), default="")
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

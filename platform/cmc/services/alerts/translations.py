"""Translations of a published alert, and which text each reader reads.

A member of the alert's network adds the alert's words in another offered language (``translate``): headline,
event, description, instruction and area description. The codes (severity, urgency, certainty, category,
expiry, area geometry and parties) are copied from the author's first block, so a translation can never say
something else than the original. It becomes a CAP ``info`` block of its own language. A second translation
of a language replaces the current one; the replaced row is kept (``replaced_at``) for the record. The
author's own blocks are not replaced this way: an Update changes them.

Every reader sees one block (``block_for``): the one in their language, else the author's first block, and
the page says which.

Live event (after the commit, to the network's room): ``alert:translation`` with
``{"alert_id": int, "info": AlertInfo}`` (``cmc.schemas.AlertTranslationEventSchema``). Clients update the
text of an alert they already show; it is not a new alert: no toast, no receipt, no count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cmc import i18n, permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Alert, AlertInfo
from cmc.models.types import utcnow
from cmc.realtime import notify
from cmc.services import audit
from cmc.services.alerts.access import get
from cmc.services.alerts.compose import InfoInput, info_errors, info_text_errors
from cmc.services.errors import ConflictError, ValidationError

#: Each language's name in the reader's language ("Not yet translated into French").
LANGUAGE_WORDS: dict[str, Any] = {"en": _l("English"), "es": _l("Spanish"), "fr": _l("French"), "nl": _l("Dutch")}

#: CAP's severity codes as the reader's language writes them (a mail's subject, a page's badge).
SEVERITY_WORDS: dict[str, Any] = {"Extreme": _l("Extreme"), "Severe": _l("Severe"), "Moderate": _l("Moderate"),
                                  "Minor": _l("Minor"), "Unknown": _l("Unknown")}


def language_word(code: str) -> str:
    """A language's name in the current locale (the code itself for one the platform does not know)."""
    return str(LANGUAGE_WORDS.get(code, code))


def severity_word(code: str) -> str:
    """A CAP severity code in the current locale's words."""
    return str(SEVERITY_WORDS.get(code, code))


@dataclass
class TranslationInput:
    """What a translator writes: the language and the words (empty event or area: the original's)."""

    language: str
    headline: str
    event: str = ""
    description: str = ""
    instruction: str = ""
    area_desc: str = ""


@dataclass(frozen=True)
class ShownBlock:
    """The block a reader reads, the author's block it was translated from, and whether the reader's
    language had none (``fell_back``: the author's block is shown instead)."""

    info: AlertInfo
    original: AlertInfo
    fell_back: bool
    language: str  # the language the reader asked for

    @property
    def translated(self) -> bool:
        """Whether the reader reads a member's translation (not the author's own text)."""
        return self.info.is_translation


def original_block(alert: Alert) -> AlertInfo | None:
    """The author's first block: what translations copy their codes from and readers fall back to."""
    return next((info for info in alert.infos if not info.is_translation), alert.infos[0] if alert.infos else None)


def block_for(alert: Alert, language: str) -> ShownBlock | None:
    """The current block in ``language``, else the author's first block (``fell_back``). None for an alert
    without any block."""
    original = original_block(alert)
    if original is None:
        return None
    exact = next((info for info in alert.infos if info.language == language), None)
    return ShownBlock(info=exact or original, original=original, fell_back=exact is None, language=language)


def _checked(data: TranslationInput, original: AlertInfo) -> InfoInput:
    """The translation as a block with the original's codes, or a ValidationError (422) naming the fields."""
    if not i18n.is_available(data.language):
        raise ValidationError(_("Choose one of the languages the platform offers."),
                              fields={"language": _("Choose one of the languages the platform offers.")})
    block = InfoInput(language=data.language, headline=data.headline, event=data.event.strip() or original.event,
                      severity=original.severity, urgency=original.urgency, certainty=original.certainty,
                      category=original.category, description=data.description, instruction=data.instruction,
                      expires=None, area_desc=data.area_desc.strip() or original.area_desc)
    # The expiry is the original's: it is not checked again (an alert may be translated close to its end).
    fields = info_errors(block, utcnow())
    fields.update({name.removesuffix(f"_{data.language}"): message
                   for name, message in info_text_errors(block).items()})
    if fields:
        raise ValidationError(next(iter(fields.values())), fields=fields)
    return block


def _row(alert: Alert, block: InfoInput, original: AlertInfo, actor: Account) -> AlertInfo:
    return AlertInfo(alert_id=alert.id, language=block.language, category=original.category,
                     event=block.event.strip(), urgency=original.urgency, severity=original.severity,
                     certainty=original.certainty, headline=block.headline.strip(),
                     description=block.description.strip(), instruction=block.instruction.strip(),
                     expires=original.expires, area_desc=block.area_desc.strip(), geocodes=list(original.geocodes),
                     circle=original.circle, polygon=original.polygon, added_by_id=actor.id, added_at=utcnow())


def translate(actor: Account, alert_id: int, data: TranslationInput) -> Alert:
    """Add (or replace) the translation of a published alert into ``data.language``.

    404 for an alert the actor may not read, 403 for a reader who may not post in the network (observers),
    422 for a language not offered or words that break the profile, 409 for the language of the author's own
    text. Audited as ``alert.translate``; pushed live as ``alert:translation`` after the commit.
    """
    alert = get(actor, alert_id, audit_read=False)
    permissions.require(actor, "alert.translate", alert, action="alert.translate", target_type="alert",
                        target_id=alert.id, target_party_id=alert.party_id,
                        message=_("Only members of the network translate its published alerts."))
    original = original_block(alert)
    assert original is not None  # a published alert has at least one block
    block = _checked(data, original)
    with write_transaction():
        current = db.session.scalar(select(AlertInfo).where(
            AlertInfo.alert_id == alert.id, AlertInfo.language == block.language, AlertInfo.replaced_at.is_(None)))
        if current is not None and not current.is_translation:
            raise ConflictError(_("The author wrote this language. Issue an update to change the author's text."),
                                fields={"language": _("The author wrote this language.")})
        if current is not None:
            current.replaced_at = utcnow()
            db.session.flush()  # before the new row: one current block per language (a unique index says so)
        row = _row(alert, block, original, actor)
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "alert.translate", target_type="alert", target_id=alert.id,
                     target_party_id=alert.party_id,
                     details={"language": block.language, "info": row.id,
                              "replaced": current.id if current is not None else None})
        row_id = row.id
    _push(alert_id, row_id)
    db.session.expire(alert)  # its current blocks changed
    return alert


def _push(alert_id: int, info_id: int) -> None:
    """Tell the network's room the alert has a new text in one language (not a new alert)."""
    from cmc.schemas.alerts import AlertTranslationEventSchema  # the schemas read this package: imported when used

    alert = db.session.get(Alert, alert_id)
    info = db.session.get(AlertInfo, info_id)
    assert alert is not None and info is not None
    notify.to_network(alert.network_id, "alert:translation",
                      AlertTranslationEventSchema().dump({"alert_id": alert.id, "info": info}))

"""Handling codes on alerts, documents and threads: checking a marking, changing it, saying it, and the
guard every export path asks before an item leaves the platform.

- :func:`validate` turns what a form or the API sent into a :class:`Marking` (422 with the field named for a code
  outside H0-H3, an evaluation outside the 4x4 grids, H3 without its text);
- :func:`change` applies a new marking to an existing item: raising is open to the originating party (and
  moderators), lowering (and any change of H3's text or of the evaluation) to the originating party's author or
  focal point alone (403 otherwise), every change audited (``handling.change``, ``lowered`` true or false);
- :func:`require_export` is the one guard of CAP, Atom, the API, the agenda ZIP, PDFs, downloads and
  forwarding: an H2 item leaves only for its originating party or under a release covering the reader's party
  (``HandlingRestricted``: 403 ``handling_restricted`` naming the code, audited as denied); an export under a
  release is audited and its originating party notified;
- :func:`statement` and :func:`evaluation` are the sentences shown on every view and written in every export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.i18n.labels import label
from cmc.models import (
    Account,
    Accuracy,
    Document,
    DocumentVersion,
    HandlingCode,
    Party,
    Reliability,
)
from cmc.models.handling import HANDLING_TEXT_MAX, STRICTER
from cmc.permissions.handling import Item, is_originator, item_type, origin_party_id
from cmc.services import audit
from cmc.services.errors import HandlingRestricted, ValidationError


@dataclass(frozen=True)
class Marking:
    """A handling code (with H3's text) and, where the item is evaluated, the 4x4 evaluation."""

    code: HandlingCode = HandlingCode.H0
    text: str = ""
    reliability: Reliability | None = None
    accuracy: Accuracy | None = None

    def as_dict(self) -> dict[str, Any]:
        """The marking as the audit trail and the API write it."""
        return {"handling_code": self.code.value, "handling_text": self.text,
                "source_reliability": self.reliability.value if self.reliability else None,
                "info_accuracy": self.accuracy.value if self.accuracy else None}


def validate(code: Any = "H0", text: Any = "", reliability: Any = None, accuracy: Any = None) -> Marking:
    """A marking from submitted values (empty reliability or accuracy: not evaluated). Raises
    ``ValidationError`` (422) naming each field that is wrong."""
    problems: dict[str, str] = {}
    try:
        handling = HandlingCode(str(code or "H0").strip().upper())
    except ValueError:
        handling = HandlingCode.H0
        problems["handling_code"] = _("Choose a handling code from H0 to H3.")
    restriction = " ".join(str(text or "").split())
    if handling == HandlingCode.H3 and not restriction:
        problems["handling_text"] = _("H3 needs its restriction: say how the item may be used.")
    elif len(restriction) > HANDLING_TEXT_MAX:
        problems["handling_text"] = _("Keep the restriction under %(n)d characters.", n=HANDLING_TEXT_MAX)
    if handling != HandlingCode.H3:
        restriction = ""
    source = _grid_value(Reliability, reliability, "source_reliability", problems,
                         _("Choose the source's reliability: A, B, C or X."))
    information = _grid_value(Accuracy, accuracy, "info_accuracy", problems,
                              _("Choose the information's accuracy: 1, 2, 3 or 4."))
    if problems:
        raise ValidationError(next(iter(problems.values())), fields=problems)
    return Marking(handling, restriction, source, information)


def _grid_value(grid: Any, value: Any, field: str, problems: dict[str, str], message: str) -> Any:
    if value is None or str(value).strip() == "":
        return None
    try:
        return grid(str(value).strip().upper())
    except ValueError:
        problems[field] = message
        return None


def marking_of(item: Item | DocumentVersion) -> Marking:
    """The item's current marking."""
    return Marking(item.handling_code, item.handling_text, getattr(item, "source_reliability", None),
                   getattr(item, "info_accuracy", None))


def is_raise(old: Marking, new: Marking) -> bool:
    """Whether ``new`` only restricts more than ``old``: a stricter code and the evaluation unchanged."""
    evaluation_same = (old.reliability, old.accuracy) == (new.reliability, new.accuracy)
    return evaluation_same and new.code in STRICTER[old.code]


def mark(item: Item | DocumentVersion, marking: Marking) -> None:
    """Write ``marking`` on a new item (its author chose it; no check beyond the item's own creation)."""
    item.handling_code = marking.code
    item.handling_text = marking.text
    if hasattr(item, "source_reliability"):
        item.source_reliability = marking.reliability
        item.info_accuracy = marking.accuracy


def change(actor: Account, item: Item, marking: Marking) -> bool:
    """Change an existing item's marking (a document's and its current version's). Returns False when
    nothing changed. 404 for an item the actor may not read, 403 for a change the actor may not make."""
    kind = item_type(item)
    permissions.check(permissions.handling.can_read_item(actor, item), action="handling.change",
                      target_type=kind, target_id=item.id, hide=True)
    old = marking_of(item)
    if not hasattr(item, "source_reliability"):  # threads are not evaluated
        marking = Marking(marking.code, marking.text)
    if marking == old:
        return False
    raising = is_raise(old, marking)
    permissions.require(
        actor, "handling.raise" if raising else "handling.lower", item, action="handling.change",
        target_type=kind, target_id=item.id, target_party_id=origin_party_id(item),
        message=None if raising else _("Only the originating party (the author or its focal point) may lower "
                                       "the handling code or change the evaluation."))
    with write_transaction():
        mark(item, marking)
        if isinstance(item, Document):
            current = db.session.scalar(select(DocumentVersion).where(
                DocumentVersion.document_id == item.id, DocumentVersion.number == item.current_version))
            if current is not None:
                mark(current, marking)
        audit.record(actor, "handling.change", target_type=kind, target_id=item.id,
                     target_party_id=origin_party_id(item),
                     details={"from": old.as_dict(), "to": marking.as_dict(), "lowered": not raising})
    return True


def origin_name(item: Item) -> str:
    """The originating party's name."""
    return db.session.scalar(select(Party.name).where(Party.id == origin_party_id(item))) or ""


def statement(item: Item | DocumentVersion, origin: str) -> str:
    """What the code asks of every reader, in the reader's language, naming the originating party (for
    H3 its restriction text): shown at every view, written in every export."""
    code = item.handling_code
    if code == HandlingCode.H1:
        return _("H1: not to be disclosed in judicial proceedings without the permission of %(party)s.",
                 party=origin)
    if code == HandlingCode.H2:
        return _("H2: not to be disseminated without the permission of %(party)s.", party=origin)
    if code == HandlingCode.H3:
        return _("H3: %(restriction)s (restriction set by %(party)s)", restriction=item.handling_text,
                 party=origin)
    return str(label("handling", "H0"))


def evaluation(item: Item | DocumentVersion) -> str:
    """The 4x4 evaluation as a sentence ("" when the item was not evaluated)."""
    source = getattr(item, "source_reliability", None)
    information = getattr(item, "info_accuracy", None)
    if source is None and information is None:
        return ""
    parts = [str(label("reliability", source)) if source else _("source not evaluated"),
             str(label("accuracy", information)) if information else _("information not evaluated")]
    code = (source or "-") + (information or "-")
    return _("Evaluation %(code)s: %(parts)s", code=code, parts="; ".join(parts))


def restricted_message(item: Item, origin: str) -> str:
    """The refusal of an H2 export, naming the code and the originating party."""
    return _("This item is marked H2 by %(party)s: it may not leave the platform without their permission. "
             "Ask %(party)s to release it.", party=origin)


def require_export(actor: Account, item: Item, path: str, *, network_id: int | None = None) -> bool:
    """The guard of every export path (``permissions.handling.EXPORT_PATHS``). Refuses an H2 item that no
    release covers with ``HandlingRestricted`` (403, audited as denied); records an H2 export under a release
    (``handling.export``, released) and notifies the originating party, and then answers True: a caller that
    records its own export row leaves it out, so that the originator's report counts one export, not two.
    Otherwise (False) the caller records the export itself, with the code in its details."""
    kind = item_type(item)
    if not permissions.can(actor, "handling.export", item, path, network_id):
        raise HandlingRestricted(restricted_message(item, origin_name(item)), handling_code=item.handling_code.value,
                                 path=path, action="handling.export", target_type=kind, target_id=item.id,
                                 target_party_id=origin_party_id(item))
    if item.handling_code == HandlingCode.H2 and path != "download" and not is_originator(actor, item):
        from cmc.services.handling.releases import exported_under_release

        exported_under_release(actor, item, path, network_id=network_id)
        return True
    return False


def may_export(actor: Account, item: Item, path: str) -> bool:
    """Whether ``require_export`` would let the item through (a list that leaves refused items out)."""
    return permissions.can(actor, "handling.export", item, path)


def install_template_globals(app: Any) -> None:
    """Give templates ``handling_statement(item)`` and ``handling_evaluation(item)`` (``macros/handling.html``)."""
    app.jinja_env.globals["handling_statement"] = lambda item: statement(item, origin_name(item))
    app.jinja_env.globals["handling_evaluation"] = evaluation

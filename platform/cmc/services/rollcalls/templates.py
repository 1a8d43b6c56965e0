"""A network's roll call templates: question sets kept as data, editable by whoever starts roll calls there.

The platform's default template (``network_id`` None, the five standard questions) always exists: the first
read on a fresh database creates it (:func:`ensure_default`), so every network can start a roll call at once.
A network's own templates are saved and archived by its coordinators and the secretariat; editing a template
changes no roll call already started (each roll call keeps its own copy of the questions).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from cmc import permissions
from cmc.database import write_transaction
from cmc.extensions import db
from cmc.models import Account, Network, RollCallTemplate
from cmc.models.types import parse_id, utcnow
from cmc.services import audit, text
from cmc.services.networks.directory import open_network
from cmc.services.rollcalls import questions

NAME_MAX = 120
DEFAULT_NAME = "Standard roll call"


def ensure_default() -> RollCallTemplate:
    """The platform's default template, created with the standard questions when none exists yet."""
    found = _default()
    if found is not None:
        return found
    with write_transaction():
        found = _default()  # another request may have made it while this one waited for the write lock
        if found is None:
            found = RollCallTemplate(network_id=None, name=DEFAULT_NAME, questions=questions.default_questions())
            db.session.add(found)
    return found


def _default() -> RollCallTemplate | None:
    return db.session.scalar(select(RollCallTemplate).where(
        RollCallTemplate.network_id.is_(None), RollCallTemplate.archived_at.is_(None))
        .order_by(RollCallTemplate.id).limit(1))


def templates_for(actor: Account, network: Network) -> list[RollCallTemplate]:
    """The templates a roll call of ``network`` may start from: the platform's default first, then the
    network's own (not archived) by name. The network's readers see them (404 for others)."""
    permissions.require(actor, "network.read", network, action="network.read", target_type="network",
                        target_id=network.id, hide=True)
    default = ensure_default()
    own = db.session.scalars(select(RollCallTemplate).where(
        RollCallTemplate.network_id == network.id, RollCallTemplate.archived_at.is_(None))
        .order_by(RollCallTemplate.name, RollCallTemplate.id))
    return [default, *own]


def template_in(network: Network, template_id: object) -> RollCallTemplate | None:
    """A template a roll call of ``network`` may use (the default or the network's own, not archived)."""
    found = parse_id(template_id)
    if found is None:
        return None
    return db.session.scalar(select(RollCallTemplate).where(
        RollCallTemplate.id == found, RollCallTemplate.archived_at.is_(None),
        or_(RollCallTemplate.network_id.is_(None), RollCallTemplate.network_id == network.id)))


def open_for_edit(actor: Account, slug: str) -> Network:
    """The network whose templates the actor keeps: 404 for a network the actor may not read, 403 for a reader
    who may not edit its templates."""
    network = open_network(actor, slug)
    permissions.require(actor, "rollcall.template.edit", network, action="rollcall.template",
                        target_type="network", target_id=network.id)
    return network


def own_template(network: Network, template_id: object) -> RollCallTemplate:
    """One of the network's own templates (the default is not the network's to change: 404 as unknown)."""
    found = parse_id(template_id)
    template = db.session.get(RollCallTemplate, found) if found is not None else None
    if template is None or template.network_id != network.id or template.archived_at is not None:
        permissions.check(False, action="rollcall.template", target_type="roll_call_template",
                          target_id=found, hide=True)
    assert template is not None
    return template


def save_template(actor: Account, network: Network, *, name: Any, questions_: Any,
                  template_id: int | None = None) -> RollCallTemplate:
    """Create (``template_id`` None) or change one of the network's templates. ``ValidationError`` (422) for a
    missing or long name and for a question list :func:`questions.validate` refuses (no question...)."""
    permissions.require(actor, "rollcall.template.edit", network, action="rollcall.template",
                        target_type="network", target_id=network.id)
    clean_name = text.one_line(name, field="name", limit=NAME_MAX, missing=_("Give the template a name."),
                               too_long=_("Keep the name under %(n)d characters.", n=NAME_MAX))
    cleaned = questions.validate(questions_)
    with write_transaction():
        if template_id is None:
            template = RollCallTemplate(network_id=network.id)
            db.session.add(template)
        else:
            template = own_template(network, template_id)
        template.name = clean_name
        template.questions = cleaned
        template.updated_at = utcnow()
        template.updated_by_id = actor.id
        db.session.flush()
        audit.record(actor, "rollcall.template", target_type="roll_call_template", target_id=template.id,
                     details={"network": network.slug, "name": clean_name,
                              "questions": [q["key"] for q in cleaned],
                              "change": "create" if template_id is None else "edit"})
    return template


def archive_template(actor: Account, network: Network, template_id: int) -> RollCallTemplate:
    """Archive one of the network's templates (roll calls started from it keep their questions)."""
    permissions.require(actor, "rollcall.template.edit", network, action="rollcall.template",
                        target_type="network", target_id=network.id)
    with write_transaction():
        template = own_template(network, template_id)
        template.archived_at = utcnow()
        template.updated_by_id = actor.id
        audit.record(actor, "rollcall.template", target_type="roll_call_template", target_id=template.id,
                     details={"network": network.slug, "change": "archive"})
    return template

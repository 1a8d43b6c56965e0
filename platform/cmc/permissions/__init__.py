"""Every access decision of the platform, in one place; deny by default.

One module per domain (``accounts``, ``audit``, ``networks``, ``documents``, ``alerts``, ``meetings``,
``handling``, ``rollcalls``) holds that domain's rules as named functions over (actor, object), registered by name in
``registry``. Every layer asks the same rules:

- services: ``permissions.require(actor, "alert.publish", network, action=..., target_id=...)`` raises
  ``DeniedError`` (403, or 404 with ``hide=True``) which the page, API and socket layers translate and the
  trail records as denied; ``permissions.check(allowed, ...)`` does the same for a decision already taken
  ("the thing exists");
- views: ``permissions.can(actor, rule, obj)``;
- templates: the Jinja global ``can(rule, obj)``, for the signed-in person (``install_template_global``).

Roles are compared here and in ``cmc.models`` only (``tests/unit/test_no_role_strings.py`` greps the rest).
"""

from __future__ import annotations

from typing import Any

from cmc.permissions import accounts, alerts, audit, documents, handling, meetings, networks, rollcalls
from cmc.permissions.core import (
    FRESH_SIGN_IN,
    in_network_parties,
    is_coordinator,
    is_focal_point,
    is_secretariat,
    known_network_ids,
    network_role,
    remember_all_network_roles,
    remember_network_members,
    remember_network_roles,
    require_fresh_sign_in,
)
from cmc.permissions.registry import can, check, require, rule, rules

__all__ = [
    "FRESH_SIGN_IN", "accounts", "alerts", "audit", "can", "check", "documents", "handling", "in_network_parties",
    "install_template_global", "is_coordinator", "is_focal_point", "is_secretariat", "known_network_ids",
    "meetings", "network_role", "networks", "remember_all_network_roles", "remember_network_members",
    "remember_network_roles", "require",
    "require_fresh_sign_in", "rollcalls", "rule", "rules",
]


def install_template_global(app: Any) -> None:
    """Give templates ``can(rule, *objects)``, asked for the signed-in person (anonymous passes nothing)."""
    from flask_login import current_user

    def template_can(name: str, *objects: Any) -> bool:
        actor = current_user._get_current_object() if current_user.is_authenticated else None
        return can(actor, name, *objects)

    app.jinja_env.globals["can"] = template_can

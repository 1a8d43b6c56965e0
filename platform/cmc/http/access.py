"""Route-level access rules: every endpoint declares one, and an endpoint without a rule answers 404.

These rules only gate who may reach a route at all (signed in or not, which platform role); what a
person may see or change inside is decided by ``cmc.permissions``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "_cmc_access"


class Access(enum.StrEnum):
    """Who may reach a route."""

    PUBLIC = "public"  # anyone, signed in or not
    SIGNED_IN = "signed_in"  # any active account
    MANAGER = "manager"  # secretariat or focal point
    SECRETARIAT = "secretariat"
    # Anyone who holds a personal calendar feed token in the address: calendar programs cannot sign in. The
    # gate lets the request through without reading the session; the view checks the token (401 without one).
    FEED_TOKEN = "feed_token"  # noqa: S105 - the name of a rule, not a secret


def access(rule: Access) -> Callable[[F], F]:
    """Declare the access rule of a view function."""

    def decorate(view: F) -> F:
        setattr(view, ATTRIBUTE, rule)
        return view

    return decorate


def rule_of(view: Callable[..., Any] | None) -> Access | None:
    """The rule a view declared, or None."""
    return getattr(view, ATTRIBUTE, None) if view is not None else None


def satisfied(rule: Access) -> bool | None:
    """True when the current person meets ``rule``; None when they must sign in first; False otherwise."""
    if rule in (Access.PUBLIC, Access.FEED_TOKEN):
        return True
    if not current_user.is_authenticated:
        return None
    if rule == Access.SIGNED_IN:
        return True
    # The same rules the services apply (cmc.permissions decides; this only asks).
    from cmc import permissions

    account = current_user._get_current_object()
    if rule == Access.MANAGER:
        return permissions.can(account, "account.list")
    if rule == Access.SECRETARIAT:
        return permissions.can(account, "secretariat.pages")
    return False

"""The registry of named rules: ``can(actor, "alert.publish", network)`` and ``require(...)`` by rule name.

Each domain module registers its rules with ``@rule("domain.verb")``; a rule is a function
``(actor, *objects) -> bool`` that answers False for anyone it does not name (deny by default). A name that no
module registered is a programming error and raises ``LookupError`` rather than quietly denying, so that a
typo in a template or a view fails its test instead of hiding a button forever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict, TypeVar, Unpack

from cmc.models import Account
from cmc.services.errors import DeniedError

Rule = Callable[..., bool]
_R = TypeVar("_R", bound=Rule)
_RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[_R], _R]:
    """Register the decorated function as the rule ``name`` (each name once)."""
    def register(fn: _R) -> _R:
        if name in _RULES and _RULES[name] is not fn:
            raise ValueError(f"rule {name!r} is registered twice")
        _RULES[name] = fn
        return fn
    return register


def rules() -> dict[str, Rule]:
    """Every registered rule by name (a copy)."""
    return dict(_RULES)


def can(actor: Account | None, name: str, *objects: Any) -> bool:
    """Whether ``actor`` passes the rule ``name`` over ``objects``. Anonymous and inactive people pass none
    (deny by default)."""
    try:
        fn = _RULES[name]
    except KeyError:
        raise LookupError(f"no access rule named {name!r}") from None
    if actor is None or not getattr(actor, "is_active", False) or getattr(actor, "id", None) is None:
        return False
    return bool(fn(actor, *objects))


class Denial(TypedDict, total=False):
    """How a refusal is answered and recorded: what it concerns, whether to hide it (404), what to say."""

    target_type: str
    target_id: str | int | None
    target_party_id: int | None
    hide: bool
    message: str | None


def check(allowed: bool, *, action: str, **denial: Unpack[Denial]) -> None:
    """Raise ``DeniedError`` unless ``allowed`` (a decision already taken, e.g. "the thing exists").
    ``hide`` answers 404 so the thing's existence stays secret. The page, API and socket layers translate the
    error, and the trail records it as denied under ``action``."""
    # Nothing checks types before the tests run: a misspelt keyword must fail as it would on a named parameter.
    if not denial.keys() <= Denial.__optional_keys__:
        raise TypeError(f"unexpected keyword(s) {sorted(denial.keys() - Denial.__optional_keys__)}")
    if allowed:
        return
    hide = denial.get("hide", False)
    raise DeniedError(
        denial.get("message") or ("Not found." if hide else "You do not have permission to do this."),
        status=404 if hide else 403,
        action=action,
        target_type=denial.get("target_type", ""),
        target_id=denial.get("target_id"),
        target_party_id=denial.get("target_party_id"),
    )


def require(actor: Account | None, name: str, *objects: Any, action: str | None = None,
            **denial: Unpack[Denial]) -> None:
    """Raise ``DeniedError`` unless ``actor`` passes the rule ``name`` over ``objects``; the denial is
    recorded under ``action`` (the rule's name when not given)."""
    check(can(actor, name, *objects), action=action or name, **denial)

"""What page views share: the person signed in, and a form's errors as the pages draw them."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from cmc.models import Account


def actor() -> Account:
    """The signed-in account (the object itself, not the proxy: services compare and store it)."""
    return current_user._get_current_object()


def form_errors(form: Any, ids: dict[str, str] | None = None) -> dict[str, str]:
    """The first error of each field of ``form``, by field name, or by the element id in ``ids`` where the page
    draws the field under another id (the error summary links to the id). The CSRF token's error is left out:
    a stale token is answered before any view runs."""
    ids = ids or {}
    return {ids.get(name, name): messages[0] for name, messages in form.errors.items() if name != "csrf_token"}

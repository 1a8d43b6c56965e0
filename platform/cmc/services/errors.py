"""Errors raised by services; pages, the API and socket handlers translate them for their audience."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base of every expected failure of a use case; ``message`` is safe to show to the person."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details


class ValidationError(ServiceError):
    """The input has the right shape but breaks a rule (too short, unknown party, ...)."""

    status = 422
    code = "validation_failed"


class ConflictError(ServiceError):
    """The change clashes with existing state (a duplicate email, a party code in use)."""

    status = 409
    code = "conflict"


class GoneError(ServiceError):
    """The thing existed but cannot be used any more (a used or expired invitation)."""

    status = 410
    code = "gone"


class AuthenticationError(ServiceError):
    """Sign-in failed; the message never says whether the email exists."""

    status = 401
    code = "unauthenticated"


class ReauthenticationRequired(ServiceError):
    """The action hands out power (a role, a party, a coordinator, a token, the audit trail) and the person
    last proved their password too long ago: they confirm it, then the action runs."""

    status = 403
    code = "reauthentication_required"


class ThrottledError(ServiceError):
    """Too many attempts; try again later."""

    status = 429
    code = "too_many_requests"


class DeniedError(ServiceError):
    """The policy refused the action. ``status`` is 404 for things the person may not even know exist."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 403,
        action: str = "",
        target_type: str = "",
        target_id: str | int | None = None,
        target_party_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = "not_found" if status == 404 else "forbidden"
        self.action = action
        self.target_type = target_type
        self.target_id = target_id
        self.target_party_id = target_party_id

"""Errors raised by services; pages, the API and socket handlers translate them for their audience."""

from __future__ import annotations

import errno
import logging
from typing import Any


class ServiceError(Exception):
    """Base of every expected failure of a use case; ``message`` is safe to show to the person.

    A subclass names its answer in its header, ``class GoneError(ServiceError, status=410, code="gone")``:
    ``status`` is the HTTP status pages and the API answer with, ``code`` the API's machine-readable name.
    """

    status = 400
    code = "bad_request"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details


class ValidationError(ServiceError, status=422, code="validation_failed"):
    """The input has the right shape but breaks a rule (too short, unknown party, ...)."""


class ConflictError(ServiceError, status=409, code="conflict"):
    """The change clashes with existing state (a duplicate email, a party code in use)."""


class TooLargeError(ServiceError, status=413, code="too_large"):
    """The request carries more than the use case takes (an autosaved draft over its cap)."""


class GoneError(ServiceError, status=410, code="gone"):
    """The thing existed but cannot be used any more (a used or expired invitation)."""


class AuthenticationError(ServiceError, status=401, code="unauthenticated"):
    """Sign-in failed; the message never says whether the email exists."""


class ReauthenticationRequired(ServiceError, status=403, code="reauthentication_required"):
    """The action hands out power (a role, a party, a coordinator, a token, the audit trail) and the person
    last proved their password too long ago: they confirm it, then the action runs."""


class ThrottledError(ServiceError, status=429, code="too_many_requests"):
    """Too many attempts; try again later."""


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
        code: str | None = None,
        audit_details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or ("not_found" if status == 404 else "forbidden")
        self.action = action
        self.target_type = target_type
        self.target_id = target_id
        self.target_party_id = target_party_id
        self.audit_details = audit_details or {}


class HandlingRestricted(DeniedError):
    """The item's handling code forbids this path for this person (H2 without a release covering them): 403
    with the code ``handling_restricted`` and a message that names the item's code and originator."""

    def __init__(self, message: str, *, handling_code: str, path: str, **kwargs: Any) -> None:
        super().__init__(message, status=403, code="handling_restricted",
                         audit_details={"handling_code": handling_code, "export": path}, **kwargs)
        self.handling_code = handling_code
        self.path = path


class StorageFull(ServiceError, status=507, code="insufficient_storage"):
    """The disk holding uploads or the database is full: nothing was kept, and an operator must make room."""


#: errno values that mean "no room to write": no space left, quota exceeded, file larger than allowed.
STORAGE_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full"
_POSTGRES_DISK_FULL = "53100"  # SQLSTATE disk_full


def is_storage_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it, or the driver error a SQLAlchemy error wraps) says the disk is full:
    an OSError ENOSPC/EDQUOT/EFBIG, SQLite's "database or disk is full", PostgreSQL's disk_full."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in STORAGE_FULL_ERRNOS:
            return True
        if getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL or getattr(exc, "sqlstate", None) == \
                _POSTGRES_DISK_FULL:
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False


def storage_full(field: str | None = None) -> StorageFull:
    """The error to raise when the disk is full, with a message a person understands (on ``field`` when a form
    has one to show it by)."""
    from flask_babel import gettext as _

    # The operator must hear of it: the person is only told to try again later.
    logging.getLogger("cmc.storage").warning("a write was refused (507): the disk of the uploads or of the "
                                             "database is full")
    message = _("The server has no room left to store this, so nothing was saved. Try again later, and tell the "
                "platform's administrators that its disk is full.")
    return StorageFull(message, fields={field: message} if field else None)

"""How an API view declares its OpenAPI operation: once, in Python, beside the route.

``@operation(summary=..., tags=[...], answers={200: ("The alert", AlertSchema)}, errors=(409,))`` stores an
``Operation`` on the view function; ``cmc.api.openapi`` turns it into the document's operation. What the
route already says is not said again: the path parameters and their types come from the Flask rule, the
method from the route, and the error answers implied by the operation's kind are added to each (see
``Operation.responses``). Request bodies and query strings are marshmallow schemas (``cmc.schemas.bodies``,
``cmc.schemas.queries``), declared like the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from marshmallow import Schema

from cmc.http.access import Access, access

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "_cmc_operation"
JSON = "application/json"

#: The shared error answers (``components/responses``) by status: name and description.
RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The body is malformed JSON or misses a field"),
    401: ("Unauthenticated", "No valid session or token"),
    403: ("Forbidden", "The policy refuses this action. Code reauthentication_required: the action hands out "
                       "power (a role, a party, a coordinator, a token) and a session cookie last proved its "
                       "password over 15 minutes ago; confirm it at confirm_url and send again (bearer tokens "
                       "are not asked)"),
    404: ("NotFound", "No such thing, or nothing the caller may read"),
    409: ("Conflict", "Clashes with existing data"),
    410: ("Gone", "It existed but cannot be used any more (deleted, archived)"),
    413: ("PayloadTooLarge", "The file is over the upload limit"),
    415: ("UnsupportedMediaType", "The body or file is not of an accepted type"),
    422: ("ValidationFailed", "The values break a rule; fields says which"),
    429: ("TooManyRequests", "Slow down"),
    500: ("InternalError", "An unexpected failure; incident names it in the server's log"),
    507: ("InsufficientStorage", "The server's disk is full: nothing was stored; try again later"),
}

#: Answers an operation gives whatever it declares: every route may fail unexpectedly, and refuses a NUL or a
#: lone surrogate in a parameter or JSON body with 422 naming it; a route that needs a caller answers 401
#: without one and 403 to someone who must first set up a second factor; a change sent with a session cookie
#: but without its X-CSRFToken header answers 400.
ANY_OPERATION = (422, 500)
SIGNED_IN = (401, 403)
CHANGES = (400,)
UNSUPPORTED = 415  # an operation with a body, sent another media type (``cmc.api.json_body`` and the forms)
NOT_FOUND = 404  # an operation whose path names a thing
CHANGING_METHODS = ("post", "put", "patch", "delete")

#: The header that makes a retried creation safe (``cmc.services.idempotency``).
IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 80}}


@dataclass(frozen=True)
class Content:
    """A body that is not a JSON object of a schema: its media type and a JSON Schema (or a marshmallow
    schema, for a form)."""

    media_type: str
    schema: type[Schema] | dict[str, Any]


def text(media_type: str) -> Content:
    """A text document of ``media_type`` (CAP XML, an Atom feed)."""
    return Content(media_type, {"type": "string"})


def form(schema: type[Schema]) -> Content:
    """A multipart/form-data body (an upload) whose parts ``schema`` describes."""
    return Content("multipart/form-data", schema)


def binary(media_type: str) -> Content:
    """A file of ``media_type``."""
    return Content(media_type, {"type": "string", "format": "binary"})


#: An answer: its description alone (no body), or its description and what its body holds (a schema: JSON).
Answer = str | tuple[str, type[Schema] | Content]


@dataclass(frozen=True)
class Operation:
    """What a view function does and who may call it: the access gate reads the rule, the OpenAPI document
    the rest."""

    who: Access
    summary: str
    tags: tuple[str, ...]
    answers: Mapping[int, Answer]
    errors: tuple[int, ...] = ()
    description: str | None = None
    query: type[Schema] | None = None
    body: type[Schema] | Content | None = None
    idempotent: bool = False

    @property
    def public(self) -> bool:
        """Whether it needs no caller (the document then asks for no credentials)."""
        return self.who == Access.PUBLIC

    def __call__(self, view: F) -> F:
        """Declare this operation and its access rule on ``view``."""
        setattr(view, ATTRIBUTE, self)
        return access(self.who)(view)

    def responses(self, method: str, *, in_path: bool) -> dict[str, Any]:
        """The answers: those declared, the errors declared, then those implied: by every operation, by a
        caller, by a change, by a body (415: not of its media type) and by a path naming a thing (404)."""
        found: dict[str, Any] = {str(status): _answer(answer) for status, answer in self.answers.items()}
        implied = [*ANY_OPERATION, *self.errors]
        if not self.public:
            implied += SIGNED_IN
        if method in CHANGING_METHODS:
            implied += CHANGES
        if self.body is not None:
            implied.append(UNSUPPORTED)
        if in_path:
            implied.append(NOT_FOUND)
        for status in sorted(set(implied)):
            found.setdefault(str(status), {"$ref": f"#/components/responses/{RESPONSES[status][0]}"})
        return dict(sorted(found.items()))

    def request_body(self) -> dict[str, Any] | None:
        """The request body, required when declared."""
        if self.body is None:
            return None
        content = self.body if isinstance(self.body, Content) else Content(JSON, self.body)
        return {"required": True, "content": {content.media_type: {"schema": content.schema}}}


def _answer(answer: Answer) -> dict[str, Any]:
    if isinstance(answer, str):
        return {"description": answer}
    description, body = answer
    content = body if isinstance(body, Content) else Content(JSON, body)
    return {"description": description, "content": {content.media_type: {"schema": content.schema}}}


def operation(who: Access, *, summary: str, tags: list[str], answers: Mapping[int, Answer],
              errors: tuple[int, ...] = (), description: str | None = None, query: type[Schema] | None = None,
              body: type[Schema] | Content | None = None, idempotent: bool = False) -> Operation:
    """Declare a view's access rule (``who`` may call it) and its OpenAPI operation. ``answers``: its successes
    by status; ``errors``: the statuses of the shared error answers it may give beyond the implied ones;
    ``query``: a schema of its query string; ``body``: its request body (a schema: JSON; a ``Content``
    otherwise); ``idempotent``: it honours Idempotency-Key."""
    unknown = set(errors) - set(RESPONSES)
    if unknown:
        raise ValueError(f"no shared answer for status {sorted(unknown)}")
    return Operation(who=who, summary=summary, tags=tuple(tags), answers=answers, errors=errors,
                     description=description, query=query, body=body, idempotent=idempotent)


def operation_of(view: Callable[..., Any] | None) -> Operation | None:
    """The operation a view declared, or None."""
    return getattr(view, ATTRIBUTE, None) if view is not None else None

"""No request reaches a view with a character no database can take.

NUL is refused by PostgreSQL in any text parameter, and a lone surrogate (``\\ud800`` in JSON) has no UTF-8
form, so neither SQLite nor PostgreSQL can even be sent one: before this guard, ``/networks/a%00b``, a
sign-in with ``%00`` in the address, an audit or document filter, or ``{"party": "\\u0000"}`` in a JSON body
answered 500 on PostgreSQL. Text fields that can reach an export are checked field by field in the services
(``services/text.py``); this guard covers every other value that ends up in a query: the path (404, as any
address that names nothing), the query string, a URL-encoded form and a JSON body (422 naming the field; in
JSON by its path, such as ``infos[1].instruction``).
Multipart bodies are left to the views, so that uploads are parsed where they are configured; their text
fields meet the services' checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import request
from werkzeug.exceptions import NotFound

from cmc.services import text
from cmc.services.errors import ValidationError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON value (keys too), with where it is: ``infos[1].instruction``."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key)
            yield from _strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _values() -> Iterator[tuple[str, str]]:
    for source in (request.args,) + ((request.form,) if request.mimetype == "application/x-www-form-urlencoded"
                                      else ()):
        for name, values in source.lists():
            for value in values:
                yield name, value
    if request.is_json:
        yield from _strings(request.get_json(silent=True), "")


def refuse_unstorable() -> None:
    """Before every view: 404 for a path, 422 naming the field for a parameter, holding NUL or a lone
    surrogate."""
    if any(isinstance(v, str) and _UNSTORABLE.search(v) for v in (request.view_args or {}).values()):
        raise NotFound()
    for name, value in _values():
        if _UNSTORABLE.search(value):
            message = text.problem(value) or ""
            raise ValidationError(message, fields={name: message})

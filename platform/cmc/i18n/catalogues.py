"""The translations of a request, looked up once.

Flask-Babel keeps each language's catalogue in memory, but finds it again on every ``gettext``: the request's
locale turned back into a string (``str(Locale)``, which rebuilds the identifier) and a dictionary lookup,
about 40 µs a string, measured, against under 1 µs for the lookup of the message itself; a page writes 100 to
200 strings. :class:`RequestDomain` keeps the catalogue found on the request's Babel state
(``babel_translations``, which Flask-Babel's ``force_locale`` and ``refresh`` already save, clear and restore
when the language changes within a request).

Templates paid more: ``{{ _("...") }}`` went through Jinja's alias, Jinja's newstyle wrapper and Flask-Babel's
lambda, three ``Context.call`` and two look-ups of the catalogue (23-42 µs a string, measured).
:func:`template_gettext` does the same work in one call.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import Babel, Domain, get_locale, get_translations
from flask_babel import _get_current_context as babel_state
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup


class RequestDomain(Domain):  # type: ignore[misc]
    """The default message domain, with its translations kept for the rest of the request."""

    def get_translations(self) -> Any:
        """The catalogue of the request's language (found once per request and language)."""
        state = babel_state()
        if state is None:
            return super().get_translations()
        found = getattr(state, "babel_translations", None)
        if found is None:
            found = super().get_translations()
            state.babel_translations = found
        return found


def install(babel: Babel) -> None:
    """Make :class:`RequestDomain` the domain Flask-Babel's ``gettext`` and the templates' ``_`` use."""
    babel.__dict__["domain_instance"] = RequestDomain()  # "messages", as the app is configured


def request_catalogue() -> Any:
    """The request's catalogue: the one kept on its Babel state, else Flask-Babel's answer (which keeps it)."""
    try:
        found = g._flask_babel.babel_translations
    except (AttributeError, RuntimeError):  # nothing kept yet, or outside an app context
        found = None
    return found if found is not None else get_translations()


def request_locale() -> Any:
    """``flask_babel.get_locale()``, read straight from the request's Babel state when it is already there (a
    list page asks once per row and date: Flask-Babel's own path costs five lookups through ``g`` each time).
    ``force_locale`` sets that same state, so a mail in its recipient's language reads the right one."""
    try:
        found = g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):  # not chosen yet in this request, or outside an app context
        found = None
    return found if found is not None else get_locale()


@pass_context
def template_gettext(context: Context, string: str, **variables: Any) -> str:
    """``_()`` and ``gettext()`` of templates, as Jinja's newstyle gettext defines them: translated, marked
    safe under autoescape (so the variables are escaped), and always a format string ("%%" is "%")."""
    translated = request_catalogue().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 - our own catalogue, marked as Jinja's newstyle gettext does
    if not variables and "%" not in translated:
        return translated  # what "% {}" would return, without its cost
    return translated % variables  # type: ignore[no-any-return]


def install_templates(app: Flask) -> None:
    """Templates' ``_`` and ``gettext`` through :func:`template_gettext` (plurals and contexts unchanged)."""
    app.jinja_env.globals["_"] = template_gettext
    app.jinja_env.globals["gettext"] = template_gettext

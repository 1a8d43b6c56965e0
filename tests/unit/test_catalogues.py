"""The request's catalogue is found once (cmc.i18n.catalogues), and templates' ``_()`` writes exactly what
Jinja's newstyle gettext wrote: translated, escaped variables, "%%" as "%"; a language forced inside a request
(a mail in its recipient's language) is still that language's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask_babel import Babel, force_locale, get_translations
from flask_babel import gettext as _

from cmc.i18n import catalogues

TRANSLATIONS = Path(__file__).resolve().parents[2] / "platform" / "cmc" / "translations"


@pytest.fixture
def app() -> Flask:
    app = Flask("t")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel = Babel()
    babel.init_app(app, locale_selector=lambda: "fr")
    catalogues.install(babel)
    return app


def _standard_and_ours(app: Flask, source: str, **context: Any) -> tuple[str, str]:
    standard = app.jinja_env.from_string(source).render(**context)
    catalogues.install_templates(app)
    ours = app.jinja_env.from_string(source).render(**context)
    return standard, ours


@pytest.mark.parametrize("source", [
    "{{ _('Home') }}",
    "{{ _('Sign in') }} {{ gettext('Networks') }}",
    "{{ _('100%% sure') }}",
    "{{ _('Hello %(name)s', name=who) }}",
    "{{ _('<strong>%(name)s</strong> wrote', name=who) }}",  # the message's markup kept, the variable escaped
    "{% trans %}Home{% endtrans %}",
    "{% trans n=3 %}{{ n }} file{% pluralize %}{{ n }} files{% endtrans %}",
])
@pytest.mark.parametrize("autoescape", [True, False])
def test_templates_write_what_jinja_wrote(app, source, autoescape):
    if (TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.mo").exists() is False:
        pytest.skip("compile the catalogues first (make translations)")
    app.jinja_env.autoescape = autoescape
    with app.test_request_context("/"):
        standard, ours = _standard_and_ours(app, source, who="<b>Ana</b>")
    assert ours == standard
    if "Home" in source and "trans" not in source:
        assert ours != "Home"  # the French word: translated at all


def test_the_catalogue_is_found_once_per_request_and_per_forced_language(app):
    if not (TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.mo").exists():
        pytest.skip("compile the catalogues first (make translations)")
    with app.test_request_context("/"):
        french = _("Home")
        kept = g._flask_babel.babel_translations
        assert kept is get_translations() is catalogues.request_catalogue()
        with force_locale("es"):
            spanish = _("Home")
            assert spanish != french and catalogues.request_catalogue() is not kept
        assert _("Home") == french and g._flask_babel.babel_translations is kept
    with app.test_request_context("/"):
        assert not hasattr(g, "_flask_babel") or getattr(g._flask_babel, "babel_translations", None) is None
        assert _("Home") == french  # the next request finds it again (from Flask-Babel's process cache)

"""Markdown for discussions, charters and minutes: rendered, then sanitised with nh3 (no script, no event
handler, links only to http, https and mailto). Markdown alone passes raw HTML through, so the sanitiser is
the part that makes it safe.

The HTML is made once, when the text is written, and stored beside its source (``body_html``,
``charter_html``); pages show the stored HTML (``stored``) and never render. ``cmc markdown rerender``
(:mod:`cmc.services.markup_store`) renders every stored text again after a change of the rules here."""

from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i", "li", "ol",
    "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render(text: str) -> str:
    """Markdown to safe HTML (a string to store; mark it safe only when showing it)."""
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"],
                             output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", clean_content_tags={"script", "style"},
                     strip_comments=True)


def stored(html: str) -> Markup:
    """HTML that ``render`` made when its source was written, for a template as it is.

    Rendering and sanitising happen once, when a charter, post or minutes are saved; a page only shows the
    result. When the rules above change, ``cmc markdown rerender`` renders every stored text again
    (``rerender_all``), so no stored HTML is older than the rules."""
    return Markup(html or "")  # noqa: S704 - made by render(), the sanitiser, when written

"""Markdown for discussions and charters: rendered, then sanitised with nh3 (no script, no event handler,
links only to http, https and mailto). Markdown alone passes raw HTML through, so the sanitiser is the
part that makes it safe."""

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


def safe(html: str) -> Markup:
    """Stored, already-sanitised HTML for a template (sanitised again: cheap, and a stored row may be old)."""
    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                        link_rel="noopener noreferrer nofollow")
    return Markup(cleaned)  # noqa: S704 - the line above is the sanitiser

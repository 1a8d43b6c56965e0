"""The Markdown sanitiser, property-tested: whatever Markdown comes in, nothing active comes out."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from cmc.services.markup import render

HOSTILE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "<svg onload=alert(1)>", "<a href='jav&#x09;ascript:alert(1)'>a</a>", "<iframe src=x>",
    "<div style='background:url(javascript:x)'>", "<object data=x>", "<math><mi xlink:href=javascript:x>",
    "[a](vbscript:x)", "[a](data:text/html;base64,PHNjcmlwdD4=)", "<form action=x><button>",
    "<body onload=x>", "<a href=\"&#106;avascript:alert(1)\">b</a>", "![i](x\" onerror=\"alert(1))",
]
MARKDOWN = ["**bold**", "*em*", "# h", "- item", "1. one", "`code`", "> quote", "\n\n", "[ok](https://a.org)",
            "| a | b |\n|---|---|\n| 1 | 2 |", "```\nfenced\n```", "text", " ", "<", ">", "\"", "'"]

ALLOWED_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i", "li",
                "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"}
#: A link is safe when it names no scheme or one of these. A scheme is what a browser reads as one (WHATWG URL:
#: a letter, then letters, digits, "+", "-" or ".", then ":"): ``x"a(javascript:...`` has none (the quote ends
#: the scheme), so it is a relative address, as ``[^:]*`` alone wrongly refused.
SAFE_URL = re.compile(r"^(https?:|mailto:|(?![a-z][a-z0-9+.\-]*:))", re.IGNORECASE)


class Elements(HTMLParser):
    """Collects the elements and attributes a browser would build from the HTML (escaped text is not one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(HOSTILE + MARKDOWN) | st.text(max_size=30), max_size=12))
def test_no_script_no_event_handler_no_dangerous_link(parts):
    parser = Elements()
    parser.feed(render("".join(parts)))
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (tag, name)
            if name in ("href", "src"):
                # Browsers ignore control characters and spaces inside a scheme; so must the check.
                compact = re.sub(r"[\x00-\x20]", "", value or "")
                assert SAFE_URL.match(compact), (tag, value)


def test_safe_links_survive_with_rel():
    html = render("[IOM](https://www.iom.int) and [mail](mailto:cmc@iom.int)")
    assert 'href="https://www.iom.int"' in html and 'href="mailto:cmc@iom.int"' in html
    assert "noopener" in html

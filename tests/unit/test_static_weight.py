"""What the pages may load (UI guide, "Weight and access"): system fonts only, no image that carries no meaning,
nothing from another site, and no static file a page refers to by a name that is not hashed at run time."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
FONT_FILES = (".woff", ".woff2", ".ttf", ".otf", ".eot")


def _served_css() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in STATIC.rglob("*.css")}


def _templates() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in (ROOT / "templates").rglob("*.html")}


def test_no_web_font_is_shipped_or_loaded() -> None:
    fonts = [str(p.relative_to(ROOT)) for p in STATIC.rglob("*") if p.suffix.lower() in FONT_FILES]
    assert fonts == [], fonts
    loading = [name for name, css in _served_css().items() if "@font-face" in css or "@import" in css]
    assert loading == [], loading


def test_every_image_of_a_page_says_what_it_shows() -> None:
    """An <img> needs an alt text (a decorative image has no place: use CSS or nothing)."""
    bad = []
    for name, html in _templates().items():
        for tag in re.findall(r"<img\b[^>]*>", html):
            alt = re.search(r'\balt="([^"]*)"', tag)
            if not alt or not alt.group(1).strip():
                bad.append(f"{name}: {tag}")
    assert bad == [], bad


def test_pages_load_nothing_from_another_site_and_name_static_files_through_url_for() -> None:
    bad = []
    for name, html in _templates().items():
        for ref in re.findall(r'<(?:link|script|img)\b[^>]*\b(?:href|src)="([^"]+)"', html):
            if ref.startswith(("http:", "https:", "//")) or ref.startswith("/static/"):
                bad.append(f"{name}: {ref}")  # a literal /static/ name would miss its content hash
    assert bad == [], bad

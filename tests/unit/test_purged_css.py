"""Bootstrap's CSS is served trimmed by PurgeCSS (``scripts/vendor.sh``): every Bootstrap class the templates, the
platform's scripts and its Python code use must survive in the trimmed file. Runs offline: the full CSS is kept,
not served, in ``vendor/bootstrap/``.

A failure here means a class was used that the committed trimmed file lacks: re-run ``bash scripts/vendor.sh``
(or add the class to the safelist in ``scripts/purgecss.config.cjs`` when it is built at run time).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FULL = ROOT / "vendor" / "bootstrap" / "bootstrap.min.css"
PURGED = ROOT / "static" / "vendor" / "bootstrap" / "bootstrap.purged.min.css"

#: A class in a selector: after a dot, not a decimal number (``.5rem``) and not inside a declaration block.
_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
_WORD = re.compile(r"[A-Za-z][\w-]*")
#: ``alert-{{ 'success' if ... else 'info' }}`` in a template: a class built from a prefix and literals.
_JINJA_PREFIX = re.compile(r"([A-Za-z][\w-]*-)\{\{(.*?)\}\}")
_LITERAL = re.compile(r"""['"]([\w-]+)['"]""")
#: ``"text-bg-" + severity`` in a script: a class built from a prefix and a value known only at run time.
_JS_PREFIX = re.compile(r"""["']([A-Za-z][\w-]*-)["']\s*\+""")


def _selectors(css: str) -> set[str]:
    """Every selector of ``css`` (lists split at top-level commas; declaration blocks and at-rules skipped)."""
    text = re.sub(r"\{[^{}]*\}", "{}", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
    found: set[str] = set()
    for chunk in re.split(r"[{}]", text):
        depth, start = 0, 0
        for index, char in enumerate(chunk + ","):
            depth += 1 if char in "([" else (-1 if char in ")]" else 0)
            if char == "," and depth == 0:
                selector = " ".join(chunk[start:index].split())
                if selector and not selector.startswith("@"):
                    found.add(selector)
                start = index + 1
    return found


def _selector_classes(css: str) -> set[str]:
    """Every class named in the selectors of ``css``."""
    return {cls for selector in _selectors(css) for cls in _CLASS.findall(selector)}


def _sources() -> dict[str, str]:
    files = [*sorted((ROOT / "templates").rglob("*.html")), *sorted((ROOT / "static" / "js").glob("*.js")),
             *sorted((ROOT / "platform" / "cmc").rglob("*.py"))]
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in files}


def used_classes(sources: dict[str, str]) -> dict[str, str]:
    """Every word of the sources that could be a class (class -> a file using it), with the classes templates
    build from a prefix and quoted literals (``alert-{{ 'success' if ok else 'danger' }}``)."""
    found: dict[str, str] = {}
    for name, text in sources.items():
        for word in _WORD.findall(text):
            found.setdefault(word, name)
        if name.endswith(".html"):
            for prefix, expression in _JINJA_PREFIX.findall(text):
                for literal in _LITERAL.findall(expression):
                    found.setdefault(prefix + literal, name)
    return found


def test_the_full_css_is_kept_unserved_and_the_trimmed_one_is_served() -> None:
    assert FULL.exists() and PURGED.exists()
    assert not (ROOT / "static" / "vendor" / "bootstrap" / "bootstrap.min.css").exists()
    base = (ROOT / "templates" / "base.html").read_text()
    assert "vendor/bootstrap/bootstrap.purged.min.css" in base
    assert PURGED.stat().st_size < FULL.stat().st_size / 3


def missing_rules(used: dict[str, str], full_css: str, purged_css: str) -> list[str]:
    """Bootstrap's selectors that name only classes in ``used`` but are absent from the trimmed CSS, each with a
    file using its first class."""
    kept = _selectors(purged_css)
    missing = []
    for selector in sorted(_selectors(full_css)):
        classes = _CLASS.findall(selector)
        if "[data-bs-theme" in selector:
            continue  # the platform has no dark theme
        if classes and all(cls in used for cls in classes) and selector not in kept:
            missing.append(f"{selector} (uses {classes[0]}, as in {used[classes[0]]})")
    return missing


def test_every_bootstrap_class_in_use_survives_the_trim() -> None:
    full, purged = FULL.read_text(encoding="utf-8"), PURGED.read_text(encoding="utf-8")
    bootstrap, kept = _selector_classes(full), _selector_classes(purged)
    assert len(bootstrap) > 1000 and kept <= bootstrap
    missing = missing_rules(used_classes(_sources()), full, purged)
    assert not missing, "Bootstrap rules in use but trimmed away; re-run scripts/vendor.sh:\n" + "\n".join(missing)
    # The ones every page needs, as a sanity check of the extraction itself.
    for cls in ("container", "navbar", "navbar-toggler", "collapse", "show", "btn", "badge", "alert-danger",
                "visually-hidden", "visually-hidden-focusable", "table"):
        assert cls in kept, cls


def test_classes_a_script_builds_from_a_prefix_survive_whole() -> None:
    bootstrap = _selector_classes(FULL.read_text(encoding="utf-8"))
    kept = _selector_classes(PURGED.read_text(encoding="utf-8"))
    for name, text in _sources().items():
        if not name.endswith(".js"):
            continue
        for prefix in _JS_PREFIX.findall(text):
            family = {cls for cls in bootstrap if cls.startswith(prefix)}
            assert family <= kept, (f"{name} builds classes from {prefix!r}: safelist them in "
                                    f"scripts/purgecss.config.cjs ({sorted(family - kept)[:8]} are trimmed)")


def test_the_check_finds_a_class_that_was_trimmed() -> None:
    """The test above can fail: a template using a class the trim removed is reported."""
    bootstrap = _selector_classes(FULL.read_text(encoding="utf-8"))
    kept = _selector_classes(PURGED.read_text(encoding="utf-8"))
    trimmed = sorted(bootstrap - kept)
    assert trimmed, "nothing was trimmed"
    used = used_classes({"templates/x.html": f'<div class="{trimmed[0]}"></div><p class="alert-{{{{ \'zz\' }}}}">'})
    assert trimmed[0] in used and "alert-zz" in used
    full, purged = FULL.read_text(encoding="utf-8"), PURGED.read_text(encoding="utf-8")
    assert any(f".{trimmed[0]}" in line for line in missing_rules(used, full, purged))

"""The API stands on its own: ``cmc.api`` never imports the pages, and ``cmc.http`` (what both share)
imports neither of them. Read from the source with ``ast``, so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "platform" / "cmc"


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (``from x import y`` counts as ``x`` and ``x.y``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-node.level]
                base = ".".join(parts + ((node.module,) if node.module else ()))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(("package", "forbidden"), [("api", ("cmc.web",)), ("http", ("cmc.web", "cmc.api"))])
def test_package_does_not_import(package: str, forbidden: tuple[str, ...]) -> None:
    offenders = {
        f"{path.relative_to(PACKAGE.parent)}: {module}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for module in imported_modules(path)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    }
    assert not offenders, f"cmc.{package} must not import {forbidden}: {sorted(offenders)}"


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    # The walk must see imports nested in functions and relative ones, or the test above proves nothing.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from cmc.web.documents import send_version\n    import cmc.web\n")
    assert {"cmc.web.documents", "cmc.web"} <= imported_modules(sample)

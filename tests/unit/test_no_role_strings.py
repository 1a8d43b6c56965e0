"""No layer but ``cmc.permissions`` (and ``cmc.models``, which defines the roles) decides by comparing roles.

Templates ask ``can(rule, obj)``; views, services, the API and the CLI ask ``permissions.can`` / ``require``.
A role compared anywhere else is an access rule written a second time, which drifts from the first (the
members page once showed a Remove button for coordinators that the service then refused to a focal point).

What counts as a comparison: a role member (``Role.X``, ``NetworkRole.X``) or a role name in quotes on either
side of ``==``/``!=``/``in (...)``, or ``.role.value`` compared with anything. SQL filters on the columns
themselves (``Account.role == Role.SECRETARIAT`` in a ``select``) pick rows (who gets mailed, who may be
added) rather than decide an access, and are left out. In templates only Jinja code (``{{ }}``, ``{% %}``)
is read, where any role name in quotes counts: HTML such as ``<option value="delegate">`` is not code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "platform" / "cmc"
ALLOWED = (PACKAGE / "permissions", PACKAGE / "models")

ROLE_NAMES = r"(?:secretariat|focal_point|delegate|coordinator|member)"
QUOTED_ROLE = rf"""['"]{ROLE_NAMES}['"]"""
ROLE_MEMBER = r"\b(?:Network)?Role\.[A-Z_]+\b"
OP = r"(?:==|!=)"
PYTHON = [
    re.compile(rf"{OP}\s*(?:{ROLE_MEMBER}|{QUOTED_ROLE})"),
    re.compile(rf"(?:{ROLE_MEMBER}|{QUOTED_ROLE})(?:\.value)?\s*{OP}"),
    re.compile(rf"\.role\.value\s*{OP}"),
    re.compile(rf"\bin\s*[(\[{{]\s*(?:{ROLE_MEMBER}|{QUOTED_ROLE})"),
]
SQL_FILTER = re.compile(rf"\b[A-Z]\w*\.role\s*{OP}\s*{ROLE_MEMBER}")
JINJA_CODE = re.compile(r"{{.*?}}|{%.*?%}", re.S)
TEMPLATE = [
    re.compile(QUOTED_ROLE),
    re.compile(rf"\.role(?:\.value)?\s*{OP}"),
    re.compile(r"\bis_secretariat\b|\bmy_role\.value\b"),
]


def python_offences(text: str) -> list[str]:
    """Lines of Python source that compare roles outside SQL filters."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = SQL_FILTER.sub("", line.split("#", 1)[0])
        if any(pattern.search(code) for pattern in PYTHON):
            found.append(f"{number}: {line.strip()}")
    return found


def template_offences(text: str) -> list[str]:
    """Jinja expressions that compare roles or name a role in quotes."""
    return [block for block in JINJA_CODE.findall(text) if any(p.search(block) for p in TEMPLATE)]


@pytest.mark.parametrize("line", [
    "if actor.role == Role.SECRETARIAT:", "return role != Role.DELEGATE", "x = account.role.value == 'delegate'",
    "if network_role(a, n) == NetworkRole.COORDINATOR:", "if role in (Role.SECRETARIAT, Role.FOCAL_POINT):",
    "ok = c.value == Role.DELEGATE.value", 'if kind != "coordinator":',
])
def test_the_python_patterns_catch_role_comparisons(line: str) -> None:
    assert python_offences(line)


@pytest.mark.parametrize("line", [
    "query.where(Account.role == Role.SECRETARIAT)", "if account.role == new_role:",
    'permissions.require(actor, "alert.publish", network)', "if new_role.is_coordinator:",
])
def test_the_python_patterns_leave_sql_and_rules_alone(line: str) -> None:
    assert not python_offences(line)


@pytest.mark.parametrize(("text", "offends"), [
    ("{% if current_user.role.value == 'secretariat' %}", True),
    ("{% if my_role and my_role.value == 'coordinator' %}", True),
    ("{{ _('a') if current_user.role.value != 'secretariat' else _('b') }}", True),
    ("{% if is_secretariat %}", True),
    ("{% if can('network.manage') %}", False),
    ('<option value="delegate">{{ _("Delegate") }}</option>', False),
])
def test_the_template_patterns(text: str, offends: bool) -> None:
    assert bool(template_offences(text)) is offends


def test_no_python_module_outside_permissions_and_models_compares_roles() -> None:
    offences = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if any(path.is_relative_to(allowed) for allowed in ALLOWED):
            continue
        found = python_offences(path.read_text(encoding="utf-8"))
        if found:
            offences[str(path.relative_to(ROOT))] = found
    assert not offences, f"ask cmc.permissions instead of comparing roles: {offences}"


def test_no_template_compares_roles() -> None:
    offences = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        found = template_offences(path.read_text(encoding="utf-8"))
        if found:
            offences[str(path.relative_to(ROOT))] = found
    assert not offences, f"ask can(rule, obj) instead of comparing roles: {offences}"

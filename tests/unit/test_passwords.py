"""Password rules."""

from __future__ import annotations

import pytest

from cmc.services.passwords import hash_password, password_problem, verify_password


@pytest.mark.parametrize(("password", "ok"), [
    ("a" * 11, False),
    ("abcdefghijk ", True),  # 12 with the space
    ("z" * 128, True),
    ("z" * 129, False),
    ("ñandú río sol", True),
    ("12345678901234", False),  # breached list
    ("PasswordPassword", False),  # case does not save a common password
])
def test_password_rules(password, ok):
    assert (password_problem(password) is None) is ok


def test_hash_is_salted_and_whole():
    password = "x" * 100 + "END"
    first, second = hash_password(password), hash_password(password)
    assert first != second and first.startswith("scrypt:")
    assert verify_password(first, password)
    assert not verify_password(first, "x" * 100 + "EN")
    assert not verify_password(None, password)


def test_unicode_forms_are_the_same_password():
    composed, decomposed = "caf\u00e9 con leche ok", "cafe\u0301 con leche ok"
    assert verify_password(hash_password(composed), decomposed)

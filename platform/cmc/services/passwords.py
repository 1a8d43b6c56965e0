"""Password rules (ASVS 2.1): 12 to 128 characters, any Unicode, never truncated, not a common one."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 128
_HASH_METHOD = "scrypt"  # Werkzeug's default, salted and memory-hard


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    data = resources.files("cmc").joinpath("data/common-passwords.txt")
    if not data.is_file():
        return frozenset()
    return frozenset(
        line.strip().lower() for line in data.read_text(encoding="utf-8").splitlines() if line.strip()
    )


def _normalise(password: str) -> str:
    # NFKC so the same password typed on two keyboards hashes the same (ASVS 2.1.1 counts code points).
    return unicodedata.normalize("NFKC", password)


def password_problem(password: str) -> str | None:
    """Return what is wrong with ``password`` in words, or ``None`` when it is acceptable."""
    length = len(_normalise(password))
    if length < MIN_LENGTH:
        return str(_l("Use at least %(n)d characters. A few unrelated words make a good password.", n=MIN_LENGTH))
    if length > MAX_LENGTH:
        return str(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    if _normalise(password).strip().lower() in _common_passwords():
        return str(_l("This password appears in lists of breached passwords. Choose another."))
    return None


def hash_password(password: str) -> str:
    """A salted scrypt hash of the whole password."""
    return generate_password_hash(_normalise(password), method=_HASH_METHOD)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; False for an account without a password."""
    if not password_hash:
        return False
    return check_password_hash(password_hash, _normalise(password))


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to compare against when the email is unknown, so both paths cost the same time. Made on first
    use, not at import: every ``cmc`` command and server process would otherwise pay a scrypt for it."""
    return generate_password_hash("not-a-real-password-" + "x" * 20, method=_HASH_METHOD)

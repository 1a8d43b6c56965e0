"""Pages of handling codes: changing an item's marking, asking for a release, deciding it (filled by issue 18)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("handling", __name__)

"""The "who read what we shared" report of a party's focal point (filled by issue 18)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("shared_report", __name__)

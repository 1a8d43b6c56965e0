"""The "who read what we shared" report in the API (issue 18)."""

from __future__ import annotations

"""Handling endpoints of the API: an item's marking, release requests and their decisions (issue 18)."""

from __future__ import annotations

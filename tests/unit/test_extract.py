"""Whitespace is collapsed a slice at a time (to bound memory) with exactly the result of one pass."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmc.services import extract

ONE_PASS = re.compile(r"\s+")


@pytest.fixture(autouse=True)
def tiny_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    # Slices of 3 characters put runs of whitespace across every kind of cut.
    monkeypatch.setattr(extract, "_SLICE", 3)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "\t", "\u00a0", "é"]), max_size=60))
def test_sliced_collapse_equals_one_pass(text: str) -> None:
    assert extract.collapse_spaces(text) == ONE_PASS.sub(" ", text)[:extract.MAX_CHARS].strip()


def test_the_text_is_cut_at_max_chars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "MAX_CHARS", 10)
    assert extract.collapse_spaces("word  " * 20) == "word word"
    assert extract.collapse_spaces("   ") == ""

"""Text extraction: each limit stops a hostile file in the confined child process (size, ratio, entries,
time, memory; a PDF bomb; a DTD), normal files of every kind give their words, and whitespace is collapsed a
slice at a time (to bound memory) with exactly the result of one pass.

The limits are checked through ``run_confined``: the real child process (``python -P extract_worker.py``),
with its real rlimits and the parent's real deadline; nothing is mocked.
"""

from __future__ import annotations

import io
import re
import struct
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmc.services import extract_worker
from cmc.services.extract import Limits, run_confined
from tests.files import (
    W,
    docx,
    docx_with_xml,
    hostile_docx,
    many_parts,
    ods,
    odt,
    odt_bomb,
    pdf,
    pdf_with_stream,
    pptx,
    xlsx,
    zip_bomb,
)

ONE_PASS = re.compile(r"\s+")
MB = 1024 * 1024
#: The built-in defaults (cmc.config): the hostile files of the issue must be stopped by these.
DEFAULTS = Limits(max_bytes=100 * MB, max_ratio=100, max_entries=10_000, seconds=30, memory_bytes=512 * MB)
#: Limits that let everything through but one thing at a time.
OPEN = Limits(max_bytes=4000 * MB, max_ratio=1e9, max_entries=10**9, seconds=30, memory_bytes=2048 * MB)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def timed(path: Path, extension: str, limits: Limits) -> tuple[str, str, float]:
    started = time.monotonic()
    result = run_confined(path, extension, limits)
    return result.status, result.text, time.monotonic() - started


# --- normal files ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("extension", "data", "words"), [
    ("docx", docx(paragraphs=["Coast guard patrol", "northern harbour"]), "Coast guard patrol northern harbour"),
    ("odt", odt(["Mixed migration flows", "in the Windward Passage"]), "Mixed migration flows in the Windward Passage"),
    ("ods", ods(["Arrivals", "1240"]), "Arrivals 1240"),
    ("xlsx", xlsx(["Returns by month", "January"]), "Returns by month January"),
    ("pptx", pptx([f"Slide {n}" for n in range(1, 12)]), " ".join(f"Slide {n}" for n in range(1, 12))),
    ("pdf", pdf("Regional protocol adopted"), "Regional protocol adopted"),
    ("txt", b"Plain  text\n\n with  spaces", "Plain text with spaces"),
])
def test_normal_files_give_their_words(tmp_path: Path, extension: str, data: bytes, words: str) -> None:
    result = run_confined(write(tmp_path, f"file.{extension}", data), extension, DEFAULTS)
    assert (result.status, result.text) == ("indexed", words)


def test_a_word_split_across_runs_stays_one_word(tmp_path: Path) -> None:
    xml = ('<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Mig</w:t></w:r><w:r><w:t>ration</w:t></w:r></w:p>'
           "<w:p><w:r><w:t>flows</w:t></w:r></w:p></w:body></w:document>")
    assert run_confined(write(tmp_path, "a.docx", docx_with_xml(xml)), "docx", DEFAULTS).text == "Migration flows"


def test_a_zip_without_the_parts_of_its_type_is_not_valid(tmp_path: Path) -> None:
    result = run_confined(write(tmp_path, "fake.docx", odt(["an OpenDocument named .docx"])), "docx", DEFAULTS)
    assert result.valid is False


# --- each limit --------------------------------------------------------------------------------------------

def test_the_issues_docx_is_stopped_by_the_ratio_at_once(tmp_path: Path) -> None:
    """122 KB unpacking to 49 MB: once 5-12 s of a frozen server and ~675 MB; now refused on its sizes."""
    buffer = io.BytesIO()
    unpacked = hostile_docx(buffer)
    assert len(buffer.getvalue()) < 200_000 and unpacked > 49_000_000
    status, text, _seconds = timed(write(tmp_path, "bomb.docx", buffer.getvalue()), "docx", DEFAULTS)
    assert (status, text) == ("limit:ratio", "")  # refused on the sizes it declares, before unpacking anything


def test_the_unpacked_size_is_limited(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    odt_bomb(buffer, megabytes=1024)  # 1 GB of content.xml in 3 MB
    status, _text, _seconds = timed(write(tmp_path, "bomb.odt", buffer.getvalue()), "odt", DEFAULTS)
    assert status in ("limit:size", "limit:ratio")  # both are crossed; the size is checked first
    assert status == "limit:size"
    # Under a 2 MB limit and no ratio limit, a normal-looking 3 MB document is stopped too.
    xml = "<w:document xmlns:w='w'><w:body>" + "<w:p><w:r><w:t>report</w:t></w:r></w:p>" * 80_000 + \
          "</w:body></w:document>"
    path = write(tmp_path, "big.docx", docx_with_xml(xml))
    assert run_confined(path, "docx", replace(OPEN, max_bytes=2 * MB)).status == "limit:size"
    assert run_confined(path, "docx", OPEN).status == "indexed"


@pytest.mark.parametrize("extension", ["docx", "xlsx", "pptx"])
def test_the_number_of_parts_is_limited(tmp_path: Path, extension: str) -> None:
    path = write(tmp_path, f"parts.{extension}", many_parts(extension, 500))
    assert run_confined(path, extension, replace(DEFAULTS, max_entries=200)).status == "limit:entries"
    assert run_confined(path, extension, DEFAULTS).status in ("none", "indexed")


def test_an_end_record_that_understates_the_parts_is_not_believed(tmp_path: Path) -> None:
    data = bytearray(many_parts("docx", 500))
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 2, 2)  # "2 entries"
    path = write(tmp_path, "lying.docx", bytes(data))
    assert extract_worker.zip_entry_count(io.BytesIO(bytes(data))) == 2
    assert run_confined(path, "docx", replace(DEFAULTS, max_entries=200)).status == "limit:entries"


def test_the_time_is_limited_and_the_child_killed(tmp_path: Path) -> None:
    # 40 MB of empty paragraphs: seven million elements, each a call into Python (several seconds of work).
    buffer = io.BytesIO()
    block = b"<w:p/>" * 170_000
    zip_bomb(buffer, {"[Content_Types].xml": b"<Types/>"}, "word/document.xml",
             f"<w:document {W}><w:body>".encode(), block, 40, b"</w:body></w:document>")
    path = write(tmp_path, "slow.docx", buffer.getvalue())
    # "limit:time" is only ever the answer of the deadline firing and the child being killed (a child that ran to
    # the end would answer "indexed"); how long that took on a loaded machine is for the benchmarks, not a test.
    status, _text, _seconds = timed(path, "docx", replace(OPEN, seconds=1))
    assert status == "limit:time"


def test_the_memory_is_limited(tmp_path: Path) -> None:
    # A content stream of 150 MB (150 KB deflated): unpacking it needs more than 120 MB of address space.
    path = write(tmp_path, "big-stream.pdf", pdf_with_stream(b"0 0 m " * (MB // 6), 150))
    status, _text, _seconds = timed(path, "pdf", replace(OPEN, memory_bytes=120 * MB))
    assert status == "limit:memory"


def test_a_pdf_bomb_is_stopped(tmp_path: Path) -> None:
    """A 200 KB PDF whose content stream unpacks to 200 MB: pypdf stops at the unpacked-size limit."""
    data = pdf_with_stream(b"\n" * MB, 200)
    assert len(data) < 300_000
    status, text, _seconds = timed(write(tmp_path, "bomb.pdf", data), "pdf", DEFAULTS)
    assert (status, text) == ("limit:size", "")  # stopped by the unpacked-size limit, not the deadline


def test_a_dtd_or_entity_is_refused_not_expanded(tmp_path: Path) -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>&c;'
              "</w:t></w:r></w:p></w:body></w:document>")
    external = ('<?xml version="1.0"?><!DOCTYPE w SYSTEM "file:///etc/passwd"><w:document xmlns:w="w">'
                "<w:body/></w:document>")
    for name, xml in (("laughs.docx", laughs), ("external.docx", external)):
        result = run_confined(write(tmp_path, name, docx_with_xml(xml)), "docx", DEFAULTS)
        assert (result.status, result.text) == ("unreadable", ""), name


def test_a_damaged_file_is_unreadable_not_an_error(tmp_path: Path) -> None:
    assert run_confined(write(tmp_path, "cut.pdf", pdf("Cut short")[:200]), "pdf", DEFAULTS).status in (
        "unreadable", "none")
    assert run_confined(write(tmp_path, "bad.docx", docx_with_xml("<w:document><unclosed>")), "docx",
                        DEFAULTS).status == "unreadable"


# --- whitespace --------------------------------------------------------------------------------------------

@pytest.fixture
def tiny_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    # Slices of 3 characters put runs of whitespace across every kind of cut.
    monkeypatch.setattr(extract_worker, "_SLICE", 3)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "\t", "\u00a0", "é"]), max_size=60))
def test_sliced_collapse_equals_one_pass(text: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(extract_worker, "_SLICE", 3)
        assert extract_worker.collapse_spaces(text) == ONE_PASS.sub(" ", text)[:extract_worker.MAX_CHARS].strip()


def test_the_text_is_cut_at_max_chars(monkeypatch: pytest.MonkeyPatch, tiny_slices: None) -> None:
    monkeypatch.setattr(extract_worker, "MAX_CHARS", 10)
    assert extract_worker.collapse_spaces("word  " * 20) == "word word"
    assert extract_worker.collapse_spaces("   ") == ""

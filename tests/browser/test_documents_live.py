"""Documents through the real pages, in Chromium, against the real server: a delegate uploads a 3 MB PDF
through the upload form and watches its progress bar, lands on the document page, uploads a Word file as
version 2 through the "Upload a new version" form, and downloads both versions byte for byte; a file whose
content is not what its name says is refused with the error summary, and nothing is kept.

Drag and drop is not covered: Playwright cannot drop a real file from the operating system, and the drop
handler only copies the dropped files into the same input that ``set_input_files`` fills.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.files import HTML, docx, pdf
from tests.live_server import LiveServer

NETWORK = "Migrant Smuggling"
SLUG = "migrant-smuggling"
DELEGATE = "delegate.tt@cmc.demo"  # Trinidad and Tobago, member of Migrant Smuggling
BIG_PDF_SIZE = 3 * 1024 * 1024
#: The upload is throttled (Chrome DevTools network emulation) so that the progress bar stays on screen for
#: a few seconds, as it does for a delegate on a slow connection, instead of a few milliseconds on loopback.
UPLOAD_BYTES_PER_SECOND = 1_000_000
UPLOAD_WAIT_MS = 30_000


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def padded_pdf(text: str, size: int) -> bytes:
    """A real PDF (``tests.files.pdf``) of about ``size`` bytes: random hex in one long comment line after
    ``%%EOF``, then the same ``startxref``/``%%EOF`` again, so that readers still find the end of the file."""
    base = pdf(text)
    match = re.search(rb"startxref\n(\d+)\n%%EOF\n$", base)
    assert match, "tests.files.pdf changed its trailer"
    padding = os.urandom(max(size - len(base), 0) // 2).hex().encode()
    return base + b"%" + padding + b"\nstartxref\n" + match.group(1) + b"\n%%EOF\n"


@pytest.fixture
def delegate_page(new_context: Callable[..., BrowserContext], sign_in: Callable[..., None]) -> Page:
    """The Trinidad and Tobago delegate, signed in through the form, on home."""
    page = new_context().new_page()
    sign_in(page, DELEGATE)
    return page


@pytest.fixture
def slow_upload(delegate_page: Page) -> Iterator[None]:
    """Throttle the delegate's uploads to ``UPLOAD_BYTES_PER_SECOND`` (downloads stay unthrottled)."""
    session = delegate_page.context.new_cdp_session(delegate_page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                      "uploadThroughput": UPLOAD_BYTES_PER_SECOND})
    yield
    session.detach()


@pytest.fixture(scope="module")
def member_token(live_server: LiveServer) -> str:
    return live_server.create_token(DELEGATE, "documents browser tests")


def _titles(live_server: LiveServer, token: str) -> list[str]:
    """Titles of the network's documents the token's account may read (first page, newest first)."""
    answer = live_server.api("GET", f"/documents?network={SLUG}", token=token)
    assert answer.status == 200, answer
    return [item["title"] for item in answer.body["items"]]


def _temp_uploads(live_server: LiveServer) -> list[Path]:
    return sorted((live_server.instance_path / "uploads" / "tmp").glob("upload-*"))


def _open_documents_from_nav(page: Page) -> None:
    """Main navigation -> Networks -> Migrant Smuggling -> Documents."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Networks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Networks")
    page.get_by_role("link", name=NETWORK, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NETWORK)
    page.locator("main .nav-tabs").get_by_role("link", name="Documents").click()
    expect(page).to_have_url(re.compile(rf"/networks/{SLUG}/documents$"))
    expect(page.locator("main .nav-tabs").get_by_role("link", name="Documents")).to_have_attribute(
        "aria-current", "page")


def _download(page: Page, number: int) -> tuple[bytes, str]:
    """Click the Download link of version ``number`` in the versions table; the file and its suggested name."""
    link = page.locator("#versions").get_by_role("link", name=f"Download version {number}", exact=True)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None, download.failure()
    return Path(download.path()).read_bytes(), download.suggested_filename


def test_upload_with_progress_a_new_version_and_both_downloads(
    delegate_page: Page, slow_upload: None, tmp_path: Path, live_server: LiveServer,
    watch_console: Callable[[Page], Any],
) -> None:
    page = delegate_page
    console = watch_console(page)
    title = f"Sea arrivals on the Gulf of Paria, quarterly report ({uuid.uuid4().hex[:6]})"
    first = padded_pdf("Sea arrivals, third quarter", BIG_PDF_SIZE)
    assert len(first) >= BIG_PDF_SIZE
    first_path = tmp_path / "gulf-of-paria-q3.pdf"
    first_path.write_bytes(first)
    second = docx("Sea arrivals, third quarter, with the corrections of the coast guard")
    second_path = tmp_path / "gulf-of-paria-q3-corrected.docx"
    second_path.write_bytes(second)

    # Networks -> Migrant Smuggling -> Documents -> Upload a document.
    _open_documents_from_nav(page)
    page.get_by_role("link", name="Upload a document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a document")
    progress = page.locator("#upload-progress")
    expect(progress).to_be_hidden()

    page.get_by_label("File", exact=True).set_input_files(first_path)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("button", name="Upload", exact=True).click()

    # The progress bar shows while the 3 MB go up, and moves.
    expect(progress).to_be_visible(timeout=5_000)
    expect(progress).to_have_attribute("aria-valuenow", re.compile(r"^([1-9]\d?|100)$"), timeout=UPLOAD_WAIT_MS)
    expect(page.locator("#upload-progress-bar")).to_have_text(re.compile(r"^\d{1,3}%$"))

    # ...and the page lands on the new document.
    expect(page).to_have_url(re.compile(r"/documents/\d+$"), timeout=UPLOAD_WAIT_MS)
    document_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("status").filter(has_text="is uploaded")).to_be_visible()
    versions = page.locator("#versions tbody tr")
    expect(versions).to_have_count(1)
    expect(versions.first).to_contain_text(first_path.name)

    # Version 2, a Word file, through the "Upload a new version" form.
    section = page.get_by_role("region", name="Upload a new version")
    section.get_by_label("File", exact=True).set_input_files(second_path)
    section.get_by_label("What changed").fill("Corrections from the coast guard")
    section.get_by_role("button", name="Upload version 2").click()
    expect(page.get_by_role("status").filter(has_text="Version 2 is uploaded.")).to_be_visible(
        timeout=UPLOAD_WAIT_MS)
    assert page.url == document_url
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text(second_path.name)
    expect(versions.nth(0)).to_contain_text("Current")
    expect(versions.nth(0)).to_contain_text("Corrections from the coast guard")
    expect(versions.nth(1)).to_contain_text(first_path.name)
    expect(page.get_by_role("link", name="Download version 2", exact=True)).to_have_count(2)  # button and row

    # Both versions come back byte for byte, under their original names.
    for number, original, path in ((1, first, first_path), (2, second, second_path)):
        data, name = _download(page, number)
        assert sha256(data) == sha256(original), f"version {number} downloads with other bytes"
        assert name == path.name
    # The table shows the start of each SHA-256 (wide screens only).
    expect(page.locator("#versions code.sha").nth(0)).to_have_text(sha256(second)[:16] + "…")
    expect(page.locator("#versions code.sha").nth(1)).to_have_text(sha256(first)[:16] + "…")

    assert not _temp_uploads(live_server), "kept uploads left temporary files behind"
    assert not console.errors, "\n".join(console.errors)


def test_a_file_whose_content_does_not_match_its_name_is_refused(
    delegate_page: Page, live_server: LiveServer, member_token: str, tmp_path: Path,
    axe_check: Callable[[Page], list[str]],
) -> None:
    page = delegate_page
    title = f"Not really a PDF ({uuid.uuid4().hex[:6]})"
    fake = tmp_path / "report.pdf"
    fake.write_bytes(HTML)

    page.goto(f"/networks/{SLUG}/documents/new")
    page.get_by_label("File", exact=True).set_input_files(fake)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("button", name="Upload", exact=True).click()

    alert = page.locator("#upload-error-summary").get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("There is a problem")
    expect(alert).to_contain_text("The file's content does not match its name (.pdf)")
    expect(alert).to_be_focused()
    expect(page.locator("#upload-progress")).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/networks/{SLUG}/documents/new$"))
    expect(page.get_by_label("Title", exact=True)).to_have_value(title)  # nothing typed is lost

    assert title not in _titles(live_server, member_token), "a refused file became a document"
    assert not _temp_uploads(live_server), "the refused file stayed in the temporary folder"
    problems = axe_check(page)
    assert not problems, "axe on the upload form with the refusal:\n" + "\n".join(problems)


def test_language_versions_side_by_side_on_desktop_and_stacked_on_phones(
    delegate_page: Page, live_server: LiveServer, watch_console: Callable[[Page], Any],
) -> None:
    from tests.browser.conftest import _api_upload

    page = delegate_page
    console = watch_console(page)
    token = live_server.create_token("delegate.tt@cmc.demo", f"languages {uuid.uuid4().hex[:6]}")
    document = _api_upload(live_server, token, "/networks/migrant-smuggling/documents",
                           {"title": "Returns of migrants by sea, 2026 / Retornos de migrantes por mar, 2026",
                            "kind": "report", "languages": "en"},
                           "returns-by-sea-2026-en.pdf", pdf("Returns of migrants by sea"), "application/pdf")
    _api_upload(live_server, token, f"/documents/{document['id']}/versions", {"language": "es"},
                "retornos-por-mar-2026-es.pdf", pdf("Retornos de migrantes por mar"), "application/pdf")
    page.goto(f"/documents/{document['id']}")
    cards = page.locator("#language-versions article")
    expect(cards).to_have_count(2)
    expect(cards.nth(0).locator("h3[lang=en]")).to_have_text("English")
    expect(cards.nth(1).locator("h3[lang=es]")).to_have_text("Español")
    screens = Path(__file__).resolve().parents[2] / "screenshots"
    screens.mkdir(exist_ok=True)
    for width, side_by_side in ((1280, True), (390, False)):
        page.set_viewport_size({"width": width, "height": 900})
        first, second = (cards.nth(i).bounding_box() for i in (0, 1))
        assert first is not None and second is not None
        assert (abs(first["y"] - second["y"]) < 1) is side_by_side, (width, first, second)
        page.locator("#language-versions").scroll_into_view_if_needed()
        page.screenshot(path=str(screens / f"document-languages-{width}.png"), full_page=True, animations="disabled")
    assert not console.errors, "\n".join(console.errors)

"""A 200 MB upload through the real page processes: how much the server's memory grows, and how fast it goes.

A plain member uploads a 200 MB ``.txt`` file (real words, valid UTF-8, so it passes the content checks and its
text is extracted for search like any upload) as a multipart POST to the documents upload route
(``/networks/<slug>/documents/new``), streamed from disk by the client. The page processes are gunicorn with
``deploy/gunicorn-pages.conf.py`` (sync workers) and ``CMC_MAX_UPLOAD_MB=256`` (the documented setting; the
default is 50). Resident memory of the master and its workers is sampled from ``/proc`` every 20 ms during the
upload; growth = peak total minus the total just before. Two small uploads first warm both workers up.

It runs on the small demo instance (``cmc seed --demo``) with its own upload folder, removed afterwards, so the
scale datasets that the other benchmarks compare stay untouched: an upload's cost does not depend on how many
documents exist.

Target: memory growth < 30 MB. Throughput (MB/s, from the first byte sent to the answer) is reported.

Run: ``.venv/bin/python -m tests.perf.bench_upload`` (writes ``tests/perf/results/upload.json``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests.perf import harness
from tests.perf.harness import MB, Row, limit_row

NAME = "upload"
TITLE = "A 200 MB upload: server memory growth and throughput"
SIZE_MB = int(os.environ.get("CMC_BENCH_UPLOAD_MB", "200"))
RUNS = 2
GROWTH_TARGET_MB = 30.0
SENTENCES = (
    "The regional consultation reviewed the referral of people in need of international protection.",
    "Border officials exchanged practice on the identification of victims of trafficking at sea ports.",
    "Member states agreed to share anonymised figures on irregular arrivals every quarter.",
    "The working group on migrant smuggling met in Port of Spain to prepare the annual report.",
    "Delegates asked the secretariat to circulate the draft protocol before the next plenary session.",
    "Training needs were identified for coast guards, immigration officers and consular staff.",
    "The network welcomed the new focal points and reminded everyone of the reporting calendar.",
    "Alerts on unusual movements of small vessels were acknowledged by every party within the hour.",
)


def make_text_file(path: Path, size_mb: int) -> Path:
    """A ``size_mb`` MB UTF-8 text file of numbered sentences (kept for the next run when the size matches)."""
    size = size_mb * MB
    if path.exists() and path.stat().st_size == size:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    number = 0
    while sum(len(line) for line in lines) < MB:
        number += 1
        lines.append(f"{number:07d} {SENTENCES[number % len(SENTENCES)]}\n")
    block = "".join(lines).encode()[:MB]
    block = block[: block.rfind(b"\n") + 1].ljust(MB, b" ")
    with open(path, "wb") as handle:
        for _ in range(size_mb):
            handle.write(block)
    return path


def main() -> None:
    """Start the page processes on the demo instance, upload, sample memory, write the result."""
    instance = harness.prepare_instance(scale=None)
    member = harness.pick_member(instance)
    big = make_text_file(harness.WORK / f"upload-{SIZE_MB}mb.txt", SIZE_MB)
    small = make_text_file(harness.WORK / "upload-1mb.txt", 1)
    upload_dir = instance.path / "bench-uploads"
    shutil.rmtree(upload_dir, ignore_errors=True)
    extra = {"CMC_MAX_UPLOAD_MB": "256", "CMC_UPLOAD_DIR": str(upload_dir)}
    growths: list[int] = []
    worker_growths: list[int] = []
    seconds: list[float] = []
    try:
        with harness.running_pages(instance, extra_env=extra, log_name="upload-pages.log") as server:
            session = harness.sign_in(server.base_url, member.email, instance.password)
            path = f"/networks/{member.network_slug}/documents/new"
            form = harness.check_page(server.url(path), session)  # also keeps the cookie holding the CSRF token
            token = harness.csrf_token(form.text)
            headers = {"Cookie": session.cookie, "X-Requested-With": "fetch", "X-CSRFToken": token}

            def upload(file: Path, title: str) -> tuple[harness.Response, float]:
                fields = {"csrf_token": token, "title": title, "description": "Benchmark upload",
                          "kind": "report", "languages": "en", "audience": "network"}
                answer, elapsed = harness.multipart_upload(server.url(path), file_path=file, fields=fields,
                                                           filename=file.name, content_type="text/plain",
                                                           headers=headers)
                if answer.status != 201:
                    raise RuntimeError(f"the upload answered {answer.status}: {answer.text[:500]}")
                location = json.loads(answer.body)["location"]
                page = harness.fetch(server.url(location), cookie=session.cookie)
                if page.status != 200:
                    raise RuntimeError(f"the uploaded document's page {location} answered {page.status}")
                return answer, elapsed

            for n in range(4):  # each worker gets a small upload first: code paths loaded, pools open
                upload(small, f"Warm-up upload {n + 1}")
            for run in range(RUNS):
                with harness.RssSampler(server.pid, interval=0.02) as sampler:
                    _answer, elapsed = upload(big, f"Benchmark upload of {SIZE_MB} MB ({run + 1})")
                growths.append(sampler.growth)
                worker_growths.append(sampler.largest_process_growth)
                seconds.append(elapsed)
                print(f"  run {run + 1}: {SIZE_MB} MB in {elapsed:.2f} s ({SIZE_MB / elapsed:.0f} MB/s), memory "
                      f"{sampler.baseline / MB:.0f} MB before, peak {sampler.peak / MB:.0f} MB (+"
                      f"{sampler.growth / MB:.1f} MB; largest single process +{sampler.largest_process_growth / MB:.1f}"
                      f" MB; {sampler.samples} samples)", flush=True)
            stored = sorted((p for p in upload_dir.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
            if not stored or stored[-1].stat().st_size != SIZE_MB * MB:
                raise RuntimeError("the uploaded file was not stored whole")
            log = server.output()
    finally:
        shutil.rmtree(upload_dir, ignore_errors=True)

    growth_mb = max(growths) / MB
    throughput = SIZE_MB / harness.median(seconds)
    rows: list[Row] = [
        limit_row(f"memory growth during a {SIZE_MB} MB upload (worst of {RUNS})", growth_mb, "MB",
                  below=GROWTH_TARGET_MB),
        harness.info_row("growth of the single process that took the upload (worst)", max(worker_growths) / MB, "MB"),
        harness.info_row(f"upload throughput (median of {RUNS})", throughput, "MB/s"),
    ]
    notes: list[str] = []
    if growth_mb >= GROWTH_TARGET_MB:
        notes.append(f"Target missed: the page processes grew by {growth_mb:.0f} MB during a {SIZE_MB} MB upload "
                     f"(target < {GROWTH_TARGET_MB:g} MB). The request parser streams the file to a temporary "
                     "file, so the growth comes from what runs after it: the text extraction for search (in "
                     "cmc.services.extract) collapses whitespace with one re.sub over up to 4 MB of text, which "
                     "builds over a million temporary strings (about +50 MB measured on its own; a whitespace "
                     "collapse 64 KB at a time peaks at about +6 MB).")
    if "Traceback" in log or " ERROR " in log:
        notes.append("The page processes logged an error during the run.")
    notes.append("Client and server share the machine; the throughput is bounded by the request parser, the SHA-256 "
                 "pass over the file, text extraction and the disk, not by a network.")
    setup = (f"{harness.machine_description()}. Demo instance {instance.name} (cmc seed --demo), signed in as "
             f"{member.email}, uploading to {member.network_slug}. Page processes: gunicorn "
             f"{harness.gunicorn_version()} -c deploy/gunicorn-pages.conf.py -w {harness.default_workers()} (sync), "
             f"CMC_MAX_UPLOAD_MB=256, uploads in a temporary folder of the instance. File: {SIZE_MB} MB of UTF-8 text "
             f"(.txt), multipart POST streamed from disk in 1 MB chunks by a Python http.client; RSS of the master and "
             f"workers sampled from /proc every 20 ms; {RUNS} measured uploads after 4 warm-up uploads of 1 MB.")
    harness.write_result(NAME, TITLE, setup, rows, notes)


if __name__ == "__main__":
    main()

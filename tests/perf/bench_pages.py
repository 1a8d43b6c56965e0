"""Page throughput: the network workspace, the alerts list and home under ``wrk`` (8 connections, 10 s each after a
3 s warm-up) on the scale-1 data, signed in as a plain member of the biggest network, served by the production
page processes (gunicorn sync workers, ``deploy/gunicorn-pages.conf.py``). Each page is compared with a bare Flask
app running the same four indexed queries on the same database (``tests/perf/reference_app.py``), measured right
after it under the same load.

Targets: throughput >= 0.7x the reference; p99 < 50 ms; CPU per request (page workers + PostgreSQL) <= 1.5x the
reference's. CPU is read from ``/proc`` around each measured run (``tests/perf/cpu.py``): the server's process
tree, and the PostgreSQL backends connected to the benchmark database.

Run: ``.venv/bin/python -m tests.perf.bench_pages`` (writes ``tests/perf/results/pages.json``).
"""

from __future__ import annotations

import os
import time

from tests.perf import harness
from tests.perf.cpu import CpuMeter, CpuReading
from tests.perf.harness import MB, Row, limit_row, ratio_row

NAME = "pages"
TITLE = "Page throughput and p99 against a bare Flask reference"
CONNECTIONS = 8
DURATION_S = float(os.environ.get("CMC_BENCH_PAGE_SECONDS", "10"))
WARMUP_S = 3.0
THROUGHPUT_TARGET = 0.7  # x reference
P99_TARGET_MS = 50.0
CPU_TARGET = 1.5  # x reference: CPU per request, page workers + PostgreSQL


def _measured(server: harness.Server, monitor: object, path: str, headers: dict[str, str] | None
              ) -> tuple[harness.WrkResult, CpuReading]:
    """One measured wrk run against ``server`` and the CPU its processes and the database's backends used."""
    meter = CpuMeter(tree=lambda: harness.process_tree(server.pid), connection=monitor)
    meter.start()
    result = harness.run_wrk(server.url(path), connections=CONNECTIONS, duration_s=DURATION_S, headers=headers)
    return result, meter.stop()


def _cpu_summary(reading: CpuReading, result: harness.WrkResult) -> str:
    worker_ms, database_ms = reading.per_request_ms(result.requests)
    return f"CPU/request: workers {worker_ms:.2f} ms, PostgreSQL {database_ms:.2f} ms"


def navigation_cost(instance: harness.Instance, member: harness.Member, repeat: int = 7) -> float:
    """Median milliseconds of the two queries the alerts context processor runs on every page for the member
    (the count of unacknowledged active alerts and the newest alert id), in-process."""
    app = instance.create_app()
    from cmc.extensions import db
    from cmc.models import Account
    from cmc.services import alerts

    times = []
    with app.app_context():
        actor = db.session.get(Account, member.account_id)
        assert actor is not None
        for _ in range(repeat):
            started = time.perf_counter()
            alerts.unacknowledged_count(actor)
            alerts.latest_id(actor)
            times.append((time.perf_counter() - started) * 1000)
        db.session.remove()
    return harness.median(times)


def main() -> None:
    """Prepare the data, start both servers, check each page, measure, write the result."""
    instance = harness.prepare_instance(scale=1)
    member = harness.pick_member(instance)
    network_name = instance.query("SELECT name FROM networks WHERE id = %s", (member.network_id,))[0][0]
    pages = [
        ("network workspace", f"/networks/{member.network_slug}", [network_name]),
        ("alerts list", "/alerts", ["</html>"]),
        ("home", "/", ["</html>"]),
    ]
    ref_env = {**instance.env, "CMC_REF_DATABASE_URL": instance.database_url,
               "CMC_REF_ACCOUNT_ID": str(member.account_id), "CMC_REF_PARTY_ID": str(member.party_id),
               "CMC_REF_NETWORK_ID": str(member.network_id)}
    rows: list[Row] = []
    notes: list[str] = []
    measured: list[tuple[str, harness.WrkResult, harness.WrkResult]] = []
    cpu: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
    with harness.running_pages(instance) as pages_server, \
            harness.running_gunicorn("tests.perf.reference_app:app", ref_env, instance.path / "reference.log",
                                     workers=pages_server.workers) as reference:
        session = harness.sign_in(pages_server.base_url, member.email, instance.password)
        headers = {"Cookie": session.cookie}
        for label, path, expected in pages:
            answer = harness.check_page(pages_server.url(path), session, must_contain=expected)
            ref_answer = harness.check_page(reference.url(path), None, min_bytes=200)
            print(f"  {label}: {path} answers 200 signed in ({len(answer.body):,} bytes; reference "
                  f"{len(ref_answer.body):,} bytes)", flush=True)
        rss_before = harness.tree_rss(pages_server.pid)
        monitor = harness.connect(instance.database_url)
        for label, path, _expected in pages:
            harness.run_wrk(pages_server.url(path), connections=CONNECTIONS, duration_s=WARMUP_S, headers=headers)
            platform, platform_cpu = _measured(pages_server, monitor, path, headers)
            print(f"  {label:<18} platform  {platform.summary()}  {_cpu_summary(platform_cpu, platform)}",
                  flush=True)
            harness.run_wrk(reference.url(path), connections=CONNECTIONS, duration_s=WARMUP_S)
            bare, bare_cpu = _measured(reference, monitor, path, None)
            print(f"  {label:<18} reference {bare.summary()}  {_cpu_summary(bare_cpu, bare)}", flush=True)
            measured.append((label, platform, bare))
            cpu[label] = (platform_cpu.per_request_ms(platform.requests), bare_cpu.per_request_ms(bare.requests))
            time.sleep(0.5)
        monitor.close()
        rss_after = harness.tree_rss(pages_server.pid)
        log = pages_server.output()

    for label, platform, bare in measured:
        (worker_ms, database_ms), (ref_worker_ms, ref_database_ms) = cpu[label]
        rows.append(ratio_row(f"{label}: CPU per request, page workers + PostgreSQL", worker_ms + database_ms,
                              "ms", ref_worker_ms + ref_database_ms, at_most=CPU_TARGET))
        rows.append(ratio_row(f"{label}: CPU per request, page workers", worker_ms, "ms", ref_worker_ms))
        rows.append(ratio_row(f"{label}: CPU per request, PostgreSQL", database_ms, "ms", ref_database_ms))
        rows.append(ratio_row(f"{label}: throughput", platform.requests_per_s, "req/s", bare.requests_per_s,
                              at_least=THROUGHPUT_TARGET))
        rows.append(limit_row(f"{label}: p99 latency", platform.p99_ms, "ms", below=P99_TARGET_MS))
        rows.append(harness.info_row(f"{label}: reference p99 latency", bare.p99_ms, "ms"))
        if platform.non_200:
            notes.append(f"{label}: {platform.non_200} answers were not 200 under load ({platform.statuses}, "
                         f"errors {platform.errors}); the figures are suspect.")
    rows.append(harness.info_row("page processes' memory after the runs", rss_after / MB, "MB"))
    navigation_ms = navigation_cost(instance, member)
    rows.append(harness.info_row("navigation alert queries run by every page (in-process, median, no load)",
                                 navigation_ms, "ms"))

    for label, platform, bare in measured:
        ratio = platform.requests_per_s / bare.requests_per_s if bare.requests_per_s else 0.0
        if ratio < THROUGHPUT_TARGET:
            notes.append(f"Target missed: the {label} serves {platform.requests_per_s:.0f} req/s, "
                         f"{ratio:.2f}x the bare reference's {bare.requests_per_s:.0f} req/s (target >= "
                         f"{THROUGHPUT_TARGET}x). Besides the page's own queries, every platform page reads the "
                         "session with the person's account and memberships (one statement), the navigation badge "
                         "(cached: its two queries, "
                         f"{navigation_ms:.0f} ms without load, run only after a change), and renders a full "
                         "template (layout, navigation, CSRF token, every string, label and date in the reader's "
                         "language and zone) through Flask-Login, Flask-WTF and Flask-Babel.")
        (worker_ms, database_ms), (ref_worker_ms, ref_database_ms) = cpu[label]
        ref_total = ref_worker_ms + ref_database_ms
        if ref_total and worker_ms + database_ms > CPU_TARGET * ref_total:
            notes.append(f"Target missed: the {label} costs {worker_ms:.1f} ms of page-worker CPU and "
                         f"{database_ms:.1f} ms of PostgreSQL CPU per request, "
                         f"{(worker_ms + database_ms) / ref_total:.2f}x the reference's {ref_worker_ms:.1f} + "
                         f"{ref_database_ms:.1f} ms (target <= {CPU_TARGET:g}x).")
        if platform.p99_ms >= P99_TARGET_MS:
            notes.append(f"Target missed: the {label}'s p99 is {platform.p99_ms:.1f} ms (target < {P99_TARGET_MS:g} "
                         f"ms) at {CONNECTIONS} connections on {os.cpu_count()} cores.")
    if "Traceback" in log or " ERROR " in log:
        notes.append("The page processes logged an error during the run (see the instance's pages.log).")
    notes.append("The reference runs only the four content queries of each page with the member's ids fixed in "
                 "its environment: no session lookup, no sign-in check, no permission queries, no CSRF, Babel or "
                 "template inheritance. The ratio is therefore what the platform's whole request pipeline costs "
                 "over the bare queries.")
    notes.append("Signed in once through the real form; page views carry no rate limit (only sign-in failures "
                 "count), which the benchmark checks from the absence of rate-limit headers.")
    setup = (f"{harness.machine_description()}. Dataset: {instance.dataset} in PostgreSQL database "
             f"{instance.name}; signed in as {member.email}, a plain member of {member.network_slug}. Page "
             f"processes: gunicorn {harness.gunicorn_version()} -c deploy/gunicorn-pages.conf.py (sync workers) "
             f"-w {measured and pages_server.workers}, Redis as message queue and limiter storage, access log on. "
             f"Reference: tests/perf/reference_app.py under the same gunicorn settings. Load: wrk {CONNECTIONS} "
             f"connections, 2 threads, {WARMUP_S:g} s warm-up then {DURATION_S:g} s per page, platform then "
             f"reference back to back for each page; latency percentiles from wrk --latency. Memory before the "
             f"runs {rss_before / MB:.0f} MB (master and workers).")
    harness.write_result(NAME, TITLE, setup, rows, notes)


if __name__ == "__main__":
    main()

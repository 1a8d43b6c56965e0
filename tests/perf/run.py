"""``make bench``: run every benchmark under ``tests/perf/`` one after the other, each in a process of its own, then
write ``tests/perf/RESULTS.md`` from their results (``tests/perf/report.py``).

A benchmark that fails is reported as failed in RESULTS.md (its previous result is not reused) and the others still
run; the command exits non-zero if any failed. ``make bench BENCH="fanout pages"`` runs only those.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.perf import harness, report

#: In the order they run: the data-heavy ones share the scale-1 database, prepared once by the first.
BENCHMARKS = ("pages", "fixed_costs", "growth", "search", "upload", "fanout", "alerts_under_load", "slowlink")


def main() -> int:
    """Run the chosen benchmarks, write RESULTS.md, and return the exit status."""
    chosen = os.environ.get("BENCH", "").split() or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    harness.ensure_wrk()
    started = time.monotonic()
    failed: dict[str, str] = {}
    timings: dict[str, float] = {}
    for name in chosen:
        (harness.RESULTS / f"{name}.json").unlink(missing_ok=True)  # never report a stale figure as this run's
        began = time.monotonic()
        result = subprocess.run([sys.executable, "-m", f"tests.perf.bench_{name}"], cwd=harness.ROOT, check=False)
        timings[name] = time.monotonic() - began
        if result.returncode != 0:
            failed[name] = f"exited with status {result.returncode}"
            print(f"!! benchmark {name} failed ({failed[name]})", flush=True)
    total = time.monotonic() - started
    path = report.write_report(failed=failed, timings=timings, total_seconds=total)
    print(f"\nmake bench took {total / 60:.1f} min; wrote {path.relative_to(harness.ROOT)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

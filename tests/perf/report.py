"""Turn the benchmarks' result files (``tests/perf/results/<name>.json``) into ``tests/perf/RESULTS.md``: every
figure next to its target and a plain verdict, the setup of each benchmark, and what limits a missed target."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.perf import harness

RESULTS_MD = harness.PERF / "RESULTS.md"
ORDER = ("fanout", "alerts_under_load", "pages", "growth", "upload", "search", "slowlink")


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}".removesuffix(".0")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _verdict(met: bool | None) -> str:
    return "" if met is None else ("met" if met else "**MISSED**")


def _commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=harness.ROOT, capture_output=True,
                            text=True, check=False)
    return result.stdout.strip() or "unknown"


def load_results(directory: Path = harness.RESULTS) -> list[dict[str, Any]]:
    """The result documents found, in the benchmarks' order."""
    found = {}
    for path in directory.glob("*.json"):
        if path.stem.endswith("-raw"):
            continue
        found[path.stem] = json.loads(path.read_text())
    return [found[name] for name in sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else 99, n))]


def render(results: list[dict[str, Any]], *, failed: dict[str, str] | None = None,
           timings: dict[str, float] | None = None, total_seconds: float | None = None) -> str:
    """RESULTS.md's text."""
    failed = failed or {}
    timings = timings or {}
    lines = ["# Benchmark results", "",
             f"Written by `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit "
             f"`{_commit()}`" + (f", in {total_seconds / 60:.1f} minutes" if total_seconds else "") + ".",
             f"Machine: {harness.machine_description()}.", "",
             "Each benchmark measures its reference in the same run; a ratio is the platform's figure divided by "
             "the reference's. Targets come from issue 8. Figures on a 2-core machine shared by the load "
             "driver, the servers, PostgreSQL and Redis vary by 10-30 % between runs.", ""]
    summary = [(doc, row) for doc in results for row in doc["rows"] if row.get("met") is not None]
    met = sum(1 for _, row in summary if row["met"])
    lines += ["## Summary", "", f"{met} of {len(summary)} targets met."
              + (f" Benchmarks that failed to run: {', '.join(f'{k} ({v})' for k, v in failed.items())}."
                 if failed else ""), "",
              "| benchmark | figure | value | reference | ratio | target | verdict |",
              "|---|---|---:|---:|---:|---|---|"]
    for doc, row in summary:
        lines.append(f"| {doc['name']} | {row['figure']} | {_number(row['value'])} {row['unit']} | "
                     f"{_number(row.get('reference'))} | {_number(row.get('ratio'))}{'x' if row.get('ratio') else ''}"
                     f" | {row.get('target', '')} | {_verdict(row['met'])} |")
    lines.append("")
    for doc in results:
        seconds = timings.get(doc["name"])
        lines += [f"## {doc['title']}", "", f"`tests/perf/bench_{doc['name']}.py`"
                  + (f", {seconds:.0f} s" if seconds else "") + ". " + doc["setup"], "",
                  "| figure | value | reference | ratio | target | verdict |", "|---|---:|---:|---:|---|---|"]
        for row in doc["rows"]:
            ratio = row.get("ratio")
            lines.append(f"| {row['figure']} | {_number(row['value'])} {row['unit']} | {_number(row.get('reference'))}"
                         f" | {_number(ratio)}{'x' if ratio else ''} | {row.get('target', '')} | "
                         f"{_verdict(row.get('met'))} |")
        if doc.get("notes"):
            lines += ["", *[f"- {note}" for note in doc["notes"]]]
        lines.append("")
    for name, why in failed.items():
        lines += [f"## {name}: did not run to the end", "", f"`tests/perf/bench_{name}.py` {why}; see its output.", ""]
    return "\n".join(lines)


def write_report(*, failed: dict[str, str] | None = None, timings: dict[str, float] | None = None,
                 total_seconds: float | None = None) -> Path:
    """Write RESULTS.md from the result files present and return its path."""
    RESULTS_MD.write_text(render(load_results(), failed=failed, timings=timings, total_seconds=total_seconds))
    return RESULTS_MD


if __name__ == "__main__":
    print(write_report())

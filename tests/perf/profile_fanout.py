"""Where the fan-out's CPU goes: py-spy samples the realtime processes (and the page workers) of the production
layout while the Node.js driver publishes alerts to N connected members, then prints the functions that hold the
most samples, by their own time and including their callees.

Not part of ``make bench`` (py-spy is no dependency of the platform: put it on PATH, or name it in ``PY_SPY``).
Run: ``.venv/bin/python -m tests.perf.profile_fanout [CLIENTS] [ALERTS]`` (default 1000 and 60); the raw collapsed
stacks are kept under ``tests/perf/.work/profile-*.txt`` for a flame graph.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.perf import fanout, harness

RATE = 500  # samples a second: enough for a few thousand samples per run, little overhead


def _spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy is needed: put it on PATH or name it in PY_SPY")
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw",
                             "--output", str(out), "--nonblocking", "--subprocesses"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cpu_split(pids: list[int]) -> tuple[float, float]:
    """User and system CPU seconds of ``pids`` so far (from /proc; ended processes count nothing)."""
    ticks = os.sysconf("SC_CLK_TCK")
    user = system = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        user += int(fields[11]) / ticks
        system += int(fields[12]) / ticks
    return user, system


def _wait_connected(url: str, clients: int, timeout: float = 300.0) -> None:
    """Until every client holds a live connection (the realtime processes record each one), then a moment more
    for their bookkeeping (the driver waits 500 ms too before publishing)."""
    deadline = time.monotonic() + timeout
    with harness.connect(url) as connection:
        while time.monotonic() < deadline:
            if connection.execute("SELECT count(*) FROM live_connections").fetchone()[0] >= clients:
                time.sleep(0.3)
                return
            time.sleep(0.1)
    raise RuntimeError(f"{clients} clients did not connect in {timeout:.0f} s")


def _frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rpartition(" ")
    return stack.split(";"), int(count)


def summarise(path: Path, alerts: int, top: int = 25) -> None:
    """Print the heaviest functions of a collapsed-stack file, in samples and in ms of CPU per alert."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        frames, count = _frames(line)
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    per_alert = 1000.0 / RATE / alerts
    print(f"\n{path.name}: {total} samples = {total * per_alert:.1f} ms CPU per alert (all stacks)")
    for title, counter in (("own time", own), ("including callees", inclusive)):
        print(f"  -- {title}")
        for frame, count in counter.most_common(top):
            print(f"  {count * per_alert:7.2f} ms  {100 * count / max(total, 1):5.1f} %  {frame[:150]}")


def main() -> None:
    """Prepare the members, start the layout, warm it up, then profile one driver run."""
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    alerts = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    fanout.ensure_node_modules()
    prepared = fanout.prepare_fanout_instance(clients)
    with fanout.running_layout(prepared.instance) as layout:
        fanout.warm_up(fanout.platform_config(prepared, layout, 200))
        outputs = {f"realtime-{i}": harness.WORK / f"profile-realtime-{i}.txt" for i in range(len(layout.realtime))}
        outputs["pages"] = harness.WORK / "profile-pages.txt"
        pids = [r.pid for r in layout.realtime] + [layout.pages.pid]
        config = {**fanout.platform_config(prepared, layout, clients), "broadcasts": alerts}
        results: list[dict[str, object]] = []
        driver = threading.Thread(target=lambda: results.append(fanout.run_driver(config)))
        driver.start()
        _wait_connected(prepared.instance.database_url, clients)  # the connect phase is not the fan-out
        spies = [_spy(pid, out) for pid, out in zip(pids, outputs.values(), strict=True)]
        workers = {name: harness.process_tree(pid) for name, pid in zip(outputs, pids, strict=True)}
        started = {name: _cpu_split(tree) for name, tree in workers.items()}
        driver.join()
        ended = {name: _cpu_split(tree) for name, tree in workers.items()}
        result = results[0]
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            spy.wait(timeout=60)
    print("driver:", result["server"], result["latency_ms"])
    for name in outputs:  # fan-out window and teardown: user and kernel CPU apart, per alert
        user, system = (ended[name][i] - started[name][i] for i in (0, 1))
        print(f"{name}: {user * 1000 / alerts:.1f} ms user + {system * 1000 / alerts:.1f} ms system CPU per alert")
    for out in outputs.values():
        if out.exists():
            summarise(out, alerts)


if __name__ == "__main__":
    main()

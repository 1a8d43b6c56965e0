"""CPU time spent serving a benchmark run: the page processes' and PostgreSQL's, per request.

wrk says how many requests a run answered; the kernel says how much CPU each process used (``/proc/<pid>/stat``,
user + system, in clock ticks). :class:`CpuMeter` reads both groups of processes before and after a run:

* the server's process tree (the gunicorn master and its workers, :func:`harness.process_tree`);
* the PostgreSQL backends connected to the benchmark's database (``pg_stat_activity``; the benchmark's own
  monitoring connection left out). A backend that appears during the run counts from zero, one that ends
  during it counts up to its last reading (the pool keeps its connections, so both are rare).

Both servers run on this machine, so ``/proc`` sees them (the benchmark runs as root, or as the database's
owner, to read another user's ``stat``: a process it cannot read counts as zero and :attr:`CpuMeter.unread`
says how many there were).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far (None when it is gone or unreadable)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S  # utime, stime (fields 14 and 15 of stat)


def backend_pids(connection: Any) -> list[int]:
    """The pids of the PostgreSQL backends connected to ``connection``'s database, other than its own."""
    rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                              "AND pid <> pg_backend_pid()").fetchall()
    return [int(row[0]) for row in rows]


def _read(pids: list[int]) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := process_cpu_s(pid)) is not None}


@dataclass
class CpuReading:
    """CPU seconds used during one run: by the server's processes and by the database's backends."""

    server_s: float
    database_s: float

    def per_request_ms(self, requests: int) -> tuple[float, float]:
        """(server, database) milliseconds of CPU per request (0 without requests)."""
        if requests <= 0:
            return 0.0, 0.0
        return self.server_s * 1000 / requests, self.database_s * 1000 / requests


@dataclass
class CpuMeter:
    """Reads the CPU of a server's process tree and of the database's backends around a run.

    ``tree`` gives the server's pids (called at each reading: workers may be replaced); ``connection`` is a
    psycopg connection to the benchmark database, used only to list its backends.
    """

    tree: Any
    connection: Any
    unread: int = 0
    _server: dict[int, float] = field(default_factory=dict)
    _database: dict[int, float] = field(default_factory=dict)

    def start(self) -> None:
        """Take the readings a run is measured from."""
        self._server = _read(list(self.tree()))
        self._database = _read(backend_pids(self.connection))

    def stop(self) -> CpuReading:
        """The CPU used since :meth:`start`."""
        return CpuReading(server_s=self._delta(self._server, list(self.tree())),
                          database_s=self._delta(self._database, backend_pids(self.connection)))

    def _delta(self, before: dict[int, float], pids: list[int]) -> float:
        after = _read(pids)
        self.unread += len(set(pids) - after.keys())
        used = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
        # A process gone since the start used at least what it had then; its last part is lost (rare: the
        # pool and the sync workers keep their processes for the whole run).
        return max(used, 0.0)

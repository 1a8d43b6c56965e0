"""CPU per request of the three benchmark pages, in-process (a profile script, not a test and not a benchmark).

Builds the platform's app on a seeded scale database, signs a plain member in through the real form with the
Flask test client, then requests home, the network workspace and the alerts list ``--requests`` times each
and prints, per page, the median process CPU (user + system) of the Python side, the PostgreSQL backends' CPU
per request (from ``/proc`` of the database's server processes; PostgreSQL must run on this machine) and the
statements the page ran (with the BEGIN/ROLLBACK that SQLAlchemy's ``begin``/``rollback`` events see).

Run (the database from ``cmc seed --scale 1``, e.g. the one ``make bench`` builds):
``PYTHONPATH=platform .venv/bin/python -m tests.perf.profile_request_cost --database-url postgresql://.../db``
Without ``--database-url`` it uses (and builds once) the benchmark's ``cmc_bench_s1``. ``--cprofile PAGE``
prints the top functions of that page by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.perf import harness

PAGES = ("home", "network workspace", "alerts list")


def open_instance(url: str | None) -> harness.Instance:
    """The benchmark instance, or one pointed at ``url`` (an already seeded scale database)."""
    if url is None:
        return harness.prepare_instance(scale=1)
    path = Path(tempfile.gettempdir()) / "cmc_profile_instance"
    env = {**harness.instance_env(path, url), "CMC_LOG_LEVEL": "WARNING"}  # no line per request
    name = url.rsplit("/", 1)[-1]
    return harness.Instance(name=name, path=path, database_url=url, env=env, dataset="scale 1", scale=1,
                            alerts=None, password=harness.scale_password())


def _backend_cpu(instance: harness.Instance) -> float:
    """Seconds of CPU the PostgreSQL backends serving ``instance``'s database have used so far (this
    connection's own backend excluded)."""
    rows = instance.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                          "AND pid <> pg_backend_pid()")
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for (pid,) in rows:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def main() -> None:
    """Sign in, warm each page up, measure it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--cprofile", choices=PAGES, default=None)
    args = parser.parse_args()
    instance = open_instance(args.database_url)
    member = harness.pick_member(instance)
    app = instance.create_app()
    from sqlalchemy import event

    from cmc.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cu, sql, *_r: statements.append(sql))

    def transaction(word: str) -> Any:
        # SQLAlchemy signals a begin and a rollback on autocommit connections too; none reaches the server.
        def record(connection: Any) -> None:
            if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                statements.append(word)
        return record

    event.listen(engine, "begin", transaction("BEGIN"))
    event.listen(engine, "rollback", transaction("ROLLBACK"))
    client = app.test_client()
    token = harness.csrf_token(client.get("/sign-in").get_data(as_text=True))
    answer = client.post("/sign-in", data={"email": member.email, "password": instance.password,
                                           "csrf_token": token})
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in failed: {answer.status_code}")
    paths = {"home": "/", "network workspace": f"/networks/{member.network_slug}", "alerts list": "/alerts"}
    print(f"{instance.name}: signed in as {member.email}; {args.requests} requests per page", flush=True)
    for label in PAGES:
        path = paths[label]
        for _ in range(5):  # warm-up: templates compiled, statements cached, connections open
            client.get(path)
        statements.clear()
        client.get(path)
        shown = list(statements)
        cpu: list[float] = []
        db_before = _backend_cpu(instance)
        for _ in range(args.requests):
            started = time.process_time()
            answer = client.get(path)
            cpu.append((time.process_time() - started) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"{path} answered {answer.status_code}")
        db_ms = (_backend_cpu(instance) - db_before) * 1000 / args.requests
        transactions = sum(1 for s in shown if s in ("BEGIN", "ROLLBACK"))
        print(f"  {label:18} python CPU median {statistics.median(cpu):6.2f} ms (p10 "
              f"{sorted(cpu)[len(cpu) // 10]:.2f}), PostgreSQL CPU {db_ms:5.2f} ms/request, "
              f"{len(shown) - transactions} statements, {transactions} BEGIN/ROLLBACK", flush=True)
        if args.cprofile == label:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(20):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    for sql in shown if os.environ.get("CMC_PROFILE_SHOW_SQL") else ():
        print("   ", " ".join(sql.split())[:140])


if __name__ == "__main__":
    main()

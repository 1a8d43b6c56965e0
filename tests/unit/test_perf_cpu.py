"""The benchmark's CPU meter (tests/perf/cpu.py) reads real processes: this one, and PostgreSQL backends."""

from __future__ import annotations

import os

import pytest

from tests.perf import cpu

DATABASE_URL = os.environ.get("CMC_TEST_DATABASE_URL")


def _burn() -> int:
    return sum(i * i for i in range(2_000_000))


def test_this_process_cpu_grows_while_it_works() -> None:
    before = cpu.process_cpu_s(os.getpid())
    _burn()
    after = cpu.process_cpu_s(os.getpid())
    assert before is not None and after is not None and after > before


def test_a_process_that_is_gone_reads_as_none() -> None:
    assert cpu.process_cpu_s(2**31 - 1) is None


def test_per_request_divides_and_survives_no_requests() -> None:
    reading = cpu.CpuReading(server_s=0.5, database_s=0.25)
    assert reading.per_request_ms(100) == (5.0, 2.5)
    assert reading.per_request_ms(0) == (0.0, 0.0)


@pytest.mark.skipif(not DATABASE_URL, reason="needs CMC_TEST_DATABASE_URL (PostgreSQL)")
def test_meter_counts_the_backends_of_the_database_and_not_its_own() -> None:
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as monitor, \
            psycopg.connect(DATABASE_URL, autocommit=True) as worker:
        pids = cpu.backend_pids(monitor)
        assert worker.info.backend_pid in pids and monitor.info.backend_pid not in pids
        meter = cpu.CpuMeter(tree=lambda: [os.getpid()], connection=monitor)
        meter.start()
        worker.execute("SELECT count(*) FROM generate_series(1, 4000000)").fetchone()
        _burn()
        reading = meter.stop()
    assert reading.database_s > 0, "the worker's backend used CPU for the query"
    assert reading.server_s > 0, "this process used CPU while the meter ran"
    assert meter.unread == 0

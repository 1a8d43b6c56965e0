"""Benchmark data: ``cmc seed --scale N`` fills an empty (or freshly seeded) database with a large,
realistic and reproducible data set.

At scale 1: the 27 bundled parties, 1,000 accounts, 8 networks, 10,000 threads with replies, 20,000
documents (small real TXT, PDF and DOCX files in the real storage layout, indexed for search exactly as an
upload is), 100,000 alerts over about three years with acknowledgements, and 300 meetings with agendas.
Every count but the parties grows linearly with N; ``alerts`` overrides the alert count alone.

Speed matters more than going through the services one row at a time (the benchmarks want scale 1 in well
under three minutes on two cores): rows are written with bulk Core inserts inside one transaction, the one
password hash is reused, and no audit row is written per generated item. One ``seed.scale`` audit row is
appended through the normal chain at the end, so ``cmc audit verify`` still passes.

Text comes from word lists and templates with fixed random seeds. Each part of the data (accounts, threads,
documents, alerts, meetings) draws from a generator of its own, so changing the alert count leaves
everything else exactly as it was (the growth benchmark relies on that).

The parts: :mod:`~cmc.devtools.model` (the plan, the constants, the state of a run), :mod:`~cmc.devtools.words`
(word lists and templates), :mod:`~cmc.devtools.bulk` (the writers per database), and one module per kind of
content (:mod:`~cmc.devtools.people`, ``threads``, ``documents``, ``meetings``, ``alerts``). This module runs
them in order inside one transaction.
"""

from __future__ import annotations

import os
import time as clock
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app

from cmc.database import write_transaction
from cmc.devtools.alerts import make_alerts
from cmc.devtools.bulk import fix_sequences, insert
from cmc.devtools.documents import make_documents
from cmc.devtools.meetings import make_meetings
from cmc.devtools.model import (
    BIG_NETWORK,
    EMAIL_DOMAIN,
    SCALE_PASSWORD,
    SCALE_TOTP_SECRET,
    YEARS,
    Run,
    ScalePlan,
    ScaleSeedRefused,
    email_of,
    plan,
    refusal,
)
from cmc.devtools.people import load_parties, make_accounts, make_networks
from cmc.devtools.threads import make_threads
from cmc.devtools.words import body_html
from cmc.extensions import db
from cmc.models import Activity
from cmc.services import audit
from cmc.services import seed as base_seed
from cmc.services.passwords import hash_password

__all__ = ["BIG_NETWORK", "EMAIL_DOMAIN", "SCALE_PASSWORD", "SCALE_TOTP_SECRET", "ScalePlan", "ScaleSeedRefused",
           "body_html", "email_of", "plan", "refusal", "seed_scale", "summary_lines"]


def seed_scale(scale: float, *, alerts: int | None = None, now: datetime | None = None,
               echo: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Generate the benchmark data set for ``scale`` (and ``alerts`` alerts when given) and return a summary.

    Runs the normal seed first when the database is empty; raises ``ScaleSeedRefused`` (having changed
    nothing) for a bad scale or a database that holds more than the normal seed.
    """
    the_plan = plan(scale, alerts)
    reason = refusal()
    if reason is not None:
        raise ScaleSeedRefused(f"The database holds more than the normal seed ({reason}). "
                               "Scale seeding runs only on an empty or freshly seeded database.")
    db.session.commit()  # end the read transaction of the checks
    base_seed.seed()  # the 27 parties and the three networks of the first meeting (no-op when seeded)
    end = (now or datetime.now(UTC)).replace(microsecond=0) - timedelta(minutes=5)
    run = Run(plan=the_plan, now=end, start=end - timedelta(days=365 * YEARS),
              storage=current_app.extensions["cmc_storage"], echo=echo or (lambda _line: None))
    run.echo(f"Scale seed {scale:g}: {asdict(the_plan)}")
    try:
        with write_transaction():
            load_parties(run)
            make_networks(run)
            make_accounts(run, hash_password(SCALE_PASSWORD))
            make_threads(run)
            make_documents(run)
            make_meetings(run)
            make_alerts(run)
            _activities(run)
            fix_sequences()
            audit.record(None, "seed.scale", target_type="database", actor_label="seed",
                         details={"scale": scale, **run.counts})
            os.sync()  # the files must be on disk before the rows that point at them are committed
    except BaseException:
        for path in run.written:  # the rows were rolled back: their files must not stay either
            path.unlink(missing_ok=True)
        raise
    return {"scale": scale, **run.counts, "files": len(run.written),
            "seconds": round(clock.monotonic() - run.started, 1)}


def _activities(run: Run) -> None:
    """The activity lines of everything above, in time order (feeds read them by id)."""
    run.activities.sort(key=lambda line: line[0])
    rows = [{"network_id": network_id, "actor_id": actor, "verb": verb, "subject_type": subject_type,
             "subject_id": subject_id, "summary": summary[:300], "at": at}
            for at, network_id, actor, verb, subject_type, subject_id, summary in run.activities]
    insert(Activity, rows)
    run.step("activity lines", len(rows))


def summary_lines(result: dict[str, Any]) -> Iterable[str]:
    """What ``cmc seed --scale`` prints at the end."""
    shown = {key: value for key, value in result.items() if key not in ("scale", "seconds")}
    yield f"Scale seed {result['scale']:g} done in {result['seconds']:.1f} s: " + ", ".join(
        f"{value:,} {key}" for key, value in shown.items()) + "."
    yield (f"Accounts: {email_of(1)} to {email_of(result.get('accounts', 0))}, password: {SCALE_PASSWORD} "
           f"(every account is in {BIG_NETWORK}; {email_of(1)} is in every network and coordinates none).")
    yield (f"Network coordinators must use a second factor: their TOTP secret is {SCALE_TOTP_SECRET} "
           "(see the memberships with role coordinator).")

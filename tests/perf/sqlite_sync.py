"""What ``PRAGMA synchronous=FULL`` costs a write on this machine, against NORMAL: the time of one published
alert and of one thread reply (each a service call that commits once), on a real SQLite file in WAL mode.

The rounds alternate NORMAL and FULL on the same database so that the disk's own drift falls on both. Each
figure is the median over the round's writes, then the median over rounds.

Run: ``.venv/bin/python -m tests.perf.sqlite_sync [WRITES] [ROUNDS]`` (default 200 writes, 5 rounds). Not part of
``make bench``: it takes about a minute and answers one question, recorded in the README.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from typing import Any

from sqlalchemy import event

from cmc import create_app
from cmc.extensions import db
from cmc.models import Account, Party, PartyKind, PartyStatus, Role
from cmc.services import alerts, networks


def _world() -> tuple[Account, Account, str, int]:
    for code in ("TT", "IOM"):
        status = PartyStatus.SUPPORT if code == "IOM" else PartyStatus.MEMBER
        db.session.add(Party(code=code, name=code, kind=PartyKind.STATE, status=status, languages="en"))
    db.session.commit()
    parties = {p.code: p for p in db.session.scalars(db.select(Party))}
    admin = Account(email="admin@example.org", name="Admin", party_id=parties["IOM"].id, role=Role.SECRETARIAT,
                    active=True, password_hash="-")  # never signs in: the services are called directly
    author = Account(email="author@example.org", name="Author", party_id=parties["TT"].id, role=Role.DELEGATE,
                     active=True, password_hash="-")
    db.session.add_all([admin, author])
    db.session.commit()
    network = networks.create_network(admin, networks.NetworkInput(slug="ms", name="MS", alerts_enabled=True,
                                                                   party_codes=["TT"]))
    networks.add_member(admin, network.slug, author.id, "coordinator")
    thread = networks.create_thread(author, network.slug, "Routes", "Body")
    return admin, author, network.slug, thread.id


def _median_ms(write: Any, count: int) -> float:
    times = []
    for n in range(count):
        began = time.perf_counter()
        write(n)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main(writes: int = 200, rounds: int = 5) -> dict[str, dict[str, float]]:
    """Measure and print ms per write for each mode; return the medians."""
    with tempfile.TemporaryDirectory(prefix="cmc-sync-") as folder:
        app = create_app({"TESTING": True, "SKIP_INSTANCE_CONFIG": True, "INSTANCE_PATH": folder,
                          "SECRET_KEY": "x" * 40, "SOCKETIO_ASYNC_MODE": "threading", "MAIL_SERVER": None,
                          "RATELIMIT_STORAGE_URI": "memory://"})
        mode = {"value": "FULL"}
        with app.app_context():
            engine = db.engine

            @event.listens_for(engine, "connect")
            def _mode(dbapi_connection: Any, _record: Any) -> None:  # after the app's own pragmas
                dbapi_connection.execute(f"PRAGMA synchronous={mode['value']}")

            db.create_all()
            _admin, author, slug, thread_id = _world()
            author_id = author.id
            results: dict[str, dict[str, list[float]]] = {"NORMAL": {}, "FULL": {}}
            for _round in range(rounds):
                for value in ("NORMAL", "FULL"):
                    mode["value"] = value
                    db.session.remove()
                    engine.dispose()  # new connections take the mode
                    assert db.session.execute(db.text("PRAGMA synchronous")).scalar() == (
                        2 if value == "FULL" else 1)
                    author = db.session.get(Account, author_id)
                    reply = _median_ms(lambda n, who=author: networks.add_reply(who, thread_id, f"Reply {n}"), writes)
                    alert = _median_ms(lambda n, who=author: alerts.publish(who, slug, alerts.AlertInput(infos=[
                        alerts.InfoInput(headline=f"Boat {n}", event="Vessel", severity="Minor")])), writes)
                    results[value].setdefault("reply", []).append(reply)
                    results[value].setdefault("alert", []).append(alert)
            engine.dispose()
    medians = {mode_name: {kind: statistics.median(values) for kind, values in kinds.items()}
               for mode_name, kinds in results.items()}
    for kind in ("reply", "alert"):
        normal, full = medians["NORMAL"][kind], medians["FULL"][kind]
        print(f"{kind}: NORMAL {normal:.2f} ms, FULL {full:.2f} ms per write (+{full - normal:.2f} ms, "
              f"x{full / normal:.2f}); {writes} writes x {rounds} rounds, medians")
    return medians


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))

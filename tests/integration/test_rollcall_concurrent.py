"""27 parties answering one roll call at the same moment through the API of the real server (``cmc serve``, on
the run's live database: SQLite, or PostgreSQL under ``make test-postgres``): every answer is kept exactly once,
and the board's totals are the sum of the latest answers. Then two members of one party save from the same
revision at once: exactly one wins, the other is told (409) with the winner's answer.

The server is a separate process with its own database, so the parties, people, tokens and the roll call are
made in that database by a short script run with the server's environment (as ``cmc`` commands are), through
the same models and services the test factories use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live_server import ROOT, ApiResponse, LiveServer, running_live_server

#: Its server runs on the live database of the run (SQLite, or PostgreSQL under make test-postgres).
pytestmark = pytest.mark.live_database

PARTIES = 27
TIMEOUT = 60.0

_PRELUDE = """
import json, sys
from cmc import create_app
from cmc.extensions import db
app = create_app()
ctx = app.app_context()
ctx.push()
"""

#: Makes 27 parties (with their population), one delegate of each with a token, a second delegate of the first
#: party, and a roll call of the demo's first network asking the 27. Prints what the test needs as JSON.
_SEED = _PRELUDE + """
from datetime import timedelta
from sqlalchemy import select
from cmc.models import Account, Network, Party, PartyKind, PartyStatus, Role, RollCall
from cmc.models.types import utcnow
from cmc.services import auth
from cmc.services.passwords import hash_password
from cmc.services.rollcalls import questions

count = int(sys.argv[1])
organiser = db.session.scalar(select(Account).where(Account.email == "secretariat@cmc.demo"))
network = db.session.scalar(select(Network).order_by(Network.id).limit(1))
if organiser.totp_enabled_at is None:  # the secretariat's API access needs a second factor
    import pyotp
    organiser.totp_secret, organiser.totp_enabled_at = pyotp.random_base32(), utcnow()
parties = []
for n in range(1, count + 1):
    party = Party(code=f"Z{n:02d}", name=f"Island {n:02d}", kind=PartyKind.STATE, status=PartyStatus.MEMBER,
                  languages="en", population=100_000 + n)
    db.session.add(party)
    parties.append(party)
db.session.flush()
people = []
password = hash_password("Correct-horse-battery-9")  # an account without a password is not active
for party in parties + [parties[0]]:
    people.append(Account(email=f"member{len(people)}.{party.code.lower()}@example.org",
                          name=f"Member {len(people)} of {party.code}", party_id=party.id, role=Role.DELEGATE,
                          active=True, password_hash=password))
db.session.add_all(people)
roll_call = RollCall(network_id=network.id, title="Hurricane Lena: 27 islands", organiser_id=organiser.id,
                     organiser_party_id=organiser.party_id, questions=questions.default_questions(),
                     deadline=utcnow() + timedelta(hours=6))
roll_call.parties = parties
db.session.add(roll_call)
db.session.commit()
tokens = [auth.create_token(person, "roll call concurrency")[1] for person in people]
admin_token = auth.create_token(organiser, "roll call concurrency")[1]
print(json.dumps({"roll_call": roll_call.id, "tokens": tokens, "codes": [p.code for p in parties],
                  "admin": admin_token}))
"""

#: What the database holds after the round: every answer row, and the board's summary read by the service.
_READ = _PRELUDE + """
from sqlalchemy import select
from cmc.models import RollCall, RollCallAnswer
from cmc.services.rollcalls import board

roll_call = db.session.get(RollCall, int(sys.argv[1]))
rows = db.session.scalars(select(RollCallAnswer).where(RollCallAnswer.roll_call_id == roll_call.id)
                          .order_by(RollCallAnswer.id)).all()
summary = board.summary(roll_call)
print(json.dumps({
    "rows": [[row.party.code, row.revision, row.displaced, row.author_id] for row in rows],
    "answered": summary.answered, "asked": summary.asked,
    "displaced": [summary.displaced.estimate, summary.displaced.confirmed],
    "departed": [summary.departed.estimate, summary.departed.confirmed],
}))
"""


def _script(server: LiveServer, source: str, *args: str) -> Any:
    """Run ``source`` against the server's database (its environment) and return the JSON it printed."""
    env = {**server.env, "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", source, *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """This module's own real server, freshly migrated and demo-seeded."""
    with running_live_server(tmp_path_factory.mktemp("cmc-rollcall-concurrent")) as live_server:
        yield live_server


def body(n: int, base: int = 0) -> dict[str, Any]:
    """Party n's answer: its own figures, estimates and confirmed figures alternating."""
    return {"base_revision": base, "status": "affected_coping" if n % 2 else "assistance_needed",
            "displaced": 100 * n, "displaced_quality": "estimate" if n % 2 else "confirmed",
            "departed": n, "departed_quality": "confirmed" if n % 3 else "estimate", "needs": ["shelter"]}


def at_once(calls: list[Any]) -> list[ApiResponse]:
    """Run the calls in threads released together; their answers in the calls' order."""
    gate = threading.Barrier(len(calls))
    answers: list[ApiResponse | BaseException | None] = [None] * len(calls)

    def run(index: int) -> None:
        gate.wait()
        try:
            answers[index] = calls[index]()
        except BaseException as exc:  # a timeout or a refused connection must fail the test, not vanish
            answers[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT + 10)
    failed = [a for a in answers if not isinstance(a, ApiResponse)]
    assert not failed, failed
    return answers  # type: ignore[return-value]


def test_27_parties_answer_at_once_and_the_board_adds_up(server: LiveServer) -> None:
    mark = server.log_mark()
    seeded = _script(server, _SEED, str(PARTIES))
    roll_call, tokens = seeded["roll_call"], seeded["tokens"]
    path = f"/rollcalls/{roll_call}/answer"

    def call(n: int) -> Any:
        return lambda: server.api("PUT", path, token=tokens[n - 1], json_body=body(n), timeout=TIMEOUT)

    answers = at_once([call(n) for n in range(1, PARTIES + 1)])
    assert [a.status for a in answers] == [201] * PARTIES, [(a.status, a.body) for a in answers if a.status != 201]
    assert [a.body["party"] for a in answers] == seeded["codes"]

    stored = _script(server, _READ, str(roll_call))
    assert sorted((code, revision) for code, revision, _d, _a in stored["rows"]) == [
        (code, 1) for code in seeded["codes"]]  # each kept once, none lost, none twice
    expected = {"displaced": [sum(100 * n for n in range(1, PARTIES + 1) if n % 2),
                              sum(100 * n for n in range(1, PARTIES + 1) if not n % 2)],
                "departed": [sum(n for n in range(1, PARTIES + 1) if not n % 3),
                             sum(n for n in range(1, PARTIES + 1) if n % 3)]}
    assert (stored["asked"], stored["answered"]) == (PARTIES, PARTIES)
    assert {key: stored[key] for key in expected} == expected

    latest = server.api("GET", f"/rollcalls/{roll_call}/answers", token=seeded["admin"])
    assert latest.status == 200 and len(latest.body["items"]) == PARTIES
    assert sum(a["displaced"] for a in latest.body["items"]) == sum(expected["displaced"])
    assert server.problems_since(mark) is None, server.problems_since(mark)

    board = server.api("GET", f"/rollcalls/{roll_call}/board", token=seeded["admin"])
    assert board.status == 200, board
    assert (board.body["asked"], board.body["answered"]) == (PARTIES, PARTIES)
    totals = board.body["totals"]
    assert [totals["displaced"]["estimate"], totals["displaced"]["confirmed"]] == expected["displaced"]
    assert [totals["departed"]["estimate"], totals["departed"]["confirmed"]] == expected["departed"]


def test_two_members_of_one_party_saving_from_the_same_revision(server: LiveServer) -> None:
    mark = server.log_mark()
    seeded = _script(server, _SEED.replace('f"Z{n:02d}"', 'f"Y{n:02d}"').replace("member{", "racer{"), "2")
    roll_call, (first, _second_party, colleague) = seeded["roll_call"], seeded["tokens"]
    path = f"/rollcalls/{roll_call}/answer"
    assert server.api("PUT", path, token=first, json_body=body(1)).status == 201
    mine, theirs = {**body(1, base=1), "displaced": 111}, {**body(1, base=1), "displaced": 222}
    answers = at_once([lambda: server.api("PUT", path, token=first, json_body=mine, timeout=TIMEOUT),
                       lambda: server.api("PUT", path, token=colleague, json_body=theirs, timeout=TIMEOUT)])
    assert sorted(a.status for a in answers) == [200, 409], [(a.status, a.body) for a in answers]
    won = next(a for a in answers if a.status == 200).body
    lost = next(a for a in answers if a.status == 409).body["error"]
    assert won["revision"] == 2 and lost["code"] == "answer_conflict"
    assert lost["current"]["revision"] == 2 and lost["current"]["displaced"] == won["displaced"]
    assert lost["current"]["author"]["name"] == won["author"]["name"]
    stored = _script(server, _READ, str(roll_call))
    assert sorted(revision for code, revision, _d, _a in stored["rows"] if code == "Y01") == [1, 2]
    assert server.problems_since(mark) is None, server.problems_since(mark)

"""Every inbound socket event draws on the connection's one budget (``RATE_LIMIT`` per ``RATE_WINDOW``):
a flood of pings is refused like a flood of acknowledgements, and the budget refills with time."""

from __future__ import annotations

import pytest

from cmc.extensions import socketio
from cmc.realtime import events

PAYLOADS = {"ping:server": {}, "alerts:sync": {"after_id": 0}, "alert:ack": {"id": 1}}


@pytest.mark.parametrize("event", sorted(PAYLOADS))
def test_a_flood_of_any_event_is_refused_past_the_budget(app, signed_in, event, monkeypatch):
    client, _account = signed_in("delegate")
    socket = socketio.test_client(app, flask_test_client=client)
    # The clock stands still during the flood: on a loaded machine the budget would refill while it is sent.
    clock = events.time.monotonic()
    monkeypatch.setattr(events.time, "monotonic", lambda: clock)
    try:
        answers = [socket.emit(event, PAYLOADS[event], callback=True) for _ in range(events.RATE_LIMIT + 5)]
        refused = [a for a in answers if a.get("error") == "rate limited: slow down"]
        assert len(refused) >= 5, answers[-1]
        assert all("rate limited" not in str(a) for a in answers[: events.RATE_LIMIT - 1])
        # A pause refills the budget (the clock is moved on rather than waited for).
        monkeypatch.setattr(events.time, "monotonic", lambda: clock + events.RATE_WINDOW)
        assert socket.emit(event, PAYLOADS[event], callback=True).get("error") != "rate limited: slow down"
    finally:
        socket.disconnect()

"""Rules about crisis roll calls: starting one, reading it, answering for one's party, managing it (reminding,
closing, reopening, marking), exporting its report, and editing a network's question templates.

- The organiser is the secretariat or a coordinator of the roll call's network (never an observer).
- The **board** (every party's answer, the totals, the map) is for the network's readers (the secretariat
  reads every network).
- A roll call reaches the members of the parties it asks as well, even those who are not in the network: they
  read its questions and their own party's answers, and answer.
- Answering is for the active accounts of an asked party that is not an observer (any member of the party,
  not only its focal point); when, is the service's to say (open, before the deadline).
- Its exports carry the handling code the organiser set; an H2 roll call's report leaves the platform only
  with the organiser's party (and the secretariat, which runs the process).
"""

from __future__ import annotations

from cmc.models import Account, HandlingCode, Network, RollCall
from cmc.permissions.core import is_secretariat
from cmc.permissions.networks import can_moderate, can_post_in, can_read_network
from cmc.permissions.registry import rule


def party_asked(actor: Account, roll_call: RollCall) -> bool:
    """Whether the actor's party is one of those the roll call asks."""
    return any(party.id == actor.party_id for party in roll_call.parties)


@rule("rollcall.start")
def can_start(actor: Account, network: Network) -> bool:
    """The secretariat and the network's coordinators (not observers, not in an archived network) start roll
    calls and edit the network's question templates."""
    return can_post_in(actor, network) and can_moderate(actor, network)


@rule("rollcall.template.edit")
def can_edit_templates(actor: Account, network: Network) -> bool:
    """Who starts roll calls in the network keeps its templates."""
    return can_start(actor, network)


@rule("rollcall.read")
def can_read(actor: Account, roll_call: RollCall) -> bool:
    """The network's readers, and every account of an asked party."""
    return can_read_network(actor, roll_call.network) or party_asked(actor, roll_call)


@rule("rollcall.board")
def can_see_board(actor: Account, roll_call: RollCall) -> bool:
    """Every party's answers, the totals and the map: the network's readers."""
    return can_read_network(actor, roll_call.network)


@rule("rollcall.answer")
def can_answer(actor: Account, roll_call: RollCall) -> bool:
    """An account of an asked party that is not an observer answers for its party."""
    return party_asked(actor, roll_call) and not actor.is_observer


@rule("rollcall.manage")
def can_manage(actor: Account, roll_call: RollCall) -> bool:
    """Remind, close, reopen, set the handling code: the secretariat, the network's coordinators, and the
    organiser while they may still post in the network."""
    if is_secretariat(actor):
        return True
    if can_start(actor, roll_call.network):
        return True
    return actor.id == roll_call.organiser_id and can_post_in(actor, roll_call.network)


@rule("rollcall.export")
def can_export(actor: Account, roll_call: RollCall) -> bool:
    """The PDF situation report and the CSV of the answers: the board's readers; for an H2 roll call only the
    organiser's party and the secretariat."""
    if not can_see_board(actor, roll_call):
        return False
    if roll_call.handling_code == HandlingCode.H2:
        return actor.party_id == roll_call.organiser_party_id or is_secretariat(actor)
    return True

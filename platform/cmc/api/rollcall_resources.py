"""Roll call endpoints of the API (issue 19): the list, starting one, one roll call, a network's templates.

Other modules add the answers, the board and closing (``rollcall_answer_resources`` ...); they may show a roll
call with :func:`roll_call_json`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from cmc.api import BadRequestBody, bp, json_body, network_filter
from cmc.api.spec import operation
from cmc.extensions import db
from cmc.http.access import Access
from cmc.models import Account, Affected, RollCall, RollCallTemplate
from cmc.models.rollcall import RollCallState
from cmc.schemas.rollcalls import (
    RollCallInputSchema,
    RollCallListSchema,
    RollCallQuerySchema,
    RollCallSchema,
    TemplateInputSchema,
    TemplateListSchema,
    TemplateSchema,
)
from cmc.services import handling, idempotency, rollcalls
from cmc.services.networks.directory import open_network
from cmc.services.notifications.texts import absolute
from cmc.services.rollcalls import questions
from cmc.services.rollcalls import templates as templates_service
from cmc.services.rollcalls.board import summary

_STANDARD_KINDS = {"status": "status", "displaced": "number", "departed": "number", "needs": "needs",
                   "note": "text"}


def _actor() -> Account:
    return current_user._get_current_object()


def question_json(question: dict[str, Any]) -> dict[str, Any]:
    """One question as the API shows it: its label in the reader's language, its kind and choices."""
    key = str(question.get("key"))
    shown: dict[str, Any] = {"key": key, "kind": _STANDARD_KINDS.get(key, question.get("kind", "text")),
                             "required": bool(question.get("required")), "label": questions.label(question)}
    if questions.is_standard(question):
        shown["language"] = ""
    else:
        shown["language"] = question.get("language", "en")
    if key == "status":
        shown["options"] = [value.value for value in Affected]
    elif key == "needs":
        shown["options"] = questions.need_options(question)
    else:
        shown["options"] = []
    return shown


def handling_json(roll_call: RollCall) -> dict[str, str]:
    """The roll call's marking as ``RollCallHandlingSchema`` reads it (the statement in the reader's language)."""
    return {"code": roll_call.handling_code.value, "text": roll_call.handling_text,
            "statement": handling.statement(roll_call, roll_call.organiser_party.name)}


def roll_call_json(actor: Account, roll_call: RollCall, **counts: Any) -> dict[str, Any]:
    """A roll call as ``RollCallSchema`` shows it to ``actor`` (counts read from the board when not given)."""
    return RollCallSchema().dump(roll_call_data(actor, roll_call, **counts))


def roll_call_data(actor: Account, roll_call: RollCall, *, answered: int | None = None,
                   asked: int | None = None, must_answer: bool | None = None) -> dict[str, Any]:
    """What :func:`roll_call_json` dumps (a list dumps many at once)."""
    if answered is None or asked is None:
        board = summary(roll_call)
        answered, asked = board.answered, board.asked
        if must_answer is None:
            mine = next((line for line in board.lines if line.party.id == actor.party_id), None)
            must_answer = (mine is not None and not mine.answered and not actor.is_observer
                           and rollcalls.accepts_answers(roll_call))
    return {
        "id": roll_call.id, "network": roll_call.network.slug, "title": roll_call.title,
        "instructions": roll_call.instructions, "language": roll_call.language, "state": roll_call.state.value,
        "started_at": roll_call.started_at, "deadline": roll_call.deadline, "closed_at": roll_call.closed_at,
        "organiser": roll_call.organiser.name, "organiser_party": roll_call.organiser_party.code,
        "alert_id": roll_call.alert_id, "previous_id": roll_call.previous_id,
        "parties": [party.code for party in roll_call.parties],
        "questions": [question_json(q) for q in roll_call.questions],
        "handling": handling_json(roll_call),
        "links": {"board": absolute(f"/rollcalls/{roll_call.id}"),
                  "answer": absolute(f"/rollcalls/{roll_call.id}/answer")},
        "answered": answered, "asked": asked, "must_answer": bool(must_answer),
    }


def template_json(template: RollCallTemplate) -> dict[str, Any]:
    """A template as ``TemplateSchema`` shows it."""
    return TemplateSchema().dump(template_data(template))


def template_data(template: RollCallTemplate) -> dict[str, Any]:
    """What :func:`template_json` dumps."""
    from cmc.models import Network

    network = db.session.get(Network, template.network_id) if template.network_id is not None else None
    return {"id": template.id, "network": network.slug if network else None, "name": template.name,
            "label": template.label,
            "questions": [question_json(q) for q in template.questions], "updated_at": template.updated_at}


@bp.get("/rollcalls")
@operation(Access.SIGNED_IN, summary="Roll calls of my networks and those asking my party, newest first",
           tags=["rollcalls"], query=RollCallQuerySchema, errors=(400, 404),
           answers={200: ("The roll calls", RollCallListSchema)})
def list_roll_calls() -> Any:
    """The roll calls I see, with their counts."""
    state = request.args.get("state", "")
    if state and state not in {s.value for s in RollCallState}:
        raise BadRequestBody(_("state must be open or closed."), fields={"state": "choice"})
    actor = _actor()
    lines = rollcalls.visible_roll_calls(actor, network_filter(), state or None)
    return jsonify(RollCallListSchema().dump({"items": [
        roll_call_data(actor, line.roll_call, answered=line.answered, asked=line.asked,
                       must_answer=line.must_answer) for line in lines]}))


def _deadline(value: Any) -> datetime:
    if not isinstance(value, str):
        raise BadRequestBody(_("deadline is required: an ISO 8601 date-time with a zone."),
                             fields={"deadline": "required"})
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequestBody(_("deadline must be an ISO 8601 date-time."), fields={"deadline": "type"}) from exc
    if moment.tzinfo is None:
        raise BadRequestBody(_("deadline must carry a time zone, e.g. +00:00."), fields={"deadline": "zone"})
    return moment


def _optional_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequestBody(_("%(field)s must be a number.", field=key), fields={key: "type"})
    return value


def _text(data: dict[str, Any], key: str, default: str = "") -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise BadRequestBody(_("%(field)s must be a text.", field=key), fields={key: "type"})
    return value


@bp.post("/rollcalls")
@operation(Access.SIGNED_IN, summary="Start a roll call", tags=["rollcalls"], body=RollCallInputSchema,
           errors=(400, 404, 415), answers={201: ("The roll call started", RollCallSchema)}, idempotent=True,
           description="The secretariat and the network's coordinators (403 otherwise). 422 for a deadline less "
                       "than 15 minutes or more than 30 days ahead, a party that is not a member party of the "
                       "network (named), a template with no question, an alert of another network. Every "
                       "person of each asked party is told at once, in their language. With an Idempotency-Key "
                       "already used for the same body, the roll call made then (nobody told twice).")
def start_roll_call() -> Any:
    """Start a roll call from a JSON body."""
    data = json_body()
    network = data.get("network")
    if not isinstance(network, str) or not network.strip():
        raise BadRequestBody(_("network is required: the network's slug."), fields={"network": "required"})
    parties = data.get("parties")
    if parties is not None and (not isinstance(parties, list) or any(not isinstance(p, str) for p in parties)):
        raise BadRequestBody(_("parties must be a list of party codes."), fields={"parties": "type"})
    asked = data.get("questions")
    if asked is not None and not isinstance(asked, list):
        raise BadRequestBody(_("questions must be a list."), fields={"questions": "type"})
    actor = _actor()
    rollcalls.open_for_start(actor, network.strip())  # 404 / 403 before the body's details are judged
    started = rollcalls.start(actor, network.strip(), rollcalls.StartInput(
        title=_text(data, "title"), deadline=_deadline(data.get("deadline")), parties=parties,
        template_id=_optional_int(data, "template_id"), questions=asked,
        alert_id=_optional_int(data, "alert_id"), previous_id=_optional_int(data, "previous_id"),
        instructions=_text(data, "instructions"), handling_code=_text(data, "handling_code", "H0"),
        handling_text=_text(data, "handling_text")),
        idempotency_key=idempotency.clean_key(request.headers.get("Idempotency-Key")))
    return jsonify(roll_call_json(actor, started)), 201


@bp.get("/rollcalls/<int:roll_call_id>")
@operation(Access.SIGNED_IN, summary="One roll call", tags=["rollcalls"], errors=(404,),
           answers={200: ("The roll call", RollCallSchema)},
           description="For the network's readers and every account of an asked party (404 otherwise).")
def get_roll_call(roll_call_id: int) -> Any:
    """A roll call I may read."""
    actor = _actor()
    return jsonify(roll_call_json(actor, rollcalls.get(actor, roll_call_id)))


@bp.get("/networks/<slug>/rollcall-templates")
@operation(Access.SIGNED_IN, summary="The question templates a roll call of the network may start from",
           tags=["rollcalls"], errors=(404,), answers={200: ("The platform's standard first", TemplateListSchema)})
def list_templates(slug: str) -> Any:
    """The network's templates and the platform's standard one."""
    actor = _actor()
    network = open_network(actor, slug)
    return jsonify(TemplateListSchema().dump({"items": [
        template_data(t) for t in rollcalls.templates_for(actor, network)]}))


def _template_body() -> tuple[Any, Any]:
    data = json_body()
    asked = data.get("questions")
    if asked is not None and not isinstance(asked, list):
        raise BadRequestBody(_("questions must be a list."), fields={"questions": "type"})
    return _text(data, "name"), asked if asked is not None else []


@bp.post("/networks/<slug>/rollcall-templates")
@operation(Access.SIGNED_IN, summary="Add a question template to the network", tags=["rollcalls"],
           body=TemplateInputSchema, errors=(400, 404, 415), answers={201: ("The template", TemplateSchema)},
           description="Who starts roll calls in the network (403 otherwise); 422 for a template with no question.")
def create_template(slug: str) -> Any:
    """Save a new template of the network."""
    actor = _actor()
    network = templates_service.open_for_edit(actor, slug)
    name, asked = _template_body()
    return jsonify(template_json(rollcalls.save_template(actor, network, name=name, questions_=asked))), 201


@bp.put("/networks/<slug>/rollcall-templates/<int:template_id>")
@operation(Access.SIGNED_IN, summary="Change one of the network's question templates", tags=["rollcalls"],
           body=TemplateInputSchema, errors=(400, 404, 415), answers={200: ("The template", TemplateSchema)},
           description="The platform's standard template is not the network's to change (404).")
def update_template(slug: str, template_id: int) -> Any:
    """Save one of the network's templates."""
    actor = _actor()
    network = templates_service.open_for_edit(actor, slug)
    templates_service.own_template(network, template_id)
    name, asked = _template_body()
    return jsonify(template_json(rollcalls.save_template(actor, network, name=name, questions_=asked,
                                                         template_id=template_id)))

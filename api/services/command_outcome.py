"""How a command's outcome reads over HTTP."""

from __future__ import annotations

from fastapi import Response

from api.models import CommandOut
from api.services.commands import Outcome
from api.services.event_stream import to_json
from schemas.events import CancelRejected, CommandRejected, DeadLetter, Event, OrderRejected

REJECTIONS = (CommandRejected, OrderRejected, CancelRejected)


def decided(command_id: str, events: list[Event]) -> tuple[int, CommandOut]:
    """The HTTP status and body of what the engines decided for a command."""
    bodies = [to_json(e) for e in events if not isinstance(e, DeadLetter)]
    for e in events:
        if isinstance(e, DeadLetter):  # the ledger could not process it: nothing was applied
            return 422, CommandOut(command_id=command_id, status="rejected", reason="not_processed",
                                   detail=f"the ledger could not process this command, nothing was applied: "
                                          f"{e.reason}", events=[])
        if isinstance(e, REJECTIONS):
            return 422, CommandOut(command_id=command_id, status="rejected", reason=e.reason,
                                   detail=getattr(e, "detail", None), events=bodies)
    return 200, CommandOut(command_id=command_id, status="accepted", events=bodies)


def status_of(outcome: Outcome | None) -> str:
    """How a command ended, as the API answers it (a bounded label): accepted, rejected, pending,
    duplicate, conflict, or not_delivered (None: Kafka did not confirm it)."""
    if outcome is None:
        return "not_delivered"
    if outcome.conflict is not None:
        return "conflict"
    if outcome.events is None:
        return "pending"
    if outcome.duplicate or not outcome.events:
        return "duplicate"
    return "accepted" if decided(outcome.event_id, outcome.events)[0] == 200 else "rejected"


def outcome_response(outcome: Outcome, response: Response) -> CommandOut:
    """200 accepted, 422 rejected (with the reason), 202 still pending; a retry of an applied command
    answers the original's outcome (``status`` duplicate when it was accepted); the same id with other
    content answers 409 with the original's outcome."""
    command_id = outcome.event_id
    if outcome.conflict is not None:
        response.status_code = 409
        theirs = outcome.conflict.partition < 0  # another account's: its outcome is not shown
        original = None if theirs else decided(command_id, outcome.conflict.events)[1]
        return CommandOut(command_id=command_id, status="conflict", reason="command_id_reused",
                          detail=f"command id {command_id!r} was used before for another command"
                                 f"{' (of another account)' if theirs else ''}; nothing was applied. Use a "
                                 "new id for a new command.", original=original)
    if outcome.events is None:
        response.status_code = 202
        return CommandOut(command_id=command_id, status="pending",
                          detail="sent; the outcome is not known yet: look it up by its command id, or "
                                 "retry with the same id (applied once)")
    if outcome.duplicate:
        code, original = decided(command_id, outcome.events)
        response.status_code = code
        if code == 200:
            return original.model_copy(update={
                "status": "duplicate", "detail": "this command id was already applied; nothing changed"})
        return original
    if not outcome.events:
        return CommandOut(command_id=command_id, status="duplicate",
                          detail="this command id was already applied; nothing changed")
    code, out = decided(command_id, outcome.events)
    response.status_code = code
    return out

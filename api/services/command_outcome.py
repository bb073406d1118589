"""How a command's outcome reads over HTTP."""

from __future__ import annotations

from fastapi import Response

from api.models import CommandOut
from api.services.commands import Outcome
from api.services.event_stream import to_json
from schemas.events import CancelRejected, CommandRejected, OrderRejected


def outcome_response(outcome: Outcome, response: Response) -> CommandOut:
    """200 accepted, 422 rejected (with the reason), 200 duplicate, 202 still pending."""
    if outcome.events is None:
        response.status_code = 202
        return CommandOut(command_id=outcome.event_id, status="pending")
    if not outcome.events:
        return CommandOut(command_id=outcome.event_id, status="duplicate",
                          detail="this command id was already applied; nothing changed")
    events = [to_json(e) for e in outcome.events]
    for e in outcome.events:
        if isinstance(e, CommandRejected | OrderRejected | CancelRejected):
            response.status_code = 422
            detail = getattr(e, "detail", None)
            return CommandOut(command_id=outcome.event_id, status="rejected", reason=e.reason,
                              detail=detail, events=events)
    return CommandOut(command_id=outcome.event_id, status="accepted", events=events)

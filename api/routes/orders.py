"""Orders: submit and cancel (they go through the ledger's pre-trade check to the venue)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from api.deps import CommandsDep
from api.models import CancelIn, CommandOut, OrderIn
from api.services.command_outcome import outcome_response
from schemas.events import CancelRequested, OrderRequested

router = APIRouter(prefix="/accounts/{account}/orders", tags=["orders"])


@router.post("", response_model=CommandOut)
def submit(account: str, body: OrderIn, commands: CommandsDep, response: Response) -> CommandOut:
    """Request an order; 200 when the ledger accepted and held funds, 422 with the reason if not."""
    order_id = body.order_id or f"api:{uuid.uuid4().hex}"
    cmd = OrderRequested(order_id, order_id, account, body.run_id, body.wallet_set_id, body.venue, body.pair,
                         body.side, body.type, body.size, body.price, body.post_only, body.cancel_after_s, 0)
    return outcome_response(commands.send(account, cmd), response)


@router.post("/{order_id}/cancel", response_model=CommandOut)
def cancel(account: str, order_id: str, body: CancelIn, commands: CommandsDep,
           response: Response) -> CommandOut:
    """Ask to cancel an open order; 422 if the order is unknown, closed or not the run's."""
    cmd = CancelRequested(f"{order_id}:cancel:{uuid.uuid4().hex[:8]}", order_id, account, body.run_id,
                          body.venue, body.pair, 0)
    return outcome_response(commands.send(account, cmd), response)

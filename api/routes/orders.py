"""Orders: submit and cancel (they go through the ledger's pre-trade check to the venue)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from api.deps import AccountPath, CommandsDep, IdPath
from api.errors import COMMANDS
from api.models import CancelIn, CommandOut, OrderIn
from api.services.command_outcome import outcome_response
from api.services.names import check_names
from schemas.events import CancelRequested, OrderRequested

router = APIRouter(prefix="/accounts/{account}/orders", tags=["orders"])


@router.post("", response_model=CommandOut, responses=COMMANDS)
async def submit(account: AccountPath, body: OrderIn, commands: CommandsDep,
                 response: Response) -> CommandOut:
    """Request an order; 200 when the ledger accepted and held funds, 422 with the reason if not. The
    order id is the command's idempotency key: retry with it."""
    check_names(commands.views, [(body.venue, c) for c in body.pair.split("-", 1)])
    order_id = body.order_id or f"api:{uuid.uuid4().hex}"
    cmd = OrderRequested(
        event_id=order_id, order_id=order_id, account=account, run_id=body.run_id,
        wallet_set_id=body.wallet_set_id, venue=body.venue, pair=body.pair, side=body.side,
        order_type=body.type, size=body.size, price=body.price, post_only=body.post_only,
        cancel_after_s=body.cancel_after_s, ts=0)
    return outcome_response(await commands.send_async(account, cmd), response)


@router.post("/{order_id}/cancel", response_model=CommandOut, responses=COMMANDS)
async def cancel(account: AccountPath, order_id: IdPath, body: CancelIn, commands: CommandsDep,
                 response: Response) -> CommandOut:
    """Ask to cancel an open order; 422 if the order is unknown, closed or not the run's."""
    command_id = body.command_id or f"{order_id}:cancel:{uuid.uuid4().hex[:8]}"
    cmd = CancelRequested(event_id=command_id, order_id=order_id, account=account, run_id=body.run_id,
                          venue=body.venue, pair=body.pair, ts=0)
    return outcome_response(await commands.send_async(account, cmd), response)

"""Orders: submit and cancel (they go through the ledger's pre-trade check to the venue); read them back,
open and recent, one with its whole trail (the API's read model of the ledger's inbox and decisions)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from api.deps import AccountPath, AccountTrader, AccountViewer, CommandsDep, IdPath, ViewsDep
from api.errors import COMMANDS, NOT_FOUND, READS
from api.fields import ID_PATTERN
from api.models import CancelIn, CommandOut, FillOut, OrderIn, OrderStepOut, OrderViewOut, iso_time, show
from api.services.command_outcome import outcome_response
from api.services.names import check_names
from api.services.order_views import OrderView
from schemas.events import CancelRequested, OrderRequested

router = APIRouter(prefix="/accounts/{account}/orders", tags=["orders"])


@router.post("", response_model=CommandOut, responses=COMMANDS)
async def submit(account: AccountPath, body: OrderIn, commands: CommandsDep,
                 response: Response, who: AccountTrader) -> CommandOut:
    """Request an order; 200 when the ledger accepted and held funds, 422 with the reason if not. The
    order id is the command's idempotency key: retry with it."""
    check_names(commands.views, [(body.venue, c) for c in body.pair.split("-", 1)])
    order_id = body.order_id or f"api:{uuid.uuid4().hex}"
    cmd = OrderRequested(
        event_id=order_id, order_id=order_id, account=account, run_id=body.run_id,
        wallet_set_id=body.wallet_set_id, venue=body.venue, pair=body.pair, side=body.side,
        order_type=body.type, size=body.size, price=body.price, post_only=body.post_only,
        cancel_after_s=body.cancel_after_s, ts=0, principal=who.id)
    return outcome_response(await commands.send_async(account, cmd), response)


@router.post("/{order_id}/cancel", response_model=CommandOut, responses=COMMANDS)
async def cancel(account: AccountPath, order_id: IdPath, body: CancelIn, commands: CommandsDep,
                 response: Response, who: AccountTrader) -> CommandOut:
    """Ask to cancel an open order; 422 if the order is unknown, closed or not the run's."""
    command_id = body.command_id or f"{order_id}:cancel:{uuid.uuid4().hex[:8]}"
    cmd = CancelRequested(event_id=command_id, order_id=order_id, account=account, run_id=body.run_id,
                          venue=body.venue, pair=body.pair, ts=0, principal=who.id)
    return outcome_response(await commands.send_async(account, cmd), response)


def _out(o: OrderView, trail: bool) -> OrderViewOut:
    return OrderViewOut(
        order_id=o.order_id, account=o.account, run_id=o.run_id, wallet_set_id=o.wallet_set_id, venue=o.venue,
        pair=o.pair, side=o.side, type=o.order_type, size=show(o.size),
        price=None if o.price is None else show(o.price), state=o.state, filled=show(o.filled),
        avg_price=None if o.avg_price is None else show(o.avg_price),
        fees={c: show(f) for c, f in sorted(o.fees.items())}, reason=o.reason, created=iso_time(o.created_ts),
        updated=iso_time(o.updated_ts),
        trail=[OrderStepOut(ts=iso_time(ts) or "", type=t, event_id=e) for ts, t, e in o.trail] if trail
        else None)


@router.get("", response_model=list[OrderViewOut], responses=READS)
def orders(account: AccountPath, views: ViewsDep, _: AccountViewer,
           state: Literal["open", "done", "all"] = "all",
           run_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[OrderViewOut]:
    """The account's open orders and its last 1,000 finished ones, newest first; by state and run."""
    fold, lock = views.order_views()
    with lock:
        mine = list(fold.accounts.get(account, {}).values())
        chosen = [o for o in reversed(mine) if (state == "all" or o.open == (state == "open"))
                  and (run_id is None or o.run_id == run_id)][:limit]
        return [_out(o, trail=False) for o in chosen]


@router.get("/{order_id}", response_model=OrderViewOut, responses={**READS, 404: NOT_FOUND})
def order(account: AccountPath, order_id: IdPath, views: ViewsDep, _: AccountViewer) -> OrderViewOut:
    """One order with its whole trail: request, the ledger's decision, the venue's reports."""
    fold, lock = views.order_views()
    with lock:
        o = fold.order(account, order_id)
        if o is None:
            raise HTTPException(404, f"no order {order_id} of {account} (yet, or finished long ago)")
        return _out(o, trail=True)


fills_router = APIRouter(prefix="/accounts/{account}/fills", tags=["orders"])


@fills_router.get("", response_model=list[FillOut], responses=READS)
def fills(account: AccountPath, views: ViewsDep, _: AccountViewer,
          run_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
          limit: Annotated[int, Query(ge=1, le=5000)] = 100) -> list[FillOut]:
    """The account's fills, newest first (of its open orders and its last 1,000 finished ones); one
    run's with ``run_id``."""
    fold, lock = views.order_views()
    with lock:
        chosen = fold.fills(account, run_id)[:limit]
    return [FillOut(fill_id=f.event_id, order_id=f.order_id, run_id=f.run_id, wallet_set_id=f.wallet_set_id,
                    venue=f.venue, pair=f.pair, side=f.side, price=show(f.price), size=show(f.size),
                    fee=show(f.fee), fee_currency=f.fee_currency, liquidity=f.liquidity,
                    level_price=show(f.level_price), time=iso_time(f.ts) or "") for f in chosen]

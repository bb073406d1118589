"""What an event says, in a line a person reads in an audit trail (pure)."""

from __future__ import annotations

import json
from typing import Any

from schemas.events import (
    AdjustWalletSet,
    CancelRejected,
    CancelRequested,
    CommandRejected,
    ControlMessage,
    CreateWalletSet,
    DeactivateWalletSet,
    DepositFunds,
    Event,
    FundsHeld,
    HistoryLoaded,
    HoldReleased,
    MarketSubscription,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRejected,
    OrderRequested,
    RunStateChanged,
    StartRun,
    StopRun,
    StrategyLogged,
    WalletMovement,
    WalletSetCreated,
    WalletSetDeactivated,
    WithdrawFunds,
)
from streams.money import to_decimal_str

d = to_decimal_str


def _allocations(allocations: Any) -> str:
    return ", ".join(f"{d(a.amount)} {a.currency}@{a.venue}" for a in allocations) or "nothing"


def _order(e: OrderRequested | OrderAccepted) -> str:
    price = f" at {d(e.price)}" if e.price is not None else ""
    extra = (" post-only" if e.post_only else "") + \
        (f" cancel after {e.cancel_after_s}s" if e.cancel_after_s else "")
    return f"{e.side} {d(e.size)} {e.pair} {e.order_type}{price} on {e.venue}{extra}"


def principal(event: Event) -> str:
    """Who issued a command ("" for what the engines emitted, or a command from before the field)."""
    return str(getattr(event, "principal", "") or "")


def describe(event: Event) -> str:
    match event:
        case OrderRequested():
            return f"order {event.order_id} requested: {_order(event)} (run {event.run_id})"
        case OrderAccepted():
            return (f"order {event.order_id} accepted: {_order(event)}; "
                    f"holding {d(event.hold_amount)} {event.hold_currency}")
        case OrderRejected():
            return f"order {event.order_id} rejected: {event.reason} ({event.detail})"
        case FundsHeld():
            return f"held {d(event.amount)} {event.currency} on {event.venue} in {event.wallet_set_id}"
        case OrderOpened():
            return (f"order {event.order_id} rests: {d(event.remaining)} of {d(event.size)} at "
                    f"{d(event.price)}, {d(event.queue_ahead)} ahead in the queue")
        case OrderFilled():
            return (f"fill #{event.fill_seq}: {event.side} {d(event.size)} at {d(event.price)} "
                    f"(book level {d(event.level_price)}, {event.liquidity}), fee {d(event.fee)} "
                    f"{event.fee_currency}")
        case OrderDone():
            avg = f" avg {d(event.avg_price)}" if event.avg_price is not None else ""
            return f"order {event.order_id} done: {event.reason}, filled {d(event.filled_size)}{avg}"
        case HoldReleased():
            return f"released {d(event.amount)} {event.currency} of the hold ({event.reason})"
        case CancelRequested():
            return f"cancel of order {event.order_id} requested"
        case CancelRejected():
            return f"cancel of order {event.order_id} refused: {event.reason}"
        case WalletMovement():
            legs = "; ".join(f"{g.wallet} {g.bucket} {'+' if g.amount >= 0 else ''}{d(g.amount)} "
                             f"{g.currency}@{g.venue}" for g in event.legs)
            return f"{event.kind} posting (cause {event.cause_id}): {legs}"
        case DepositFunds():
            return f"deposit {d(event.amount)} {event.currency} on {event.venue} into {event.account}"
        case WithdrawFunds():
            return f"withdraw {d(event.amount)} {event.currency} on {event.venue} from {event.account}"
        case CreateWalletSet():
            return f"create wallet set {event.wallet_set_id}: {_allocations(event.allocations)}"
        case AdjustWalletSet():
            return f"adjust wallet set {event.wallet_set_id}: {_allocations(event.allocations)}"
        case DeactivateWalletSet():
            return f"release wallet set {event.wallet_set_id} to the pool"
        case WalletSetCreated():
            return f"wallet set {event.wallet_set_id} created: {_allocations(event.allocations)}"
        case WalletSetDeactivated():
            return f"wallet set {event.wallet_set_id} released to the pool"
        case CommandRejected():
            return f"command {event.command_id} refused: {event.reason} ({event.detail})"
        case StartRun():
            return (f"start {event.strategy} ({event.mode}) on {event.account} with "
                    f"{_allocations(event.allocations)}; parameters {event.params_json}")
        case StopRun():
            return f"stop ({event.reason}){', release its wallet set' if event.release else ''}"
        case ControlMessage():
            return f"control {event.component_id}: {_compact(event.payload_json)}"
        case RunStateChanged():
            return f"{event.state}" + (f": {event.detail}" if event.detail else "")
        case MarketSubscription():
            verb = "subscribed to" if event.subscribed else "unsubscribed from"
            return f"{verb} {event.venue}:{event.pair}"
        case HistoryLoaded():
            return f"{len(event.candles)} archived {event.interval_s}s candles of {event.venue}:{event.pair}"
        case StrategyLogged():
            return f"log {event.level}: {event.message}"
        case _:
            return type(event).__name__


def _compact(text: str) -> str:
    try:
        return json.dumps(json.loads(text), separators=(",", ":"), sort_keys=True)
    except ValueError:
        return text

"""Fold output events into views a person reads (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from schemas.events import Event, FundsHeld, HoldReleased, OrderDone, OrderFilled, WalletMovement

BalanceKey = tuple[str, str, str, str]  # wallet, venue, currency, bucket


def balances(events: Iterable[Event]) -> dict[BalanceKey, int]:
    """Balances per (wallet, venue, currency, bucket) from postings, holds and releases."""
    out: dict[BalanceKey, int] = defaultdict(int)
    for e in events:
        if isinstance(e, WalletMovement):
            for leg in e.legs:
                out[(leg.wallet, leg.venue, leg.currency, leg.bucket)] += leg.amount
        elif isinstance(e, FundsHeld | HoldReleased):
            sign = 1 if isinstance(e, FundsHeld) else -1
            out[(e.wallet_set_id, e.venue, e.currency, "available")] -= sign * e.amount
            out[(e.wallet_set_id, e.venue, e.currency, "hold")] += sign * e.amount
    return {k: v for k, v in sorted(out.items()) if v}


def fills(events: Iterable[Event]) -> list[OrderFilled]:
    return [e for e in events if isinstance(e, OrderFilled)]


def done(events: Iterable[Event]) -> list[OrderDone]:
    return [e for e in events if isinstance(e, OrderDone)]

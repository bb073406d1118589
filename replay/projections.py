"""Fold output events into views a person reads (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from schemas.events import Event, OrderDone, OrderFilled
from streams.ledger.projections import balance_changes

BalanceKey = tuple[str, str, str, str]  # wallet, venue, currency, bucket


def balances(events: Iterable[Event]) -> dict[BalanceKey, int]:
    """Balances per (wallet, venue, currency, bucket) from postings, holds and releases."""
    out: dict[BalanceKey, int] = defaultdict(int)
    for e in events:
        for wallet, venue, currency, bucket, amount in balance_changes(e):
            out[(wallet, venue, currency, bucket)] += amount
    return {k: v for k, v in sorted(out.items()) if v}


def fills(events: Iterable[Event]) -> list[OrderFilled]:
    return [e for e in events if isinstance(e, OrderFilled)]


def done(events: Iterable[Event]) -> list[OrderDone]:
    return [e for e in events if isinstance(e, OrderDone)]

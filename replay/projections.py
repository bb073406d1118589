"""Fold output events into views a person reads (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from schemas.events import Event, OrderDone, OrderFilled
from streams.ledger.projections import balance_changes

BalanceKey = tuple[str, str, str, str]  # wallet, venue, currency, bucket


def first_copies(events: Iterable[Event]) -> Iterator[Event]:
    """Each event once: an output topic is at-least-once, and a worker restarted between delivering an
    input's outputs and committing the input sends them again under the same ids."""
    seen: set[str] = set()
    for e in events:
        if e.event_id not in seen:
            seen.add(e.event_id)
            yield e


def balances(events: Iterable[Event]) -> dict[BalanceKey, int]:
    """Balances per (wallet, venue, currency, bucket) from postings, holds and releases (each once)."""
    out: dict[BalanceKey, int] = defaultdict(int)
    for e in first_copies(events):
        for wallet, venue, currency, bucket, amount in balance_changes(e):
            out[(wallet, venue, currency, bucket)] += amount
    return {k: v for k, v in sorted(out.items()) if v}


def fills(events: Iterable[Event]) -> list[OrderFilled]:
    return [e for e in first_copies(events) if isinstance(e, OrderFilled)]


def done(events: Iterable[Event]) -> list[OrderDone]:
    return [e for e in first_copies(events) if isinstance(e, OrderDone)]

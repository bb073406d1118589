"""Where each output event must go next (pure): event -> (inbox topic, key) pairs."""

from __future__ import annotations

from schemas.events import (
    CancelRejected,
    CancelRequested,
    Event,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRejected,
)
from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL, VENUE_JOURNAL, venue_key

Route = tuple[str, str]


def routes(event: Event) -> list[Route]:
    """The inboxes an output event is appended to (may be none: archive only)."""
    match event:
        case OrderOpened() | OrderFilled() | OrderDone() | CancelRejected():
            return [(LEDGER_JOURNAL, event.account), (STRATEGY_JOURNAL, event.run_id)]
        case OrderAccepted() | CancelRequested():
            return [(VENUE_JOURNAL, venue_key(event.venue, event.pair))]
        case OrderRejected():
            return [(STRATEGY_JOURNAL, event.run_id)]
        case _:
            return []

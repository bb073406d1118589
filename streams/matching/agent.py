"""The matching agent: ``venue.journal`` -> MatchingEngine -> ``venue.events``."""

from __future__ import annotations

from schemas.events import (
    BookDelta,
    BookSnapshot,
    BookStatusChanged,
    CancelRequested,
    ClockTick,
    Event,
    MarketListed,
    OrderAccepted,
    PublicTrade,
)
from schemas.topics import VENUE_EVENTS, VENUE_JOURNAL, venue_key
from streams.matching.engine import MatchingConfig, MatchingEngine
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import InboxProcessor
from streams.runtime.kafka import inbox_processor

ACCEPTS = frozenset(
    {BookSnapshot, BookDelta, BookStatusChanged, PublicTrade, ClockTick, MarketListed, OrderAccepted,
     CancelRequested}
)


def output_key(event: Event) -> str:
    return venue_key(event.venue, event.pair)  # type: ignore[union-attr]


def processor(config: MatchingConfig | None = None, bootstrap: str | None = None,
              namespace: str = "") -> InboxProcessor:
    """The agent's inbox shell; with ``bootstrap`` it rebuilds state from the inbox on restart."""
    cfg = config or MatchingConfig()
    return inbox_processor(VENUE_JOURNAL, VENUE_EVENTS, lambda: MatchingEngine(cfg), ACCEPTS, output_key,
                           bootstrap, namespace)


def register(rt: Runtime, config: MatchingConfig | None = None) -> None:
    register_inbox_agent(rt, "matching", processor(config, rt.bootstrap, rt.namespace))

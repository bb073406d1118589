"""The matching agent: ``venue.journal`` -> MatchingEngine -> ``venue.events``."""

from __future__ import annotations

from schemas.events import Event
from schemas.topics import VENUE_EVENTS, VENUE_JOURNAL, venue_key
from streams.matching.engine import INBOX_TYPES, MatchingConfig, MatchingEngine
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import InboxProcessor
from streams.runtime.kafka import inbox_processor


def output_key(event: Event) -> str:
    return venue_key(event.venue, event.pair)  # type: ignore[union-attr]


def processor(config: MatchingConfig | None = None, bootstrap: str | None = None,
              namespace: str = "") -> InboxProcessor:
    """The agent's inbox shell; with ``bootstrap`` it rebuilds state from the inbox on restart."""
    cfg = config or MatchingConfig()
    return inbox_processor(VENUE_JOURNAL, VENUE_EVENTS, lambda: MatchingEngine(cfg), INBOX_TYPES, output_key,
                           bootstrap, namespace)


def register(rt: Runtime, config: MatchingConfig | None = None) -> None:
    register_inbox_agent(rt, "matching", processor(config, rt.bootstrap, rt.namespace))

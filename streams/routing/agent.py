"""Routers: forward output events, byte for byte, into the inboxes that need them; and the market fan-out's
shell (``venue.journal`` -> ``MarketFanOut`` -> the subscribed runs' ``strategy.journal``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from schemas.codec import Codec, DecodeError, default_codec
from schemas.events import Event
from schemas.topics import LEDGER_EVENTS, STRATEGY_EVENTS, STRATEGY_JOURNAL, VENUE_EVENTS, VENUE_JOURNAL
from streams.matching.engine import INBOX_TYPES as VENUE_INBOX_TYPES
from streams.routing.fanout import MarketFanOut
from streams.routing.rules import Route, routes, strategy_routes
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import InboxProcessor, Outgoing
from streams.runtime.shell import inbox_processor

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Router:
    """Reads one output topic; each event goes on, unchanged, to the inboxes its rules name."""

    inbox: str
    rules: Callable[[Event], list[Route]] = routes
    codec: Codec = field(default_factory=default_codec)

    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                timestamp_ms: int = 0) -> list[Outgoing]:
        try:
            event = self.codec.decode(value or b"")
        except DecodeError:  # outputs are written by our agents: nothing here to route
            log.error("undecodable message at %s[%d]@%d not routed", self.inbox, partition, offset,
                      extra={"topic": self.inbox, "partition": partition, "offset": offset})
            return []
        return [Outgoing(topic, k.encode(), value or b"") for topic, k in self.rules(event)]


def routers() -> list[Router]:
    """One router per output topic: the agents' and the strategy agent's."""
    return [Router(VENUE_EVENTS), Router(LEDGER_EVENTS), Router(STRATEGY_EVENTS, strategy_routes)]


def register(rt: Runtime) -> None:
    for router in routers():
        register_inbox_agent(rt, f"route_{router.inbox.split('.')[0]}", router)


def fanout_key(event: Event) -> str:  # the fan-out forwards (``Forward``): keys are its own
    raise AssertionError(f"the market fan-out emits forwards only, not {type(event).__name__}")


def fanout_processor(bootstrap: str | None = None, namespace: str = "") -> InboxProcessor:
    """The market fan-out's shell on ``venue.journal`` (its outputs go to the runs' inboxes)."""
    # the matching agent dead-letters what does not belong on venue.journal
    return inbox_processor(VENUE_JOURNAL, STRATEGY_JOURNAL, MarketFanOut, VENUE_INBOX_TYPES,
                           fanout_key, bootstrap, namespace, keyed=True, dead_letters=False)


def register_fanout(rt: Runtime) -> None:
    register_inbox_agent(rt, "market_fanout", fanout_processor(rt.bootstrap, rt.namespace))

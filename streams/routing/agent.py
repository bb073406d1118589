"""Routers: forward output events, byte for byte, into the inboxes that need them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from schemas.codec import Codec, DecodeError, default_codec
from schemas.events import Event
from schemas.topics import LEDGER_EVENTS, STRATEGY_EVENTS, VENUE_EVENTS
from streams.routing.rules import Route, routes, strategy_routes
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import Outgoing

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

"""Routers: forward output events, byte for byte, into the inboxes that need them (one per ``Hop`` of
``strategies.topology``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from schemas.codec import Codec, DecodeError, default_codec
from schemas.events import Event
from streams.core import Hop
from streams.routing.rules import Route, routes
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


def router(hop: Hop) -> Router:
    return Router(hop.output, hop.rules)

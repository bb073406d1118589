"""Routers: forward output events, byte for byte, into the inboxes that need them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from schemas.codec import Codec, DecodeError, default_codec
from schemas.topics import LEDGER_EVENTS, VENUE_EVENTS
from streams.routing.rules import routes
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import Outgoing

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Router:
    """Reads one output topic; each event goes on, unchanged, to the inboxes its rules name."""

    inbox: str
    codec: Codec = field(default_factory=default_codec)

    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                timestamp_ms: int = 0) -> list[Outgoing]:
        try:
            event = self.codec.decode(value or b"")
        except DecodeError:  # outputs are written by our agents: nothing here to route
            log.error("undecodable message at %s[%d]@%d not routed", self.inbox, partition, offset)
            return []
        return [Outgoing(topic, k.encode(), value or b"") for topic, k in routes(event)]


def register(rt: Runtime) -> None:
    for source in (VENUE_EVENTS, LEDGER_EVENTS):
        register_inbox_agent(rt, f"route_{source.split('.')[0]}", Router(source))

"""Routers: forward output events, byte for byte, into the inboxes that need them."""

from __future__ import annotations

import logging
from typing import Any

from schemas.codec import DecodeError, default_codec
from schemas.topics import LEDGER_EVENTS, VENUE_EVENTS, partition_of
from streams.routing.rules import routes
from streams.runtime.app import Runtime

log = logging.getLogger(__name__)


def register(rt: Runtime) -> None:
    codec = default_codec()
    targets: dict[str, Any] = {}

    def target(name: str) -> Any:
        if name not in targets:
            targets[name] = rt.topic(name)
        return targets[name]

    async def forward(stream: Any) -> None:
        async for value in stream:
            try:
                event = codec.decode(value)
            except DecodeError:  # outputs are written by our agents; nothing to route
                log.error("undecodable output message skipped by router")
                continue
            for topic, key in routes(event):
                k = key.encode()
                await target(topic).send(key=k, value=value, partition=partition_of(topic, k))

    for source in (VENUE_EVENTS, LEDGER_EVENTS):
        name = f"route-{source.split('.')[0]}"
        fn = forward
        rt.app.agent(rt.topic(source), name=name)(_renamed(fn, name))


def _renamed(fn: Any, name: str) -> Any:
    async def agent(stream: Any) -> None:
        await fn(stream)

    agent.__name__ = agent.__qualname__ = name.replace("-", "_")
    return agent

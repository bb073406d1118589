"""Coinbase Exchange websocket connection settings (I/O lives in ``producers.exchanges.connect``).

Channels: ``level2_batch`` (the unauthenticated level2: the same ``snapshot``
and ``l2update`` messages, batched every 50 ms; plain ``level2`` now needs
authentication) and ``matches``. ``heartbeat`` keeps a quiet product talking so
silence really means a dead feed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.coinbase.symbols import VENUE, product_id

DEFAULT_URL = "wss://ws-feed.exchange.coinbase.com"


@dataclass(frozen=True, slots=True)
class CoinbaseFeed:
    """What to follow on Coinbase; pass to ``FeedConnector``."""

    pairs: tuple[str, ...]
    url: str = DEFAULT_URL
    channels: tuple[str, ...] = ("level2_batch", "matches", "heartbeat")
    venue: str = VENUE

    def new_parser(self) -> CoinbaseParser:
        return CoinbaseParser()

    def subscribe_messages(self) -> list[str]:
        products = [product_id(pair) for pair in self.pairs]
        return [json.dumps({"type": "subscribe", "product_ids": products, "channels": list(self.channels)})]

    def keepalive_message(self) -> str | None:
        return None

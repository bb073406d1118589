"""Kraken websocket (v1) connection settings (I/O lives in ``producers.exchanges.connect``).

Subscribes the book (depth 1000 by default; the parser truncates to it and
checks Kraken's checksums) and trades. Kraken sends a ``heartbeat`` every
second when a connection is otherwise quiet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from producers.exchanges.kraken.parse import KrakenParser
from producers.exchanges.kraken.symbols import VENUE, ws_pair

DEFAULT_URL = "wss://ws.kraken.com"


@dataclass(frozen=True, slots=True)
class KrakenFeed:
    """What to follow on Kraken; pass to ``FeedConnector``."""

    pairs: tuple[str, ...]
    url: str = DEFAULT_URL
    depth: int = 1000
    venue: str = VENUE

    def new_parser(self) -> KrakenParser:
        return KrakenParser()

    def subscribe_messages(self) -> list[str]:
        names = [ws_pair(pair) for pair in self.pairs]
        book = {"name": "book", "depth": self.depth}
        return [
            json.dumps({"event": "subscribe", "pair": names, "subscription": book}),
            json.dumps({"event": "subscribe", "pair": names, "subscription": {"name": "trade"}}),
        ]

    def keepalive_message(self) -> str | None:
        return None

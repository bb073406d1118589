"""Poloniex v2 public websocket connection settings (I/O lives in ``producers.exchanges.connect``).

Poloniex closes a connection that sends nothing for 30 s, so the feed asks the
connector for an application-level ``ping`` (answered by ``pong``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from producers.exchanges.poloniex.parse import PoloniexParser
from producers.exchanges.poloniex.symbols import VENUE, venue_symbol

DEFAULT_URL = "wss://ws.poloniex.com/ws/public"


@dataclass(frozen=True, slots=True)
class PoloniexFeed:
    """What to follow on Poloniex; pass to ``FeedConnector``."""

    pairs: tuple[str, ...]
    url: str = DEFAULT_URL
    venue: str = VENUE

    def new_parser(self) -> PoloniexParser:
        return PoloniexParser()

    def subscribe_messages(self) -> list[str]:
        symbols = [venue_symbol(pair) for pair in self.pairs]
        return [
            json.dumps({"event": "subscribe", "channel": [channel], "symbols": symbols})
            for channel in ("trades", "book_lv2")
        ]

    def keepalive_message(self) -> str | None:
        return json.dumps({"event": "ping"})

"""Bitfinex v2 websocket connection settings (I/O lives in ``producers.exchanges.connect``).

First ``conf`` with flag 65536 so every message carries a sequence number,
then a P0 book (``len`` 100) and the trades channel per pair. Bitfinex sends
``hb`` per channel every 15 s, so a silent connection is a dead one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from producers.exchanges.bitfinex.parse import SEQ_ALL, BitfinexParser
from producers.exchanges.bitfinex.symbols import VENUE, trading_symbol

DEFAULT_URL = "wss://api-pub.bitfinex.com/ws/2"


@dataclass(frozen=True, slots=True)
class BitfinexFeed:
    """What to follow on Bitfinex; pass to ``FeedConnector``."""

    pairs: tuple[str, ...]
    url: str = DEFAULT_URL
    book_length: int = 100
    venue: str = VENUE

    def new_parser(self) -> BitfinexParser:
        return BitfinexParser()

    def subscribe_messages(self) -> list[str]:
        messages = [json.dumps({"event": "conf", "flags": SEQ_ALL})]
        for pair in self.pairs:
            symbol = trading_symbol(pair)
            messages.append(
                json.dumps(
                    {
                        "event": "subscribe",
                        "channel": "book",
                        "symbol": symbol,
                        "prec": "P0",
                        "freq": "F0",
                        "len": str(self.book_length),
                    }
                )
            )
            messages.append(json.dumps({"event": "subscribe", "channel": "trades", "symbol": symbol}))
        return messages

    def keepalive_message(self) -> str | None:
        return None

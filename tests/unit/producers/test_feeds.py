"""What each venue's connector sends on connecting (subscribe messages, keepalive)."""

from __future__ import annotations

import json

from producers.exchanges.bitfinex.connect import BitfinexFeed
from producers.exchanges.coinbase.connect import CoinbaseFeed
from producers.exchanges.kraken.connect import KrakenFeed
from producers.exchanges.poloniex.connect import PoloniexFeed


def test_coinbase() -> None:
    feed = CoinbaseFeed(pairs=("BTC-USD", "ETH-USD"))
    (message,) = map(json.loads, feed.subscribe_messages())
    assert message == {
        "type": "subscribe",
        "product_ids": ["BTC-USD", "ETH-USD"],
        "channels": ["level2_batch", "matches", "heartbeat"],
    }
    assert feed.keepalive_message() is None


def test_bitfinex_asks_for_sequence_numbers_first() -> None:
    feed = BitfinexFeed(pairs=("BTC-USD", "AAVE-USDT"))
    messages = [json.loads(m) for m in feed.subscribe_messages()]
    assert messages[0] == {"event": "conf", "flags": 65536}
    assert messages[1] == {
        "event": "subscribe",
        "channel": "book",
        "symbol": "tBTCUSD",
        "prec": "P0",
        "freq": "F0",
        "len": "100",
    }
    assert messages[2] == {"event": "subscribe", "channel": "trades", "symbol": "tBTCUSD"}
    assert messages[3]["symbol"] == messages[4]["symbol"] == "tAAVE:UST"


def test_poloniex_pings() -> None:
    feed = PoloniexFeed(pairs=("BTC-USDT", "ZEC-USDT"))
    messages = [json.loads(m) for m in feed.subscribe_messages()]
    assert messages == [
        {"event": "subscribe", "channel": ["trades"], "symbols": ["BTC_USDT", "ZEC_USDT"]},
        {"event": "subscribe", "channel": ["book_lv2"], "symbols": ["BTC_USDT", "ZEC_USDT"]},
    ]
    assert json.loads(feed.keepalive_message() or "null") == {"event": "ping"}


def test_kraken_uses_its_own_codes() -> None:
    feed = KrakenFeed(pairs=("BTC-USD",), depth=100)
    book, trade = (json.loads(m) for m in feed.subscribe_messages())
    assert book == {"event": "subscribe", "pair": ["XBT/USD"], "subscription": {"name": "book", "depth": 100}}
    assert trade["subscription"] == {"name": "trade"}

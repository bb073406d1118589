"""Kraken: every book message and trade is parsed; checksums verify; depth is enforced."""

from __future__ import annotations

import json
from typing import Any

import pytest

from producers.exchanges.feed import MalformedMessage, VenueError
from producers.exchanges.kraken.parse import KrakenParser
from schemas.events import BookDelta, BookSnapshot, BookStatusChanged, Level, LevelChange, PublicTrade
from tests.unit.producers.kit import received, replay

BOOKS, TRADES, TICKERS = "KRAKEN.ws.50.0", "KRAKEN.ws.48.0", "KRAKEN.ws.49.0"


def _channel_messages(name: str) -> list[Any]:
    return [m for r in received(name) if isinstance(m := json.loads(r.payload), list)]


def test_every_book_message_is_parsed_and_every_checksum_matches() -> None:
    raw = [m for m in _channel_messages(BOOKS) if str(m[-2]).startswith("book-")]
    snapshots = sum("as" in m[1] for m in raw)
    parser = KrakenParser()
    events = [e for p in replay(BOOKS, parser) for e in p.events]
    assert sum(isinstance(e, BookSnapshot) for e in events) == snapshots == 10
    assert sum(isinstance(e, BookDelta) for e in events) == len(raw) - snapshots == 4269
    assert parser.checksum_failures == 0
    assert not any(isinstance(e, BookStatusChanged) for e in events)


def test_every_trade_is_parsed() -> None:
    rows = sum(len(m[1]) for m in _channel_messages(TRADES) if m[-2] == "trade")
    trades = [e for p in replay(TRADES, KrakenParser()) for e in p.events]
    assert len(trades) == rows == 10 and all(isinstance(t, PublicTrade) for t in trades)


def test_tickers_yield_nothing() -> None:
    assert all(p.events == [] for p in replay(TICKERS, KrakenParser()))


def test_trade_values() -> None:
    raw = '[993,[["354.11000000","0.89594024","1618678142.557535","s","l",""]],"trade","XMR/USD"]'
    (trade,) = KrakenParser().parse(raw, 1618678142592855)
    assert isinstance(trade, PublicTrade)
    assert (trade.pair, trade.price, trade.size) == ("XMR-USD", 35411000000, 89594024)
    assert (trade.ts, trade.taker_side, trade.trade_id) == (1618678142557535, "sell", "1618678142557535-0")


def _book_parser() -> KrakenParser:
    parser = KrakenParser()
    snapshot = {
        "as": [["0.5", "1.0", "1.1"], ["0.6", "2.0", "1.2"], ["0.7", "3.0", "1.3"]],
        "bs": [["0.4", "1.0", "1.4"], ["0.3", "2.0", "1.5"]],
    }
    parser.parse(json.dumps([1, snapshot, "book-3", "XBT/USD"]), 10)
    return parser


def test_a_message_with_both_sides_is_one_delta_and_the_republish_flag_is_an_update() -> None:
    parser = _book_parser()
    raw = json.dumps(
        [1, {"a": [["0.5", "0.0", "2.0"]]}, {"b": [["0.45", "4.0", "2.5", "r"]]}, "book-3", "XBT/USD"]
    )
    (delta,) = parser.parse(raw, 20)
    assert isinstance(delta, BookDelta) and delta.pair == "BTC-USD" and delta.seq is None
    assert delta.changes == [LevelChange("ask", 50000000, 0), LevelChange("bid", 45000000, 400000000)]
    assert delta.ts == 2_500_000  # the latest level time


def test_levels_beyond_the_subscribed_depth_are_removed() -> None:
    parser = _book_parser()
    (delta,) = parser.parse(json.dumps([1, {"a": [["0.55", "1.0", "2.0"]]}, "book-3", "XBT/USD"]), 20)
    assert isinstance(delta, BookDelta)
    # 0.7 fell out of the top 3 asks: Kraken sends no removal, the parser adds one
    assert delta.changes == [LevelChange("ask", 55000000, 100000000), LevelChange("ask", 70000000, 0)]


def test_a_checksum_mismatch_marks_the_book_stale() -> None:
    records = received(BOOKS)
    parser = KrakenParser()
    target = next(i for i, r in enumerate(records) if '"c":"4105471083"' in r.payload)
    for record in records[:target]:
        parser.parse(record.payload, record.recv_ts)
    corrupted = records[target].payload.replace('"364630.28272081"', '"364630.28272082"')
    delta, stale = parser.parse(corrupted, records[target].recv_ts)
    assert isinstance(delta, BookDelta) and isinstance(stale, BookStatusChanged)
    assert stale.pair == "SC-EUR" and stale.stale and stale.reason.startswith("checksum mismatch")
    assert parser.checksum_failures == 1


def test_snapshot_values() -> None:
    parsed = replay(BOOKS, KrakenParser())
    snap = next(e for p in parsed for e in p.events if isinstance(e, BookSnapshot))
    assert snap.pair == "ADA-BTC" and snap.seq is None and snap.ts == snap.recv_ts
    assert snap.asks[0] == Level(price=2290, size=1335587450757)  # ["0.000022900","13355.87450757",..]


def test_errors() -> None:
    with pytest.raises(VenueError):
        KrakenParser().parse('{"event":"subscriptionStatus","status":"error","errorMessage":"no"}', 1)
    with pytest.raises(MalformedMessage):
        KrakenParser().parse('[1,{"a":[["1","1","1"]]},"book-10","XBT/USD"]', 1)  # before snapshot
    with pytest.raises(MalformedMessage):
        KrakenParser().parse('[1,"book-10"]', 1)
    assert KrakenParser().parse('{"event":"heartbeat"}', 1) == []

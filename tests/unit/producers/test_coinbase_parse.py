"""Coinbase: every level2 message and every match in the capture is parsed, with exact values."""

from __future__ import annotations

import json

import pytest

from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.feed import MalformedMessage
from schemas.events import BookDelta, BookSnapshot, Level, LevelChange, PublicTrade
from tests.unit.producers.kit import received, replay

CAPTURE = "COINBASE.ws.28.0"


def test_every_book_message_and_trade_is_parsed() -> None:
    # Independent count: the message type, read straight from the raw JSON.
    types = [json.loads(r.payload)["type"] for r in received(CAPTURE)]
    parsed = replay(CAPTURE, CoinbaseParser())
    snapshots = [e for p in parsed for e in p.events if isinstance(e, BookSnapshot)]
    deltas = [e for p in parsed for e in p.events if isinstance(e, BookDelta)]
    trades = [e for p in parsed for e in p.events if isinstance(e, PublicTrade)]
    assert len(snapshots) == types.count("snapshot") == 10
    assert len(deltas) == types.count("l2update") == 9719
    assert len(trades) == types.count("match") + types.count("last_match") == 107
    # one event per book or trade message, none from the others (subscriptions, ticker)
    for p, kind in zip(parsed, types, strict=True):
        expected = 1 if kind in ("snapshot", "l2update", "match", "last_match") else 0
        assert len(p.events) == expected, p.record.payload[:100]


def test_snapshot_values() -> None:
    parsed = replay(CAPTURE, CoinbaseParser())
    snap = next(e for p in parsed for e in p.events if isinstance(e, BookSnapshot))
    assert (snap.venue, snap.pair, snap.seq) == ("coinbase", "BAND-GBP", None)
    assert snap.ts == snap.recv_ts == 1618677817077736
    assert snap.asks[0] == Level(price=1480240000, size=1277000000)  # ["14.8024","12.77"]
    assert snap.bids[:2] == [Level(1476930000, 2751000000), Level(1476590000, 1248000000)]
    assert all(a.price < b.price for a, b in zip(snap.asks, snap.asks[1:], strict=False))
    assert all(a.price > b.price for a, b in zip(snap.bids, snap.bids[1:], strict=False))


def test_l2update_values() -> None:
    parser = CoinbaseParser()
    raw = (
        '{"type":"l2update","product_id":"SKL-BTC","changes":[["sell","0.00001306","660.5"],'
        '["buy","0.00001300","0.0"]],"time":"2021-04-17T16:43:37.075687Z"}'
    )
    (delta,) = parser.parse(raw, 1618677817118783)
    assert isinstance(delta, BookDelta)
    assert delta.pair == "SKL-BTC" and delta.seq is None
    assert delta.ts == 1618677817075687 and delta.recv_ts == 1618677817118783
    assert delta.changes == [LevelChange("ask", 1306, 66050000000), LevelChange("bid", 1300, 0)]


def test_match_taker_is_the_opposite_of_the_maker_side() -> None:
    parser = CoinbaseParser()
    raw = (
        '{"type":"match","trade_id":280232,"maker_order_id":"a","taker_order_id":"b",'
        '"side":"sell","size":"985","price":"0.00001305","product_id":"SKL-BTC",'
        '"sequence":177100030,"time":"2021-04-17T16:43:37.089723Z"}'
    )
    (trade,) = parser.parse(raw, 1618677817129516)
    assert trade == PublicTrade(
        event_id="coinbase:SKL-BTC:trade:280232",
        venue="coinbase",
        pair="SKL-BTC",
        ts=1618677817089723,
        recv_ts=1618677817129516,
        trade_id="280232",
        price=1305,
        size=98500000000,
        taker_side="buy",
    )


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        '{"type":"l2update","product_id":"SKL-BTC","changes":[["sell","x","1"]],"time":"2021-04-17T16:43:37Z"}',
        '{"type":"l2update","product_id":"SKL-BTC","changes":[["hold","1","1"]],"time":"2021-04-17T16:43:37Z"}',
        '{"type":"match","product_id":"SKL-BTC"}',
        '{"type":"snapshot","product_id":"SKLBTC","bids":[],"asks":[]}',
    ],
)
def test_malformed_messages_raise_a_typed_error(raw: str) -> None:
    with pytest.raises(MalformedMessage):
        CoinbaseParser().parse(raw, 1)


def test_other_messages_yield_nothing() -> None:
    parser = CoinbaseParser()
    assert parser.parse('{"type":"heartbeat","sequence":1}', 1) == []
    assert parser.parse('{"type":"subscriptions","channels":[]}', 2) == []

"""Bitfinex v2: every book message and trade is parsed, with exact values; te counts, tu does not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from producers.exchanges.bitfinex.parse import BitfinexParser
from producers.exchanges.feed import MalformedMessage, VenueError
from schemas.events import BookDelta, BookSnapshot, BookStatusChanged, Level, LevelChange, PublicTrade
from tests.unit.producers.kit import received, replay

CAPTURE = "BITFINEX.ws.11.0"


def _raw_counts() -> tuple[int, int, int]:
    """Book snapshots, book updates and trades, by the shape of the raw messages alone."""
    kinds: dict[int, str] = {}
    snapshots = updates = trades = 0
    for record in received(CAPTURE):
        message: Any = json.loads(record.payload)
        if isinstance(message, dict):
            if message.get("event") == "subscribed":
                kinds[message["chanId"]] = message["channel"]
            continue
        kind, body = kinds.get(message[0]), message[1]
        if kind == "book" and isinstance(body, list):
            if body and isinstance(body[0], list):
                snapshots += 1
            else:
                updates += 1
        elif kind == "trades" and isinstance(body, list):
            trades += len(body)  # the trade snapshot
        elif kind == "trades" and body == "te":
            trades += 1
    return snapshots, updates, trades


def test_every_book_message_and_trade_is_parsed() -> None:
    snapshots, updates, trades = _raw_counts()
    events = [e for p in replay(CAPTURE, BitfinexParser()) for e in p.events]
    assert sum(isinstance(e, BookSnapshot) for e in events) == snapshots == 7
    assert sum(isinstance(e, BookDelta) for e in events) == updates == 1593
    assert sum(isinstance(e, PublicTrade) for e in events) == trades == 210


def test_channels_come_from_subscribed_events() -> None:
    parser = BitfinexParser()
    replay(CAPTURE, parser)
    assert parser.book_pairs() == [
        "BFT-USD",
        "DOG-USD",
        "IOT-ETH",
        "MNA-BTC",
        "ODE-USD",
        "SNG-USD",
        "TESTBTC-TESTUSD",
    ]
    assert parser.channels[232954].kind == "book"
    assert parser.channels[232959].pair == "BFT-USD"


def test_book_snapshot_values() -> None:
    parsed = replay(CAPTURE, BitfinexParser())
    snap = next(e for p in parsed for e in p.events if isinstance(e, BookSnapshot) and e.pair == "BFT-USD")
    assert snap.seq == 542 and snap.ts == snap.recv_ts == 1618677554859855
    assert snap.bids[0] == Level(price=6896500, size=609817017201)  # [0.068965,3,6098.17017201]
    assert snap.asks[-1] == Level(price=29000000, size=1699300000000)  # [0.29,2,-16993]
    assert (len(snap.bids), len(snap.asks)) == (96, 100)  # as sent: 196 entries


def test_book_updates_set_and_delete_levels() -> None:
    parser = BitfinexParser()
    parser.parse(
        '{"event":"subscribed","channel":"book","chanId":7,"symbol":"tBTCUSD",'
        '"prec":"P0","freq":"F0","len":"25","pair":"BTCUSD"}',
        1,
    )
    (snap,) = parser.parse("[7,[[60000,1,0.5],[60010,2,-1.25]],1]", 2)
    (bid,) = parser.parse("[7,[60001,3,0.1],2]", 3)
    (gone,) = parser.parse("[7,[60010,0,-1],3]", 4)
    (gone_bid,) = parser.parse("[7,[60000,0,1],4]", 5)
    assert isinstance(snap, BookSnapshot) and snap.pair == "BTC-USD" and snap.seq == 1
    assert snap.bids == [Level(6000000000000, 50000000)]
    assert snap.asks == [Level(6001000000000, 125000000)]
    assert isinstance(bid, BookDelta) and bid.seq == 2
    assert bid.changes == [LevelChange("bid", 6000100000000, 10000000)]
    assert isinstance(gone, BookDelta) and gone.changes == [LevelChange("ask", 6001000000000, 0)]
    assert isinstance(gone_bid, BookDelta)
    assert gone_bid.changes == [LevelChange("bid", 6000000000000, 0)]


def test_trade_snapshot_values_oldest_first() -> None:
    parsed = replay(CAPTURE, BitfinexParser())
    bft = [e for p in parsed for e in p.events if isinstance(e, PublicTrade) and e.pair == "BFT-USD"]
    assert [t.ts for t in bft] == sorted(t.ts for t in bft)
    newest = bft[-1]  # [669899159,1618665870435,166.391496,0.076989]
    assert newest.trade_id == "669899159" and newest.event_id == "bitfinex:BFT-USD:trade:669899159"
    assert (newest.price, newest.size, newest.taker_side) == (7698900, 16639149600, "buy")
    assert newest.ts == 1618665870435000 and newest.recv_ts == 1618677543960532
    sold = next(t for t in bft if t.trade_id == "669898213")  # amount -2272.50116833
    assert (sold.size, sold.taker_side) == (227250116833, "sell")


def test_te_is_the_trade_and_tu_is_ignored() -> None:
    parser = BitfinexParser()
    parser.parse('{"event":"subscribed","channel":"trades","chanId":9,"symbol":"tAAVE:UST"}', 1)
    (trade,) = parser.parse('[9,"te",[401,1618677600123,-0.25,350.5],1]', 2)
    assert parser.parse('[9,"tu",[401,1618677600123,-0.25,350.5],2]', 3) == []
    assert isinstance(trade, PublicTrade)
    assert (trade.pair, trade.trade_id, trade.taker_side) == ("AAVE-USDT", "401", "sell")
    assert (trade.price, trade.size, trade.ts) == (35050000000, 25000000, 1618677600123000)


def test_heartbeats_checksums_and_tickers_only_advance_the_sequence() -> None:
    parser = BitfinexParser()
    parser.parse('{"event":"subscribed","channel":"book","chanId":7,"symbol":"tBTCUSD"}', 1)
    parser.parse('{"event":"subscribed","channel":"ticker","chanId":8,"symbol":"tBTCUSD"}', 1)
    assert parser.parse('[7,"hb",1]', 2) == []
    assert parser.parse('[7,"cs",-1234567,2]', 3) == []
    assert parser.parse("[8,[1,2,3,4,5,6,7,8,9,10],3]", 4) == []
    assert parser.last_seq == 3 and parser.gaps == 0


def test_float_noise_rounds_half_even() -> None:
    parser = BitfinexParser()
    parser.parse('{"event":"subscribed","channel":"book","chanId":7,"symbol":"tBTCUSD"}', 1)
    (delta,) = parser.parse("[7,[0.0010271,1,19203.444049780002],1]", 2)
    assert isinstance(delta, BookDelta)
    assert delta.changes == [LevelChange("bid", 102710, 1920344404978)]


def test_errors() -> None:
    parser = BitfinexParser()
    with pytest.raises(VenueError):
        parser.parse('{"event":"error","msg":"symbol: invalid","code":10300}', 1)
    with pytest.raises(MalformedMessage):
        parser.parse('{"event":"subscribed","channel":"book","chanId":3,"symbol":"tBTCUSD","prec":"R0"}', 1)
    parser.parse('{"event":"subscribed","channel":"book","chanId":7,"symbol":"tBTCUSD"}', 1)
    (stale,) = parser.parse("[7,[60000,1,0],1]", 2)  # zero amount, on a followed book: stale, not skipped
    assert isinstance(stale, BookStatusChanged) and stale.pair == "BTC-USD"
    assert stale.reason.startswith("malformed book message: book entry with zero amount")
    with pytest.raises(MalformedMessage):
        parser.parse("[7]", 2)
    with pytest.raises(MalformedMessage):
        parser.parse('"hb"', 2)


def test_unsubscribed_channels_are_forgotten() -> None:
    parser = BitfinexParser()
    parser.parse('{"event":"subscribed","channel":"book","chanId":7,"symbol":"tBTCUSD"}', 1)
    parser.parse('{"event":"unsubscribed","status":"OK","chanId":7}', 2)
    assert parser.parse("[7,[60001,3,0.1],1]", 3) == []
    assert parser.book_pairs() == []

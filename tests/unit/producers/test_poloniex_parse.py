"""Poloniex v2: every book_lv2 entry and trade is parsed; book ids are checked for gaps."""

from __future__ import annotations

import json

import pytest

from producers.exchanges.feed import MalformedMessage, VenueError
from producers.exchanges.poloniex.parse import PoloniexParser
from schemas.events import BookDelta, BookSnapshot, BookStatusChanged, Level, LevelChange, PublicTrade
from tests.unit.producers.kit import received, replay

CAPTURE = "POLONIEX.ws.1.0"


def test_every_book_entry_and_trade_is_parsed() -> None:
    snapshots = updates = trades = 0
    for record in received(CAPTURE):
        message = json.loads(record.payload)
        if "event" in message:
            continue  # acknowledgements
        if message.get("channel") == "book_lv2":
            if message["action"] == "snapshot":
                snapshots += len(message["data"])
            else:
                updates += len(message["data"])
        elif message.get("channel") == "trades" and "data" in message:
            trades += len(message["data"])
    events = [e for p in replay(CAPTURE, PoloniexParser()) for e in p.events]
    assert sum(isinstance(e, BookSnapshot) for e in events) == snapshots == 11
    assert sum(isinstance(e, BookDelta) for e in events) == updates == 283
    assert sum(isinstance(e, PublicTrade) for e in events) == trades == 6
    assert not any(isinstance(e, BookStatusChanged) for e in events)  # ids contiguous


def test_book_ids_are_the_sequence_numbers() -> None:
    # Independently: each update's lastId is the id before it, per symbol.
    last: dict[str, int] = {}
    ids: dict[str, list[int]] = {}
    for record in received(CAPTURE):
        message = json.loads(record.payload)
        if message.get("channel") == "book_lv2" and "data" in message:
            for entry in message["data"]:
                if message["action"] == "update":
                    assert entry["lastId"] == last[entry["symbol"]]
                last[entry["symbol"]] = entry["id"]
                ids.setdefault(entry["symbol"].replace("_", "-"), []).append(entry["id"])
    parser = PoloniexParser()
    events = [e for p in replay(CAPTURE, parser) for e in p.events]
    for pair, expected in ids.items():
        assert [
            e.seq for e in events if isinstance(e, BookSnapshot | BookDelta) and e.pair == pair
        ] == expected
    assert parser.gaps == 0


def test_update_values() -> None:
    raw = (
        '{"channel":"book_lv2","data":[{"symbol":"BTC_USDT","createTime":1661123517832,'
        '"asks":[["21617.15","0.34"]],"bids":[["21612.26","0"]],"lastId":4485675,"id":4485676,'
        '"ts":1661123517837}],"action":"update"}'
    )
    (delta,) = PoloniexParser().parse(raw, 1661123517945039)
    assert delta == BookDelta(
        event_id="poloniex:BTC-USDT:delta:1661123517945039.1:0",
        venue="poloniex",
        pair="BTC-USDT",
        ts=1661123517837000,
        recv_ts=1661123517945039,
        seq=4485676,
        changes=[LevelChange("bid", 2161226000000, 0), LevelChange("ask", 2161715000000, 34000000)],
        prev_seq=4485675,  # lastId: the book's previous id, so the engine can chain them
    )


def test_trade_values() -> None:
    raw = (
        '{"channel":"trades","data":[{"symbol":"BTC_USDT","amount":"248.3516391","quantity":"0.01149",'
        '"takerSide":"sell","createTime":1661123520381,"price":"21614.59","id":"60184114",'
        '"ts":1661123520386}]}'
    )
    (trade,) = PoloniexParser().parse(raw, 1661123520424012)
    assert isinstance(trade, PublicTrade)
    assert (trade.pair, trade.trade_id, trade.taker_side) == ("BTC-USDT", "60184114", "sell")
    assert (trade.price, trade.size, trade.ts) == (2161459000000, 1149000, 1661123520381000)
    assert trade.event_id == "poloniex:BTC-USDT:trade:60184114"


def test_snapshot_is_best_first() -> None:
    parsed = replay(CAPTURE, PoloniexParser())
    snap = next(e for p in parsed for e in p.events if isinstance(e, BookSnapshot) and e.pair == "BTC-USDT")
    assert snap.seq is not None and snap.bids[0] == Level(2161226000000, 34000000)
    assert snap.bids[0].price < snap.asks[0].price


def test_an_id_gap_marks_the_book_stale() -> None:
    parser = PoloniexParser()
    snap = (
        '{"channel":"book_lv2","data":[{"symbol":"ZEC_USDT","createTime":1,"asks":[["65","1"]],'
        '"bids":[["64","1"]],"lastId":9,"id":10,"ts":2}],"action":"snapshot"}'
    )
    update = (
        '{"channel":"book_lv2","data":[{"symbol":"ZEC_USDT","createTime":3,"asks":[],'
        '"bids":[["64","2"]],"lastId":11,"id":12,"ts":4}],"action":"update"}'
    )
    parser.parse(snap, 10)
    stale, delta = parser.parse(update, 20)
    assert isinstance(stale, BookStatusChanged) and stale.stale and stale.pair == "ZEC-USDT"
    assert "lastId 11 after id 10" in stale.reason
    assert isinstance(delta, BookDelta) and delta.seq == 12
    assert parser.gaps == 1


def test_errors() -> None:
    with pytest.raises(VenueError):
        PoloniexParser().parse('{"event":"error","message":"bad symbol"}', 1)
    with pytest.raises(MalformedMessage):
        PoloniexParser().parse('{"channel":"trades","data":[{"symbol":"BTC_USDT"}]}', 1)
    assert PoloniexParser().parse('{"event":"pong"}', 1) == []

"""Bitfinex sequence numbers (conf flag 65536) are contiguous per connection; a gap is reported."""

from __future__ import annotations

import json

from producers.exchanges.bitfinex.parse import BitfinexParser
from schemas.events import BookDelta, BookStatusChanged
from tests.unit.producers.kit import received, replay

CAPTURE = "BITFINEX.ws.11.0"


def test_the_capture_is_contiguous() -> None:
    seqs = [m[-1] for r in received(CAPTURE) if isinstance(m := json.loads(r.payload), list)]
    assert seqs == list(range(1, len(seqs) + 1))
    parser = BitfinexParser()
    events = [e for p in replay(CAPTURE, parser) for e in p.events]
    assert parser.gaps == 0 and parser.last_seq == len(seqs) == 1670
    assert not any(isinstance(e, BookStatusChanged) for e in events)


def test_a_dropped_message_is_reported_for_every_book() -> None:
    records = received(CAPTURE)
    dropped = next(i for i, r in enumerate(records) if r.payload.endswith(",600]"))
    parser = BitfinexParser()
    reports: list[BookStatusChanged] = []
    for i, record in enumerate(records):
        if i == dropped:
            continue
        events = parser.parse(record.payload, record.recv_ts)
        reports += [e for e in events if isinstance(e, BookStatusChanged)]
        if i == dropped + 1:
            assert events[: len(reports)] == reports  # the reports come before the message's events
    assert parser.gaps == 1
    # every book subscribed by then (SNG-USD's subscription comes later)
    assert [r.pair for r in reports] == [
        "BFT-USD",
        "DOG-USD",
        "IOT-ETH",
        "MNA-BTC",
        "ODE-USD",
        "TESTBTC-TESTUSD",
    ]
    assert all(r.stale and r.reason == "sequence gap: expected 600, got 601" for r in reports)
    assert all(r.ts == records[dropped + 1].recv_ts for r in reports)


def test_a_repeated_or_reordered_number_is_a_gap_too() -> None:
    parser = BitfinexParser()
    parser.parse('{"event":"subscribed","channel":"book","chanId":7,"symbol":"tBTCUSD"}', 1)
    parser.parse("[7,[[60000,1,0.5]],1]", 2)
    parser.parse("[7,[60001,1,0.5],2]", 3)
    stale, delta = parser.parse("[7,[60002,1,0.5],2]", 4)
    assert isinstance(stale, BookStatusChanged) and "expected 3, got 2" in stale.reason
    assert isinstance(delta, BookDelta) and delta.seq == 2


def test_a_venue_restart_notice_marks_books_stale() -> None:
    parser = BitfinexParser()
    parser.parse('{"event":"subscribed","channel":"book","chanId":7,"symbol":"tBTCUSD"}', 1)
    (stale,) = parser.parse('{"event":"info","code":20051,"msg":"Stopping. Please try to reconnect"}', 2)
    assert isinstance(stale, BookStatusChanged) and stale.pair == "BTC-USD" and stale.stale

"""Coinbase's year-1 time (``0001-01-01T00:00:00Z``) is rejected, the same live and on import (issue #13).

Given the Coinbase capture with one l2update of a followed book (YFI-BTC) and one match stamped
``0001-01-01T00:00:00Z``, when it is parsed live and when it is imported as a capture, then both
give the same events: the update is not applied anywhere -- its book is marked stale, with a reason
naming the time -- and the match is skipped; no event carries a time before 1970. Before, the update
was archived as year 1: applied live, never seen by a backtest reading by time.
"""

from __future__ import annotations

import pytest

from producers.exchanges.capture import Direction, read_capture
from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.feed import MalformedMessage, MarketEvent
from producers.importer import ImportStats, capture_events
from schemas.events import BookStatusChanged
from tests.unit.producers.kit import CAPTURES

CAPTURE = "COINBASE.ws.28.0"
YEAR_ONE = "0001-01-01T00:00:00Z"
UPDATE_TIME = "2021-04-17T16:43:37.382441Z"  # l2update #321, YFI-BTC
MATCH = '"sequence":177100030,"time":"2021-04-17T16:43:37.089723Z"'  # the first match, SKL-BTC


def _lines() -> list[str]:
    text = (CAPTURES / CAPTURE).read_text(encoding="utf-8")
    assert text.count(UPDATE_TIME) == text.count(MATCH) == 1
    match = MATCH.replace("2021-04-17T16:43:37.089723Z", YEAR_ONE)
    return text.replace(UPDATE_TIME, YEAR_ONE).replace(MATCH, match).splitlines()


def _live() -> list[MarketEvent]:
    parser = CoinbaseParser()
    events: list[MarketEvent] = []
    for record in read_capture(_lines()):
        if record.direction is Direction.RECEIVED:
            try:
                events += parser.parse(record.payload, record.recv_ts)
            except MalformedMessage:
                continue
    return events


def test_the_update_marks_its_book_stale_live_and_on_import_alike() -> None:
    stats = ImportStats()
    imported = list(capture_events(CAPTURE, _lines(), "coinbase", stats))
    live = _live()

    assert imported == live
    reports = [e for e in live if isinstance(e, BookStatusChanged)]
    assert [(r.pair, r.stale) for r in reports] == [("YFI-BTC", True)]
    assert "'0001-01-01T00:00:00Z' is before 1970" in reports[0].reason
    assert all(e.ts > 0 for e in live)
    assert stats.skipped == 1  # the match


def test_a_year_one_match_is_malformed() -> None:
    raw = (
        '{"type":"match","trade_id":280232,"side":"sell","size":"985","price":"0.00001305",'
        f'"product_id":"SKL-BTC","time":"{YEAR_ONE}"}}'
    )
    with pytest.raises(MalformedMessage, match="year-1"):
        CoinbaseParser().parse(raw, 1618677817129516)

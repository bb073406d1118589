"""Live, over a real websocket: a bad message of a followed book brings a resnapshot (issue #13).

The local server replays each venue's capture with one book update corrupted (the cases of
``tests/unit/producers/corrupted.py``) on the first connection only. The connector must report
that book stale with the reason, reconnect, resubscribe and deliver the whole clean capture on the
second connection -- fresh snapshots included. Before, the message was skipped and the book
stayed wrong (Coinbase, Kraken) or stale for good (Bitfinex, Poloniex), with no reconnect.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.test_feed_connectors import (
    FAST,
    FEEDS,
    Plan,
    market_events,
    payloads,
    run_feed,
    stale_reports,
)
from tests.unit.producers.corrupted import CASES


@pytest.mark.parametrize("venue", sorted(CASES))
def test_a_bad_book_message_forces_a_resnapshot(venue: str) -> None:
    make_feed, capture = FEEDS[venue]
    case = CASES[venue]
    assert case.capture == capture
    messages, _ = payloads(capture)
    plan = Plan(corrupt={case.index: case.corrupt(messages[case.index])})

    run, full = asyncio.run(run_feed(make_feed, capture, [plan], FAST, connections=2))

    assert run.connector.stats.connections == 2 and run.connector.stats.malformed == 0
    assert run.connector.stats.disconnects[0].startswith(f"resnapshot: {case.pair} malformed book message: ")
    first = stale_reports(run)[0]
    assert first.pair == case.pair and first.reason.startswith("malformed book message: ")
    assert market_events(run, 2) == full  # the second connection brings everything again, snapshots first

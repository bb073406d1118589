"""What happens at a backtest's end: the market stops there, and the equity before it sees nothing after."""

from __future__ import annotations

from replay.sources import MemoryJournal
from schemas.codec import default_codec
from schemas.events import BookDelta, BookSnapshot, PublicTrade
from schemas.topics import STRATEGY_JOURNAL, VENUE_JOURNAL
from tests.unit.replay.kit import T0, S, Script, backtest, delta, market_buy, snapshot, trade


def test_no_market_event_at_or_after_the_end_is_delivered_whatever_the_source_gives() -> None:
    end = T0 + 60 * S
    decode = default_codec().decode
    for at_end in ([], [delta(end, ("bid", 98, 1))]):  # with and without an event exactly at the end
        events = [snapshot(T0 + S, [(100, 1)], [(101, 1)]), *at_end,
                  *(delta(end + k * S, ("bid", 99, 1)) for k in range(1, 4)), trade(end + 5 * S, 100, 0.1)]
        journal = MemoryJournal()
        result = backtest(events, Script(), end=end, journal=journal)
        assert result.market_events == 1
        for topic in (VENUE_JOURNAL, STRATEGY_JOURNAL):
            late = [e for e in map(decode, (m.value for m in journal.topic(topic)))
                    if isinstance(e, BookDelta | BookSnapshot | PublicTrade) and e.ts >= end]
            assert late == []


def test_samples_before_the_end_do_not_see_what_settles_after_it() -> None:
    end = T0 + 80 * S
    events = [snapshot(T0 + S, [(9990, 5)], [(10010, 5)]), delta(T0 + 55 * S, ("bid", 9980, 1))]
    # the order reaches the venue at 70 s and fills; the ledger hears of the fill at 85 s, after the end
    result = backtest(events, Script({T0 + 55 * S: market_buy(0.5, 10100)}), latency_ms=15_000, end=end)
    equity = dict(result.runs[0].equity)
    assert equity[T0 + 70 * S] == equity[T0 + 60 * S] == 100_000.0
    assert equity[end] < 100_000.0  # the last sample, after the drain, has the fill and its fee
    assert result.runs[0].fills == 1

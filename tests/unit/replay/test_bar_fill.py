"""Candles only: the bar-fill books, what a backtest sees of a candle and when, and how orders fill."""

from __future__ import annotations

import pytest

from producers.barfill import DERIVED_FROM_CANDLES, BarFill
from producers.importer import Bar, ohlcv_events
from replay.engine import Gap
from replay.report import build_report
from schemas.events import BookSnapshot, Level, PublicTrade
from strategies.context import Context
from tests.unit.replay.kit import PAIR, T0, VENUE, P, S, Script, backtest, market_buy

W = 60 * S  # one-minute candles
MODEL = BarFill(spread_bps=20, depth=0.5, levels=4)


def test_a_candle_gives_a_flagged_book_at_its_close_around_its_close() -> None:
    book = MODEL.book(VENUE, PAIR, T0, W, high=110 * P, low=90 * P, close=100 * P, volume=8 * P)
    assert book is not None and book.derived_from == DERIVED_FROM_CANDLES
    assert book.ts == book.recv_ts == T0 + W
    half, step, size = P // 10, 5 * P, P  # 10 bps each side; range 20 over 4 levels; half of 8 over 4
    assert book.asks == [Level(100 * P + half + i * step, size) for i in range(4)]
    assert book.bids == [Level(100 * P - half - i * step, size) for i in range(4)]


def test_no_volume_no_book_and_no_bid_at_or_below_zero() -> None:
    assert MODEL.book(VENUE, PAIR, T0, W, 2 * P, P, P, 0) is None
    thin = MODEL.book(VENUE, PAIR, T0, W, high=100, low=1, close=30, volume=P)
    assert thin is not None and [b.price for b in thin.bids] == [29, 5] and len(thin.asks) == 4


@pytest.mark.parametrize(("spread", "depth", "levels"), [(-1, 0.1, 10), (10, 0.0, 10), (10, 1.5, 10),
                                                         (10, 0.1, 0)])
def test_out_of_range_parameters_are_refused(spread: int, depth: float, levels: int) -> None:
    with pytest.raises(ValueError):
        BarFill(spread, depth, levels)


def _candles() -> list[BookSnapshot | PublicTrade]:
    bars = [Bar(T0 + i * W, 100 * P, 104 * P, 96 * P, (100 + i) * P, 8 * P) for i in range(5)]
    return list(ohlcv_events(bars, VENUE, PAIR, W, MODEL))  # type: ignore[arg-type]


class Watcher(Script):
    """Buys on the trade stamped a quarter into candle 2: the candle's low, which it learns at its close."""

    def on_trade(self, ctx: Context, trade: PublicTrade) -> None:
        self.calls.append(("trade", ctx.now, trade.ts))
        if trade.ts == T0 + 2 * W + W // 4:
            market_buy(0.5, 200)(ctx)


def test_a_candle_is_seen_only_once_it_has_closed() -> None:
    watcher = Watcher()
    backtest(_candles(), watcher, end=T0 + 6 * W)
    assert len([c for c in watcher.calls if c[0] == "trade"]) == 4 * 5
    fills = [f for what, _, f in watcher.calls if what == "fill"]
    # the order reaches the venue after candle 2 closed, so it fills at candle 2's book (close 102), not at
    # candle 1's (close 101) that stood while candle 2's low was being made
    assert fills == [(102 * P + 102 * P * 20 // 20_000, P // 2)]


def test_a_market_order_fills_at_the_last_closed_candle_book_and_walks_it() -> None:
    closes_at = T0 + 2 * W  # the close of candle 1 (close 101): its book is the run's when it orders
    script = Script({closes_at: market_buy(2.5, 200)})
    backtest(_candles(), script, end=T0 + 6 * W)
    fills = [f for what, _, f in script.calls if what == "fill"]
    half, step = 101 * P * 20 // 20_000, 2 * P  # range 8 over 4 levels
    # 1 unit at each of the best two levels, the rest at the third: never the candle's low (96)
    assert fills == [(101 * P + half, P), (101 * P + half + step, P), (101 * P + half + 2 * step, P // 2)]


def test_the_report_says_when_nothing_traded_and_where_the_data_had_gaps() -> None:
    result = backtest(_candles(), Script(), end=T0 + 6 * W)
    run = result.runs[0]
    assert run.market and run.gaps == ()
    gap = Gap(f"{VENUE}:{PAIR}", 1, 3 * 3600 * S, T0)
    report = build_report(run.__class__(**{**{f: getattr(run, f) for f in run.__slots__}, "gaps": (gap,)}),
                          T0, T0 + 6 * W, 10 * S, ["from candles"])
    assert report.notes[0].startswith("the run traded nothing (0 orders, 0 rejected) while its markets moved")
    assert "for more than 0d 03h 00m from 2018-01-01 00:00 UTC (1 gap in all)" in report.notes[1]
    assert report.notes[2] == "from candles"

"""A run cannot see the future: history is clamped, and what comes later changes nothing earlier."""

from __future__ import annotations

from collections.abc import Sequence

from replay.engine import Backtest, BacktestConfig, RunSetup
from replay.sources import ListSource, MarketEvent, MemoryJournal
from schemas.topics import STRATEGY_EVENTS
from strategies.api import MarketRef, Strategy, Timer
from strategies.book import BookView
from strategies.candles import Candle
from strategies.context import Context
from tests.unit.replay.kit import PAIR, T0, VENUE, S, listing, run_spec, snapshot, trade

END = T0 + 600 * S


class Peeker(Strategy):
    """Reads a long history on every book and timer, and trades on what it reads."""

    name = "peeker"
    candle_interval_s = 10

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[int, list[Candle]]] = []

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        return [MarketRef(default_venue, PAIR)]

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(ctx.now + 15 * S)

    def _read(self, ctx: Context) -> None:
        got = ctx.history(PAIR, 1_000)
        self.reads.append((ctx.now, got))
        if got and len(self.reads) % 7 == 0:
            ctx.log(f"last close {got[-1].close}")
            ctx.submit_order(VENUE, PAIR, "buy", 100_000, got[-1].close)

    def on_book(self, ctx: Context, book: BookView) -> None:
        self._read(ctx)

    def on_timer(self, ctx: Context, timer: Timer) -> None:
        self._read(ctx)
        ctx.set_timer(timer.at_ts + 15 * S)


def market(jump_at: int | None = None) -> list[MarketEvent]:
    """A book and a trade every second; from ``jump_at`` on prices are 10 % higher."""
    out: list[MarketEvent] = []
    for i in range(590):
        ts = T0 + i * S
        up = jump_at is not None and ts >= jump_at
        px = (9900 if up else 9000) + i % 7
        out.append(snapshot(ts, [(px, 1)], [(px + 1, 1)]))
        out.append(trade(ts, px, 0.1))
    return out


def strategy_outputs(events: list[MarketEvent]) -> tuple[Peeker, list[bytes]]:
    peeker = Peeker()
    journal = MemoryJournal({STRATEGY_EVENTS})
    source = ListSource((listing(),), tuple(events))
    Backtest(BacktestConfig(T0, END), source, [RunSetup(run_spec(end=END), peeker)], journal=journal).run()
    return peeker, [m.value for m in journal.topic(STRATEGY_EVENTS)]


def test_history_only_serves_candles_ended_by_now() -> None:
    peeker, _ = strategy_outputs(market())
    assert len(peeker.reads) > 600
    for now, candles in peeker.reads:
        assert all(c.end_ts <= now for c in candles)
    now, last = peeker.reads[-1]
    assert [c.start_ts for c in last][-2:] == [now - now % (10 * S) - 20 * S, now - now % (10 * S) - 10 * S]


def test_outputs_before_a_change_in_the_future_do_not_depend_on_it() -> None:
    jump = T0 + 300 * S
    _, out_a = strategy_outputs(market())
    _, out_b = strategy_outputs(market(jump_at=jump))
    from schemas.codec import default_codec

    def before(outs: list[bytes]) -> list[bytes]:
        return [o for o in outs if default_codec().decode(o).ts < jump]

    assert before(out_a) == before(out_b) and len(before(out_a)) > 20
    assert out_a != out_b  # and the change does show once it has happened

"""A hand-made market and a scripted strategy for engine tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from replay.engine import Backtest, BacktestConfig, BacktestResult, Latency, RunSetup
from replay.sources import ListSource, MarketEvent, MemoryJournal
from schemas.events import (
    SCALE,
    Allocation,
    BookDelta,
    BookSnapshot,
    Level,
    LevelChange,
    MarketListed,
    OrderFilled,
    PublicTrade,
)
from strategies.api import MarketRef, OrderEvent, Strategy, Timer
from strategies.book import BookView
from strategies.context import Context
from strategies.run import RunSpec, new_run

VENUE = "synthetic"  # maker 10 bps, taker 20 bps
PAIR = "BTC-USD"
T0 = 1_514_764_800_000_000
MS = 1_000
S = 1_000_000
P = SCALE


def listing(pair: str = PAIR) -> MarketListed:
    base, quote = pair.split("-")
    return MarketListed(f"{VENUE}:{pair}:listed", VENUE, pair, base, quote, P // 100, 1_000, 100_000,
                        None, None, T0)


def snapshot(ts: int, bids: Sequence[tuple[int, float]], asks: Sequence[tuple[int, float]],
             pair: str = PAIR) -> BookSnapshot:
    return BookSnapshot(f"{pair}:s:{ts}", VENUE, pair, ts, ts, None,
                        [Level(p * P, int(s * P)) for p, s in bids],
                        [Level(p * P, int(s * P)) for p, s in asks])


def delta(ts: int, *changes: tuple[str, int, float], pair: str = PAIR) -> BookDelta:
    return BookDelta(f"{pair}:d:{ts}", VENUE, pair, ts, ts, None,
                     [LevelChange(side, p * P, int(s * P)) for side, p, s in changes])


def trade(ts: int, price: int, size: float, pair: str = PAIR) -> PublicTrade:
    return PublicTrade(f"{pair}:t:{ts}", VENUE, pair, ts, ts, str(ts), price * P, int(size * P), "sell")


Action = Callable[[Context], object]


class Script(Strategy):
    """Acts at given book times and records (handler, ctx.now, what) for every call."""

    name = "script"

    def __init__(self, at_book: dict[int, Action] | None = None, pairs: Sequence[str] = (PAIR,)) -> None:
        super().__init__()
        self.at_book = dict(at_book or {})
        self.pairs = tuple(pairs)
        self.calls: list[tuple[str, int, object]] = []

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        return [MarketRef(default_venue, p) for p in self.pairs]

    def on_start(self, ctx: Context) -> None:
        self.calls.append(("start", ctx.now, None))

    def on_book(self, ctx: Context, book: BookView) -> None:
        self.calls.append(("book", ctx.now, book.ts))
        action = self.at_book.pop(book.ts, None)
        if action is not None:
            action(ctx)

    def on_fill(self, ctx: Context, fill: OrderFilled) -> None:
        self.calls.append(("fill", ctx.now, (fill.price, fill.size)))

    def on_order_event(self, ctx: Context, event: OrderEvent) -> None:
        self.calls.append((type(event).__name__, ctx.now, getattr(event, "reason", None)))

    def on_timer(self, ctx: Context, timer: Timer) -> None:
        self.calls.append(("timer", ctx.now, timer.at_ts))


def run_spec(usd: int = 100_000, btc: float = 0, end: int = T0 + 60 * S, name: str = "script") -> RunSpec:
    allocations = [Allocation(VENUE, "USD", usd * P)]
    if btc:
        allocations.append(Allocation(VENUE, "BTC", int(btc * P)))
    return new_run(name, {}, allocations, T0, end)


def backtest(events: Sequence[MarketEvent], strategy: Strategy, latency_ms: int = 50,
             end: int = T0 + 60 * S, journal: MemoryJournal | None = None, spec: RunSpec | None = None,
             pairs: Sequence[str] = (PAIR,)) -> BacktestResult:
    source = ListSource(tuple(listing(p) for p in pairs), tuple(events))
    config = BacktestConfig(T0, end, Latency(latency_ms * MS, latency_ms * MS), sample_us=10 * S)
    return Backtest(config, source, [RunSetup(spec or run_spec(end=end), strategy)], journal=journal).run()


def market_buy(size: float, protection: int) -> Action:
    return lambda ctx: ctx.submit_order(VENUE, PAIR, "buy", int(size * P), protection * P, "market")

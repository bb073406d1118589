"""Builders for strategy tests: a run, its funded wallet set (through the real ledger), market events."""

from __future__ import annotations

from collections.abc import Iterable

from schemas.events import (
    SCALE,
    Allocation,
    BookDelta,
    BookSnapshot,
    ClockTick,
    CreateWalletSet,
    DepositFunds,
    Event,
    Level,
    LevelChange,
    MarketListed,
    PublicTrade,
)
from strategies.api import Strategy
from strategies.context import StrategyOutput
from strategies.run import RunSpec, new_run
from strategies.runtime import StrategyInput, StrategyRuntime
from streams.ledger.engine import Ledger

VENUE = "synthetic"  # fees: maker 10, taker 20 bps
T0 = 1_514_764_800_000_000  # 2018-01-01
S = 1_000_000  # one second in µs
P = SCALE


def run_spec(strategy: str = "test", usd: int = 10_000, btc: int = 0, start: int = T0) -> RunSpec:
    allocations = [Allocation(VENUE, "USD", usd * P)] + ([Allocation(VENUE, "BTC", btc * P)] if btc else [])
    return new_run(strategy, {}, allocations, start, start + 3600 * S)


def listing(pair: str = "BTC-USD") -> MarketListed:
    base, quote = pair.split("-")
    return MarketListed(f"{VENUE}:{pair}:listed", VENUE, pair, base, quote, P // 100, 1_000, 100_000,
                        None, None, T0 - S)


def wallet_events(run: RunSpec, pairs: Iterable[str] = ("BTC-USD",)) -> list[Event]:
    """What the ledger emits when the run's allocations are deposited and its wallet set created."""
    ledger = Ledger()
    out: list[Event] = []
    for pair in pairs:
        ledger.handle(listing(pair))
    for i, a in enumerate(run.allocations):
        ledger.handle(DepositFunds(f"dep{i}", run.account, a.venue, a.currency, a.amount, T0 - S))
    out += ledger.handle(CreateWalletSet("create", run.account, run.wallet_set_id, run.run_id,
                                         list(run.allocations), T0 - S))
    return out


def snapshot(bid: int, ask: int, ts: int = T0, pair: str = "BTC-USD", n: int = 1,
             size: int = P) -> BookSnapshot:
    """A book with ``n`` levels a side, one dollar apart, ``bid``/``ask`` in whole USD."""
    return BookSnapshot(f"s{ts}{pair}", VENUE, pair, ts, ts, 1,
                        [Level((bid - i) * P, size) for i in range(n)],
                        [Level((ask + i) * P, size) for i in range(n)])


def delta(ts: int, *changes: tuple[str, int, int], pair: str = "BTC-USD") -> BookDelta:
    """Changes as (side, price in USD, size in units)."""
    return BookDelta(f"d{ts}{pair}", VENUE, pair, ts, ts, None,
                     [LevelChange(side, price * P, size * P) for side, price, size in changes])


def trade(ts: int, price: float, size: float = 1.0, pair: str = "BTC-USD", n: int = 0) -> PublicTrade:
    return PublicTrade(f"t{ts}:{n}{pair}", VENUE, pair, ts, ts, str(ts), int(price * P), int(size * P), "buy")


def tick(run: RunSpec, ts: int) -> ClockTick:
    return ClockTick(f"tick:{run.run_id}:{ts}", ts, run.run_id)


class Harness:
    """A runtime for ``strategy`` on ``run``, already listed and funded (before the start)."""

    def __init__(self, strategy: Strategy, run: RunSpec | None = None, pairs: Iterable[str] = ("BTC-USD",)
                 ) -> None:
        self.run = run or run_spec(strategy.name or "test")
        self.runtime = StrategyRuntime(strategy, self.run)
        pairs = list(pairs)
        for pair in pairs:
            assert self.feed(listing(pair)) == []
        for ev in wallet_events(self.run, pairs):
            assert self.feed(ev) == []

    def feed(self, *items: StrategyInput) -> list[StrategyOutput]:
        out: list[StrategyOutput] = []
        for item in items:
            out += self.runtime.handle(item)
        return out

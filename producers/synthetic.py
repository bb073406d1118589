"""A seeded, deterministic synthetic market (pure): correlated prices, L2 books, trades.

Mid prices follow a correlated geometric random walk (one shared market factor
plus an idiosyncratic part per asset); each book has a spread of a few ticks and
a depth profile that grows away from the touch; trades hit the touch. The same
seed and config give the same events, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from schemas.events import (
    SCALE,
    BookDelta,
    BookSnapshot,
    Event,
    Level,
    LevelChange,
    MarketListed,
    PublicTrade,
)

# Rough 2018 levels: (mid in USD, tick, typical trade size, annual volatility)
ASSETS: dict[str, tuple[float, float, float, float]] = {
    "BTC": (9000.0, 0.01, 0.05, 0.80),
    "ETH": (700.0, 0.01, 0.5, 0.95),
    "LTC": (150.0, 0.01, 2.0, 1.00),
    "BCH": (1200.0, 0.01, 0.3, 1.10),
    "ZEC": (300.0, 0.01, 1.0, 1.05),
    "XMR": (250.0, 0.01, 1.0, 1.00),
}
US_PER_YEAR = 365 * 24 * 3600 * 1_000_000


@dataclass(frozen=True, slots=True)
class SyntheticConfig:
    seed: int = 7
    venue: str = "synthetic"
    bases: tuple[str, ...] = ("BTC", "ETH", "LTC", "BCH", "ZEC", "XMR")
    quote: str = "USD"
    start_ts: int = 1_514_764_800_000_000  # 2018-01-01T00:00:00Z
    step_us: int = 250_000  # event time between two updates of one pair
    levels: int = 25
    trade_probability: float = 0.3
    market_correlation: float = 0.7
    snapshot_every: int = 0  # resend a full snapshot every N steps (0: only at start)

    def pairs(self) -> list[str]:
        return [f"{b}-{self.quote}" for b in self.bases]


@dataclass(slots=True)
class _Book:
    pair: str
    tick: int
    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)
    seq: int = 0


class SyntheticFeed:
    """Generates listings, then snapshots, deltas and trades for every pair, round-robin."""

    def __init__(self, config: SyntheticConfig | None = None) -> None:
        self.config = cfg = config or SyntheticConfig()
        unknown = [b for b in cfg.bases if b not in ASSETS]
        if unknown:
            raise ValueError(f"no synthetic model for {unknown}; known: {sorted(ASSETS)}")
        self._rng = np.random.default_rng(cfg.seed)
        n = len(cfg.bases)
        self._log_mid = np.log([ASSETS[b][0] for b in cfg.bases])
        vols = np.array([ASSETS[b][3] for b in cfg.bases])
        self._step_vol = vols * np.sqrt(cfg.step_us * n / US_PER_YEAR)
        self._books = [
            _Book(pair, int(ASSETS[b][1] * SCALE)) for b, pair in zip(cfg.bases, cfg.pairs(), strict=True)
        ]
        self._trade_size = [ASSETS[b][2] for b in cfg.bases]
        self._n = n
        self._trades = 0

    def listings(self, ts: int | None = None) -> list[MarketListed]:
        cfg = self.config
        out = []
        for base, book in zip(cfg.bases, self._books, strict=True):
            out.append(MarketListed(
                event_id=f"{cfg.venue}:{book.pair}:listed", venue=cfg.venue, pair=book.pair,
                base=base, quote=cfg.quote, price_increment=book.tick, size_increment=1_000,
                min_size=100_000, max_size=None, min_notional=None,
                ts=cfg.start_ts if ts is None else ts,
            ))
        return out

    def _levels(self, i: int) -> tuple[dict[int, int], dict[int, int]]:
        """The book of asset ``i`` around its current mid.

        Levels sit on a grid of about one basis point; a level that stays in the
        book keeps its size, and a few sizes near the touch change each update,
        so a delta is a handful of changes unless the mid moves.
        """
        cfg = self.config
        book = self._books[i]
        mid = int(np.exp(self._log_mid[i]) * SCALE)
        grid = book.tick * max(1, round(mid / 10_000 / book.tick))
        half_spread = grid * (1 + int(self._rng.integers(0, 2)))
        best_bid = (mid - half_spread) // grid * grid
        best_ask = best_bid + 2 * half_spread
        base_size = self._trade_size[i]

        def fresh(k: int) -> int:
            depth = base_size * (1.0 + 0.25 * k) * float(self._rng.gamma(2.0, 1.0))
            return max(1_000, int(depth * SCALE) // 1_000 * 1_000)

        bids = {
            best_bid - k * grid: book.bids.get(best_bid - k * grid) or fresh(k)
            for k in range(cfg.levels)
        }
        asks = {
            best_ask + k * grid: book.asks.get(best_ask + k * grid) or fresh(k)
            for k in range(cfg.levels)
        }
        for _ in range(int(self._rng.integers(1, 4))):
            k = min(int(self._rng.geometric(0.3)) - 1, cfg.levels - 1)
            side = bids if self._rng.random() < 0.5 else asks
            price = (best_bid - k * grid) if side is bids else (best_ask + k * grid)
            side[price] = fresh(k)
        return bids, asks

    def events(self, steps: int) -> Iterator[Event]:
        """Snapshots for every pair, then ``steps`` rounds of updates (one per pair per round)."""
        cfg = self.config
        ts = cfg.start_ts
        for i, book in enumerate(self._books):
            book.bids, book.asks = self._levels(i)
            book.seq += 1
            yield self._snapshot(book, ts)
        chol = self._cholesky()
        for step in range(steps):
            shocks = chol @ self._rng.standard_normal(self._n)
            self._log_mid = self._log_mid + self._step_vol * shocks - 0.5 * self._step_vol**2
            for i, book in enumerate(self._books):
                ts += cfg.step_us // self._n
                bids, asks = self._levels(i)
                book.seq += 1
                if cfg.snapshot_every and step and step % cfg.snapshot_every == 0:
                    book.bids, book.asks = bids, asks
                    yield self._snapshot(book, ts)
                else:
                    changes = _diff("bid", book.bids, bids) + _diff("ask", book.asks, asks)
                    book.bids, book.asks = bids, asks
                    yield BookDelta(
                        event_id=f"{cfg.venue}:{book.pair}:d:{book.seq}", venue=cfg.venue,
                        pair=book.pair, ts=ts, recv_ts=ts + 1_000, seq=book.seq, changes=changes,
                    )
                if self._rng.random() < cfg.trade_probability:
                    yield self._trade(i, book, ts)

    def _cholesky(self) -> np.ndarray:
        rho = self.config.market_correlation
        corr = np.full((self._n, self._n), rho) + (1 - rho) * np.eye(self._n)
        return np.linalg.cholesky(corr)

    def _snapshot(self, book: _Book, ts: int) -> BookSnapshot:
        cfg = self.config
        return BookSnapshot(
            event_id=f"{cfg.venue}:{book.pair}:s:{book.seq}", venue=cfg.venue, pair=book.pair,
            ts=ts, recv_ts=ts + 1_000, seq=book.seq,
            bids=[Level(p, s) for p, s in sorted(book.bids.items(), reverse=True)],
            asks=[Level(p, s) for p, s in sorted(book.asks.items())],
        )

    def _trade(self, i: int, book: _Book, ts: int) -> PublicTrade:
        cfg = self.config
        buy = bool(self._rng.random() < 0.5)
        price = min(book.asks) if buy else max(book.bids)
        size = max(1_000, int(self._trade_size[i] * self._rng.exponential() * SCALE) // 1_000 * 1_000)
        self._trades += 1
        return PublicTrade(
            event_id=f"{cfg.venue}:{book.pair}:t:{self._trades}", venue=cfg.venue, pair=book.pair,
            ts=ts, recv_ts=ts + 1_000, trade_id=str(self._trades), price=price, size=size,
            taker_side="buy" if buy else "sell",
        )


def _diff(side: str, old: dict[int, int], new: dict[int, int]) -> list[LevelChange]:
    changes = [LevelChange(side, p, 0) for p in sorted(old) if p not in new]
    changes += [LevelChange(side, p, s) for p, s in sorted(new.items()) if old.get(p) != s]
    return changes

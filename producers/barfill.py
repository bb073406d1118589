"""The bar-fill model: a book the venue can match against, made from each closed candle (pure).

A market known only by its candles (an OHLCV import, a backfill) has no book,
and the matching engine fills nothing without one. So with each candle the
importer journals one ``BookSnapshot`` flagged ``derived_from="candles"``:

- **when**: stamped and received at the candle's close (``start + width``),
  after the candle's four trades; a backtest delivers it then. An order
  placed after a candle closed therefore fills against that candle's book --
  the price in effect when the order was placed, in the next candle's time,
  never a price from before it (the candle's own extremes are only seen at
  its close too). Resting limit orders are filled by the next candle's trades
  (its open, low, high and close) as the engine fills them on real trades.
- **prices**: around the close: the best bid and ask ``spread_bps`` apart
  (at least one unit each side of the close), then one level every
  ``range / levels`` further out (the candle's high-low range, at least one
  unit), so a large order walks into worse prices, faster in a volatile candle;
  a bid level at or below zero is left out.
- **sizes**: ``depth`` of the candle's volume on each side, split evenly over
  ``levels`` levels (at least one unit per level): the book never offers more
  than a fraction of what really traded in the candle.
- a candle with no volume makes no book: the previous candle's book stays
  (nothing traded, so nothing shows a new price).

The defaults (10 bps spread, 10 % of the volume over 10 levels a side) are
the importer's; ``cryptick market import --spread-bps/--depth/--levels``
change them, and a different model is a different dataset (its own topic).
Backtest reports say when a run's fills came from candle-derived books.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.events import BookSnapshot, Level

DERIVED_FROM_CANDLES = "candles"
SPREAD_BPS, DEPTH, LEVELS = 10, 0.1, 10  # the defaults


@dataclass(frozen=True, slots=True)
class BarFill:
    """The model's parameters (see the module doc)."""

    spread_bps: int = SPREAD_BPS
    depth: float = DEPTH
    levels: int = LEVELS

    def __post_init__(self) -> None:
        if not 0 <= self.spread_bps <= 10_000:
            raise ValueError(f"spread {self.spread_bps} bps is not within 0..10000")
        if not 0 < self.depth <= 1:
            raise ValueError(f"depth {self.depth} is not a fraction of the volume in (0, 1]")
        if not 1 <= self.levels <= 1_000:
            raise ValueError(f"levels {self.levels} is not within 1..1000")

    def describe(self) -> str:
        return (f"spread {self.spread_bps} bps, depth {self.depth:g} of the candle's volume "
                f"over {self.levels} levels")

    def tag(self) -> tuple[str, ...]:
        """The parameters as strings, for the import's topic digest."""
        return (str(self.spread_bps), repr(self.depth), str(self.levels))

    def book(self, venue: str, pair: str, start: int, width: int, high: int, low: int, close: int,
             volume: int) -> BookSnapshot | None:
        """The book of one closed candle (prices and sizes in units), or None for a candle with no volume."""
        if volume <= 0:
            return None
        half = max(1, close * self.spread_bps // 20_000)
        step = max(1, (high - low) // self.levels)
        size = max(1, int(volume * self.depth) // self.levels)
        asks = [Level(close + half + i * step, size) for i in range(self.levels)]
        bids = [Level(p, size) for i in range(self.levels) if (p := close - half - i * step) > 0]
        closed = start + width
        return BookSnapshot(
            event_id=f"{venue}:{pair}:ohlcv:{width}:{start}:book", venue=venue, pair=pair, ts=closed,
            recv_ts=closed, seq=None, bids=bids, asks=asks, derived_from=DERIVED_FROM_CANDLES,
        )

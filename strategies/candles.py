"""OHLCV candles built from the public trades in a run's inbox, and the history port (pure).

A candle covers ``[start_ts, end_ts)`` on a grid of ``interval_s`` aligned to
the epoch. It opens with the first trade in its interval and closes when the
run's inbox carries any event with ``ts >= end_ts``; intervals without trades
make no candle (as exchanges' OHLCV). A closed candle is final, so what a
strategy reads never changes afterwards, and nothing with ``end_ts`` after the
current event time is ever served: the history is clamped to "now".
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from schemas.units import US


@dataclass(frozen=True, slots=True)
class Candle:
    """Open, high, low, close (fixed-point prices), volume (fixed-point base) and trade count."""

    venue: str
    pair: str
    start_ts: int
    end_ts: int
    open: int
    high: int
    low: int
    close: int
    volume: int
    trades: int


class HistorySource(Protocol):
    """Archived candles from before the run (e.g. ClickHouse), for lookbacks longer than the run."""

    def candles(self, venue: str, pair: str, interval_s: int, end_ts: int, limit: int
                ) -> Sequence[Candle]:
        """Up to ``limit`` candles with ``end_ts <= end_ts``, oldest first."""
        ...


class PreloadedHistory:
    """A ``HistorySource`` holding the candles journaled into the run's inbox (``HistoryLoaded``)."""

    def __init__(self) -> None:
        self._candles: dict[tuple[str, str, int], list[Candle]] = {}

    def add(self, venue: str, pair: str, interval_s: int, candles: Sequence[Candle]) -> None:
        """More candles of a market, in any order; a bucket seen again keeps its latest version."""
        key = (venue, pair, interval_s)
        by_start = {c.start_ts: c for c in self._candles.get(key, ())}
        by_start.update((c.start_ts, c) for c in candles)
        self._candles[key] = [by_start[t] for t in sorted(by_start)]

    def candles(self, venue: str, pair: str, interval_s: int, end_ts: int, limit: int) -> Sequence[Candle]:
        if limit <= 0:
            return []
        closed = [c for c in self._candles.get((venue, pair, interval_s), ()) if c.end_ts <= end_ts]
        return closed[-limit:]


class CandleBuilder:
    """Candles of one (venue, pair) at one interval; keeps the last ``keep`` closed ones."""

    __slots__ = (
        "_c",
        "_h",
        "_l",
        "_n",
        "_o",
        "_v",
        "closed",
        "current_end",
        "interval_us",
        "pair",
        "venue",
    )

    def __init__(self, venue: str, pair: str, interval_s: int, keep: int = 10_000) -> None:
        if interval_s <= 0:
            raise ValueError(f"candle interval must be positive, got {interval_s}")
        self.venue = venue
        self.pair = pair
        self.interval_us = interval_s * US
        self.closed: deque[Candle] = deque(maxlen=keep)
        self.current_end: int | None = None  # end of the open candle, None if none is open
        self._o = self._h = self._l = self._c = self._v = self._n = 0

    def advance(self, ts: int) -> Candle | None:
        """Close the open candle if ``ts`` is at or after its end; the closed candle, if any."""
        end = self.current_end
        if end is None or ts < end:
            return None
        candle = Candle(self.venue, self.pair, end - self.interval_us, end, self._o, self._h,
                        self._l, self._c, self._v, self._n)
        self.closed.append(candle)
        self.current_end = None
        return candle

    def trade(self, price: int, size: int, ts: int) -> Candle | None:
        """Add a trade; returns the candle it closed (a trade in a later interval closes the open one)."""
        closed = self.advance(ts)
        if self.current_end is None:
            self.current_end = ts - ts % self.interval_us + self.interval_us
            self._o = self._h = self._l = self._c = price
            self._v, self._n = size, 1
        else:
            if price > self._h:
                self._h = price
            elif price < self._l:
                self._l = price
            self._c = price
            self._v += size
            self._n += 1
        return closed

    def last(self, lookback: int, now: int) -> list[Candle]:
        """The last ``lookback`` closed candles ending at or before ``now``, oldest first."""
        if lookback <= 0:
            return []
        out: list[Candle] = []
        for candle in reversed(self.closed):
            if candle.end_ts <= now:
                out.append(candle)
                if len(out) == lookback:
                    break
        out.reverse()
        return out

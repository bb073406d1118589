"""OHLCV candles from public trades (pure): the reference rule the ClickHouse queries follow.

- A candle covers the trades with ``start <= ts < start + width``; buckets
  without trades have no candle.
- ``open``/``close`` are the prices of the first/last trade in journal order:
  by event time, then by Kafka coordinates (topic, partition, offset) -- here,
  by position in the input, which the caller gives in journal order.
- ``volume`` is the sum of sizes (fixed point, 1e-8), ``trades`` the count.
- ``received_before``: only trades with ``recv_ts < received_before`` count, so
  a backtest at time T never sees a trade received at or after T.
- A trade seen twice (same ``event_id``: a re-delivery, or the same venue trade
  recorded twice) counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.events import PublicTrade
from streams.market.freq import WIDTHS, floor, parse_freq


@dataclass(frozen=True, slots=True)
class Candle:
    """One bucket of trades of one venue and pair; prices and volume fixed point (1e-8)."""

    venue: str
    pair: str
    freq: str  # canonical width name: 1m, 5m, 1h or 1d
    start: int  # bucket start, µs since the epoch
    open: int
    high: int
    low: int
    close: int
    volume: int
    trades: int


def candles_from_trades(trades: Iterable[PublicTrade], freq: str,
                        received_before: int | None = None) -> list[Candle]:
    """Candles of ``trades`` (given in journal order) at ``freq``, ordered by venue, pair, start."""
    name = parse_freq(freq)
    width = WIDTHS[name]
    seen: set[str] = set()
    buckets: dict[tuple[str, str, int], list[tuple[int, int, PublicTrade]]] = {}
    for position, t in enumerate(trades):
        if t.event_id in seen or (received_before is not None and t.recv_ts >= received_before):
            continue
        seen.add(t.event_id)
        buckets.setdefault((t.venue, t.pair, floor(t.ts, width)), []).append((t.ts, position, t))
    out = []
    for (venue, pair, start), items in sorted(buckets.items()):
        items.sort(key=lambda x: (x[0], x[1]))
        prices = [t.price for _, _, t in items]
        out.append(Candle(venue, pair, name, start, prices[0], max(prices), min(prices), prices[-1],
                          sum(t.size for _, _, t in items), len(items)))
    return out

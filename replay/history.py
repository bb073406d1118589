"""Archived candles as a strategy's history (``strategies.candles.HistorySource``), from ClickHouse.

Served with ``received_before`` = the asking event time, so a candle is what
was known then (a trade archived later does not change the past), and only
candles that had closed by then. Widths are the archive's (1m, 5m, 1h, 1d); a
strategy asking for another interval gets no archived history.
"""

from __future__ import annotations

from collections.abc import Sequence

from floor.clickhouse import ClickHouse
from schemas.units import US
from strategies.candles import Candle
from streams.market.freq import WIDTHS
from streams.market.store import candles as stored_candles

_NAMES = {width // US: name for name, width in WIDTHS.items()}


class ArchiveHistory:
    def __init__(self, client: ClickHouse) -> None:
        self.client = client

    def candles(self, venue: str, pair: str, interval_s: int, end_ts: int, limit: int) -> Sequence[Candle]:
        name = _NAMES.get(interval_s)
        if name is None or limit <= 0:
            return []
        width = interval_s * US
        last_start = end_ts // width * width - width  # the last bucket that had closed by end_ts
        first_start = last_start - (limit - 1) * width
        rows = stored_candles(self.client, venue, pair, first_start, last_start + 1, name,
                              received_before=end_ts)
        out = [Candle(venue, pair, c.start, c.start + width, c.open, c.high, c.low, c.close, c.volume,
                      c.trades) for c in rows if c.start + width <= end_ts]
        return out[-limit:]

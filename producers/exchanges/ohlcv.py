"""OHLCV backfill over REST (I/O around a pure parser): Coinbase candles, paged and rate-limited.

Coinbase answers ``GET /products/{id}/candles?start&end&granularity`` with at
most 300 rows ``[time, low, high, open, close, volume]``, newest first. The
backfill pages through the range oldest first, 300 candles a request, through
the rate-limited ``RestClient``; the bars go into the archive as the OHLCV CSV
import does (four trades a candle, received when it closes: no lookahead).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from producers.exchanges.coinbase.symbols import product_id
from producers.exchanges.numbers import to_units
from producers.exchanges.rest import RestClient
from producers.importer import Bar

COINBASE_URL = "https://api.exchange.coinbase.com"
GRANULARITIES_S = (60, 300, 900, 3600, 21600, 86400)
MAX_ROWS = 300


def parse_coinbase_candles(raw: bytes) -> list[Bar]:
    """Coinbase candle rows -> bars, oldest first; ValueError saying what is wrong."""
    try:
        rows: Any = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(rows, list):
        raise ValueError(f"expected a list of candles, got {str(rows)[:120]!r}")
    bars = []
    for row in rows:
        if not isinstance(row, list) or len(row) < 6:
            raise ValueError(f"a candle must be [time, low, high, open, close, volume], got {row!r}")
        t, low, high, open_, close, volume = row[:6]
        bars.append(Bar(int(t) * 1_000_000, to_units(open_), to_units(high), to_units(low), to_units(close),
                        to_units(volume)))
    return sorted(bars, key=lambda b: b.start)


def _iso(us: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(us / 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def backfill_coinbase(client: RestClient, pair: str, start_us: int, end_us: int, width_s: int,
                            base_url: str = COINBASE_URL) -> list[Bar]:
    """Every candle of ``pair`` starting in [start, end), oldest first, one page per request."""
    if width_s not in GRANULARITIES_S:
        raise ValueError(f"Coinbase serves candles of {', '.join(map(str, GRANULARITIES_S))} s, "
                         f"not {width_s} s")
    if end_us <= start_us:
        raise ValueError("empty time range: end must be after start")
    width_us = width_s * 1_000_000
    bars: dict[int, Bar] = {}
    page_start = start_us - start_us % width_us
    while page_start < end_us:
        page_end = min(end_us, page_start + MAX_ROWS * width_us)
        url = (f"{base_url}/products/{product_id(pair)}/candles?start={_iso(page_start)}"
               f"&end={_iso(page_end)}&granularity={width_s}")
        for bar in parse_coinbase_candles(await client.get(url)):
            if start_us <= bar.start < end_us:
                bars[bar.start] = bar  # a page boundary may repeat a candle
        page_start = page_end
    return [bars[t] for t in sorted(bars)]

"""An account's or wallet set's holdings over time, valued in USD, from the archive (the ledger's
events and the markets' candles), for ``GET /accounts/{account}/history``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from floor.clickhouse import ClickHouse
from replay.ledger_history import Holdings, holdings_history
from streams.ledger.projections import by_currency
from streams.ledger.valuation import HOPS, USD, value_in_usd
from streams.market.freq import WIDTHS
from streams.market.store import candles

LOOKBACK_US = 86_400 * 1_000_000
"""How far before the first point a price may come from (a quiet market's last candle)."""


@dataclass(frozen=True, slots=True)
class Point:
    ts: int
    holdings: Holdings
    usd: int | None  # None: a currency held has no price route to USD at that time
    unpriced: tuple[str, ...]


def _price_series(client: ClickHouse, venues: Sequence[str], currencies: Sequence[str], times: Sequence[int],
                  freq: str) -> list[dict[tuple[str, str], int]]:
    """At each time, the close of the last candle closed by then of every pair that can value the
    currencies (direct to USD, or through a hop), from whichever venue has it first."""
    width = WIDTHS[freq]
    lo, hi = times[0] - LOOKBACK_US, times[-1]
    pairs = {(c, q) for c in currencies for q in (USD, *HOPS) if c != q} | {(h, USD) for h in HOPS}
    series: dict[tuple[str, str], list[tuple[int, int]]] = {}  # pair -> (closed at, close), ascending
    for base, quote in sorted(pairs):
        for venue in venues:
            rows = candles(client, venue, f"{base}-{quote}", lo, hi, freq)
            if rows:
                series[(base, quote)] = [(c.start + width, c.close) for c in rows]
                break
    out: list[dict[tuple[str, str], int]] = []
    cursor = dict.fromkeys(series, -1)
    for t in times:
        prices = {}
        for pair, closes in series.items():
            i = cursor[pair]
            while i + 1 < len(closes) and closes[i + 1][0] <= t:
                i += 1
            cursor[pair] = i
            if i >= 0:
                prices[pair] = closes[i][1]
        out.append(prices)
    return out


def wallet_history(client: ClickHouse, namespace: str, account: str, wallet: str | None, times: Sequence[int],
                   freq: str) -> list[Point]:
    held = holdings_history(client, namespace, account, times, wallet)
    if not held:
        return []
    venues = sorted({v for h in held for v, _c in h})
    currencies = sorted({c for h in held for _v, c in h})
    prices = _price_series(client, venues, currencies, times, freq) if currencies else [{} for _ in times]
    points = []
    for t, h, p in zip(times, held, prices, strict=True):
        values = value_in_usd(by_currency(h), p)
        unpriced = tuple(c for c, v in values.items() if isinstance(v, str))
        usd = None if unpriced else sum(v for v in values.values() if isinstance(v, int))
        points.append(Point(t, h, usd, unpriced))
    return points

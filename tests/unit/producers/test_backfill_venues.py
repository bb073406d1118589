"""The ccxt backfill on each listed venue: its candle endpoint's own row format (as the venue documents
it) parsed exactly, paged from the last candle on, retried on outages, and Kraken's short memory said."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import ccxt
import pytest

from producers.exchanges.backfill import BackfillError, Progress, exchange, pages, resume_from

T0 = 1_514_764_800  # 2018-01-01, seconds
W = 300  # 5-minute candles
MARKETS = {"coinbase": ("BTC-USD", "BTC/USD"), "bitfinex": ("tBTCUSD", "BTC/USD"),
           "kraken": ("XXBTZUSD", "BTC/USD"), "poloniex": ("BTC_USDT", "BTC/USDT")}


def price(t: int) -> str:
    return f"{13000 + (t - T0) // W % 50}.12345678"


def rows_for(venue: str, start: int, count: int) -> Any:
    """``count`` candles from ``start`` (s) in the venue's raw format (open = close - 1, high/low +-2)."""
    out = []
    for t in range(start, start + count * W, W):
        c = price(t)
        o, h, lo, v = f"{float(c) - 1:.8f}", f"{float(c) + 2:.8f}", f"{float(c) - 2:.8f}", "1.5"
        if venue == "coinbase":  # [time, low, high, open, close, volume], newest first
            out.insert(0, [t, float(lo), float(h), float(o), float(c), float(v)])
        elif venue == "bitfinex":  # [mts, open, close, high, low, volume]
            out.append([t * 1000, float(o), float(c), float(h), float(lo), float(v)])
        elif venue == "kraken":  # [time, open, high, low, close, vwap, volume, count]
            out.append([t, o, h, lo, c, c, v, 3])
        else:  # poloniex: [low, high, open, close, amount, quantity, ..., ts, ...]
            out.append([lo, h, o, c, "19500", v, "0", "0", 3, t * 1000, c, "MINUTE_5", t * 1000,
                        (t + W) * 1000 - 1])
    if venue == "kraken":
        return {"error": [], "result": {"XXBTZUSD": out, "last": start + count * W}}
    return out


def fake(venue: str, serve: Callable[[str, dict[str, str]], Any]) -> tuple[Any, list[str]]:
    """A ccxt exchange whose HTTP goes to ``serve(path, query)`` (markets preloaded, no network)."""
    ex = exchange(venue, rate=1000)
    ex.enableRateLimit = False
    market_id, sym = MARKETS[venue]
    base, quote = sym.split("/")
    ex.set_markets([{"id": market_id, "symbol": sym, "base": base, "quote": quote, "baseId": base,
                     "quoteId": quote, "type": "spot", "spot": True, "active": True, "precision": {},
                     "limits": {}, "info": {}, "altname": "XBTUSD"}])
    urls: list[str] = []

    def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        urls.append(url)
        u = urlparse(url)
        return json.loads(json.dumps(serve(u.path, {k: v[0] for k, v in parse_qs(u.query).items()})))

    ex.fetch = fetch
    return ex, urls


def since_of(venue: str, q: dict[str, str]) -> int:
    if venue == "coinbase":
        from datetime import datetime

        return int(datetime.fromisoformat(q["start"].replace("Z", "+00:00")).timestamp())
    if venue == "kraken":
        return int(q["since"]) + W  # ccxt asks Kraken for the candles *after* since - one width
    key = "start" if venue == "bitfinex" else "startTime"
    return int(q[key]) // 1000


@pytest.mark.parametrize("venue", ["coinbase", "bitfinex", "poloniex"])
def test_each_venue_pages_from_its_last_candle_and_parses_exactly(venue: str) -> None:
    total, page = 700, {"coinbase": 300, "bitfinex": 250, "poloniex": 250}[venue]
    end = T0 + total * W

    def serve(path: str, q: dict[str, str]) -> Any:
        start = since_of(venue, q)
        return rows_for(venue, start, max(0, min(page, (end - start) // W)))

    ex, urls = fake(venue, serve)
    progress = Progress()
    got = [b for bars in pages(ex, venue, "BTC-USD" if venue != "poloniex" else "BTC-USDT",
                               T0 * 1_000_000, end * 1_000_000, W, progress) for b in bars]
    assert [b.start for b in got] == [(T0 + i * W) * 1_000_000 for i in range(total)]
    assert got[7].close == 13007_12345678 and got[7].open == 13006_12345678 and got[7].volume == 150_000_000
    assert progress.candles == total and progress.requests == len(urls) >= 3


def test_kraken_serves_its_last_720_candles_only_and_the_backfill_says_from_when() -> None:
    served_from = T0 + 10_000 * W

    def serve(path: str, q: dict[str, str]) -> Any:
        return rows_for("kraken", max(since_of("kraken", q), served_from), 720)

    ex, urls = fake("kraken", serve)
    progress = Progress()
    got = [b for bars in pages(ex, "kraken", "BTC-USD", T0 * 1_000_000, (served_from + 720 * W) * 1_000_000,
                               W, progress) for b in bars]
    assert len(got) == 720 and progress.first_served == served_from * 1_000_000
    assert len(urls) == 1  # one page reaches the end


def test_outages_are_retried_with_a_doubling_pause_then_given_up() -> None:
    calls, pauses = [], []

    def serve(path: str, q: dict[str, str]) -> Any:
        calls.append(path)
        if len(calls) <= 2:
            raise ccxt.ExchangeNotAvailable("503 Service Unavailable")
        return rows_for("bitfinex", since_of("bitfinex", q), 10)

    ex, _ = fake("bitfinex", serve)
    ex.fetch = (lambda inner: lambda *a, **k: inner(*a, **k))(ex.fetch)
    progress = Progress()
    got = list(pages(ex, "bitfinex", "BTC-USD", T0 * 1_000_000, (T0 + 10 * W) * 1_000_000, W, progress,
                     retries=2, pause=0.5, sleep=pauses.append))
    assert sum(map(len, got)) == 10 and pauses == [0.5, 1.0] and progress.retries == 2
    calls.clear()
    with pytest.raises(BackfillError, match="gave up after 1 retries"):
        list(pages(ex, "bitfinex", "BTC-USD", T0 * 1_000_000, (T0 + 10 * W) * 1_000_000, W, Progress(),
                   retries=1, sleep=pauses.append))


def test_refusals_and_resuming() -> None:
    with pytest.raises(BackfillError, match="known: coinbase, bitfinex, kraken, poloniex"):
        exchange("binance", 1)
    ex, _ = fake("kraken", lambda p, q: [])
    with pytest.raises(BackfillError, match="kraken serves candles of 1m, 5m, 15m, 30m, 1h, 1d, not 21600 s"):
        next(pages(ex, "kraken", "BTC-USD", T0 * 1_000_000, (T0 + 1) * 1_000_000, 21600, Progress()))
    t0, w = T0 * 10**6, W * 10**6
    assert resume_from(t0, w, None) == t0
    assert resume_from(t0, w, t0 + 7 * w + 123) == t0 + 8 * w  # after the candle of the last trade archived
    assert resume_from(t0 + 20 * w, w, t0 + 7 * w) == t0 + 20 * w

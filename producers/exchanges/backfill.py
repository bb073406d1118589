"""OHLCV backfill of any listed venue through ccxt's ``fetch_ohlcv``: paged, rate-limited, retried, resumable.

ccxt (a well-kept library) speaks each venue's candle endpoint; this module
only pages through a time range and turns rows into ``Bar`` values, exactly
(ccxt's floats are read back through their shortest decimal form). The
caller writes each page to the archive as soon as it arrives, so an
interrupted backfill keeps what it fetched and the next run resumes after the
last candle it archived (``resume_from``).

- **Paging**: from ``since``, ``limit`` candles a request (the venue's
  maximum), the next page from the last candle returned plus one width; a page
  that adds nothing new ends the range (the venue has nothing later).
- **Rate**: ccxt's own limiter, ``rate`` requests a second at most.
- **Retries**: network errors, rate-limit answers and outages are retried
  ``retries`` times with a doubling pause; anything else (a bad symbol, an
  unsupported width) fails at once with ccxt's message.
- **Gaps**: where the venue returns its first candle later than asked (Kraken
  serves only its last 720 candles of a width; a listing that began later), the
  backfill says from when it got data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from producers.exchanges.numbers import to_units
from producers.importer import Bar

CCXT_IDS: Mapping[str, str] = {
    "coinbase": "coinbaseexchange",
    "bitfinex": "bitfinex",
    "kraken": "kraken",
    "poloniex": "poloniex",
}
"""Our venue names -> ccxt's exchange ids: every venue the project lists."""

PAGE_LIMITS: Mapping[str, int] = {"coinbase": 300, "bitfinex": 10_000, "kraken": 720, "poloniex": 500}
TIMEFRAMES: Mapping[int, str] = {60: "1m", 300: "5m", 900: "15m", 1800: "30m", 3600: "1h", 21600: "6h",
                                 86400: "1d"}


class BackfillError(RuntimeError):
    """A backfill that cannot go on; the message says why, in one line."""


def exchange(venue: str, rate: float, base_url: str | None = None) -> Any:
    """A ccxt exchange for ``venue`` limited to ``rate`` requests a second (``base_url``: another server)."""
    import ccxt

    if venue not in CCXT_IDS:
        raise BackfillError(f"no backfill for venue {venue!r} (known: {', '.join(CCXT_IDS)})")
    if rate <= 0:
        raise BackfillError(f"--rate {rate} must be positive")
    options = {"enableRateLimit": True, "rateLimit": 1000 / rate, "timeout": 30_000}
    ex = getattr(ccxt, CCXT_IDS[venue])(options)
    if base_url:
        api = ex.urls["api"]
        ex.urls["api"] = {k: base_url for k in api} if isinstance(api, dict) else base_url
    return ex


def symbol(pair: str) -> str:
    """``BTC-USD`` -> ccxt's ``BTC/USD``."""
    base, sep, quote = pair.upper().partition("-")
    if not sep or not base or not quote:
        raise BackfillError(f"pair {pair!r} is not BASE-QUOTE")
    return f"{base}/{quote}"


def _units(value: Any) -> int:
    return to_units(repr(value) if isinstance(value, float) else str(value))


def to_bar(row: list[Any]) -> Bar:
    """A ccxt OHLCV row ``[ms, open, high, low, close, volume]`` -> a bar, exactly."""
    ms, o, h, lo, c, v = row[:6]
    return Bar(int(ms) * 1000, _units(o), _units(h), _units(lo), _units(c), _units(v or 0))


@dataclass
class Progress:
    """What a backfill did so far."""

    requests: int = 0
    candles: int = 0
    retries: int = 0
    first_served: int | None = None  # the first candle the venue had in the range (µs)


def pages(ex: Any, venue: str, pair: str, start_us: int, end_us: int, width_s: int, progress: Progress,
          retries: int = 5, pause: float = 1.0, sleep: Callable[[float], None] = time.sleep
          ) -> Iterator[list[Bar]]:
    """The candles of ``pair`` starting in [start, end), page by page, oldest first (see the module doc)."""
    import ccxt

    if width_s not in TIMEFRAMES or TIMEFRAMES[width_s] not in (ex.timeframes or {}):
        served = ", ".join(t for t in TIMEFRAMES.values() if t in (ex.timeframes or {}))
        raise BackfillError(f"{venue} serves candles of {served}, not {width_s} s")
    if end_us <= start_us:
        raise BackfillError("empty time range: end must be after start")
    width_us = width_s * 1_000_000
    since = start_us - start_us % width_us
    limit = PAGE_LIMITS.get(venue, 500)
    while since < end_us:
        for attempt in range(retries + 1):
            try:
                progress.requests += 1
                rows = ex.fetch_ohlcv(symbol(pair), TIMEFRAMES[width_s], since=since // 1000, limit=limit)
                break
            except (ccxt.NetworkError, ccxt.ExchangeNotAvailable) as exc:  # RateLimitExceeded is one
                if attempt == retries:
                    raise BackfillError(f"{venue} {pair}: gave up after {retries} retries: {exc}") from None
                progress.retries += 1
                sleep(pause * 2**attempt)
            except ccxt.BaseError as exc:
                raise BackfillError(f"{venue} {pair}: {exc}") from None
        bars = [b for b in map(to_bar, rows) if since <= b.start < end_us]
        if not bars:
            return
        if progress.first_served is None:
            progress.first_served = bars[0].start
        progress.candles += len(bars)
        yield bars
        since = bars[-1].start + width_us


def resume_from(start_us: int, width_us: int, last_archived: int | None) -> int:
    """Where a backfill starts: after the last candle already archived in its topic, if any."""
    if last_archived is None:
        return start_us
    return max(start_us, last_archived - last_archived % width_us + width_us)

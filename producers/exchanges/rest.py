"""Venue REST calls (I/O): market metadata, rate-limited, with retries.

Why not ccxt: we need a handful of public endpoints per venue, decimal strings
parsed exactly (our parsers, tested on the real recorded responses), and a
client we can point at a local server in tests. httpx with our own token
bucket does that in a page; ccxt's breadth of venues can come later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from producers.exchanges.bitfinex.markets import parse_pair_list
from producers.exchanges.coinbase.markets import parse_products
from producers.exchanges.feed import VenueError
from producers.exchanges.kraken.markets import parse_asset_pairs
from producers.exchanges.poloniex.markets import parse_markets
from schemas.events import MarketListed

log = logging.getLogger(__name__)

Parser = Callable[[bytes, int], list[MarketListed]]

MARKET_ENDPOINTS: dict[str, tuple[str, Parser]] = {
    "coinbase": ("https://api.exchange.coinbase.com/products", parse_products),
    "bitfinex": ("https://api-pub.bitfinex.com/v2/conf/pub:list:pair:exchange", parse_pair_list),
    "kraken": ("https://api.kraken.com/0/public/AssetPairs", parse_asset_pairs),
    "poloniex": ("https://api.poloniex.com/markets", parse_markets),
}
"""Venues whose market rules we fetch. Kraken's and Poloniex's parsers are tested on their API docs'
example responses (tests/fixtures/rest-doc-examples), not on recorded ones."""


class RestError(RuntimeError):
    """A venue's REST endpoint kept failing; the message says how."""


class RateLimiter:
    """A token bucket: at most ``rate`` requests a second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._tokens = float(burst)
        self._at = clock()

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await self._sleep((1 - self._tokens) / self.rate)


@dataclass
class RestClient:
    """GETs with a rate limit, and retries with backoff on 429, 5xx and network errors."""

    limiter: RateLimiter
    retries: int = 4
    backoff_s: float = 0.5
    timeout_s: float = 10.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def get(self, url: str) -> bytes:
        last = ""
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            for attempt in range(self.retries + 1):
                await self.limiter.acquire()
                try:
                    response = await client.get(url, headers={"User-Agent": "cryptick"})
                except httpx.HTTPError as exc:
                    last = f"{type(exc).__name__}: {exc}"
                else:
                    if response.status_code == 200:
                        return response.content
                    last = f"HTTP {response.status_code}"
                    if response.status_code != 429 and response.status_code < 500:
                        break  # the request itself is wrong: retrying will not help
                    retry_after = response.headers.get("Retry-After", "")
                    if retry_after.isdigit():
                        await self.sleep(float(retry_after))
                        continue
                if attempt < self.retries:
                    await self.sleep(self.backoff_s * 2**attempt)
        raise RestError(f"GET {url} failed: {last}")


async def fetch_markets(venue: str, client: RestClient, url: str | None = None,
                        now_us: int | None = None) -> list[MarketListed]:
    """The venue's trading rules for every pair it lists."""
    try:
        default_url, parse = MARKET_ENDPOINTS[venue]
    except KeyError:
        raise ValueError(f"no market list for {venue!r}; available: {', '.join(MARKET_ENDPOINTS)}") from None
    target = url or default_url
    raw = await client.get(target)
    try:
        return parse(raw, now_us if now_us is not None else int(time.time() * 1_000_000))
    except VenueError as exc:  # an error the venue reported inside a 200 answer (Kraken, Poloniex)
        raise RestError(f"GET {target}: {venue} answered with an error: {exc}") from exc

"""Any amount to USD: direct, inverse, one hop via BTC or USDT, or an explicit no-route."""

from __future__ import annotations

from schemas.events import SCALE
from streams.market.books import Quote
from streams.market.pricing import NO_ROUTE, prices_from_quotes, to_usd


def u(x: float) -> int:
    return round(x * SCALE)


QUOTES = [
    Quote("coinbase", "BTC-USD", u(9_990), u(10_010), 1),  # mid 10,000
    Quote("kraken", "BTC-USD", u(20_000), u(20_000), 1),  # a venue we prefer less
    Quote("poloniex", "ETH-BTC", u(0.049), u(0.051), 1),  # mid 0.05 BTC
    Quote("poloniex", "XMR-USDT", u(249), u(251), 1),  # mid 250 USDT
    Quote("bitfinex", "USDT-USD", u(0.99), u(1.01), 1),  # mid 1.00
    Quote("bitfinex", "USD-EUR", u(0.79), u(0.81), 1),  # mid 0.8 EUR per USD: EUR reached inversely
    Quote("bitfinex", "ZEC-LTC", u(1), u(1), 1),  # no way from LTC to USD
    Quote("bitfinex", "BCH-USD", u(500), None, 1),  # one-sided: no mid
]
PRICES = prices_from_quotes(QUOTES, venues=["coinbase"])


def test_direct() -> None:
    assert to_usd(u(2), "BTC", PRICES) == u(20_000)
    assert to_usd(u(3), "USD", PRICES) == u(3)


def test_inverse_pair() -> None:
    assert to_usd(u(8), "EUR", PRICES) == u(10)


def test_one_hop_via_btc_and_via_usdt() -> None:
    assert to_usd(u(10), "ETH", PRICES) == u(5_000)  # 10 ETH x 0.05 BTC x 10,000 USD
    assert to_usd(u(2), "XMR", PRICES) == u(500)  # 2 XMR x 250 USDT x 1.00 USD


def test_no_route() -> None:
    assert to_usd(u(1), "ZEC", PRICES) == NO_ROUTE
    assert to_usd(u(1), "BCH", PRICES) == NO_ROUTE  # its only quote is one-sided
    assert to_usd(u(1), "DOGE", PRICES) == NO_ROUTE


def test_preferred_venue_then_alphabetical() -> None:
    assert PRICES[("BTC", "USD")] == u(10_000)
    assert prices_from_quotes(QUOTES)[("BTC", "USD")] == u(10_000)  # coinbase < kraken
    assert prices_from_quotes(QUOTES, venues=["kraken"])[("BTC", "USD")] == u(20_000)

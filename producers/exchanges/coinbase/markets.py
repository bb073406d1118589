"""Coinbase REST product list (``GET /products``) -> ``MarketListed`` (pure).

Field mapping: ``quote_increment`` -> price increment, ``base_increment`` ->
size increment, ``base_min_size``/``base_max_size`` -> min/max size,
``min_market_funds`` -> min notional (quote currency). ``ts`` is when the list
was received (the REST response has no time of its own). Every product is
listed, including ``limit_only`` ones: the contract has no field for trading
status. An increment finer than 1e-8 cannot be represented and is an error.
"""

from __future__ import annotations

from typing import Any

from producers.exchanges.coinbase.symbols import VENUE, normalise_pair
from producers.exchanges.feed import SHAPE_ERRORS, MalformedMessage, decode, listing, shape_error
from producers.exchanges.numbers import optional_units, to_units
from schemas.events import MarketListed


def parse_products(raw: str | bytes, ts: int) -> list[MarketListed]:
    """The markets in a raw ``/products`` response received at ``ts`` (µs), sorted by pair."""
    products = decode(raw)
    if not isinstance(products, list):
        raise shape_error("expected a JSON array of products", products)
    return sorted((market_listed(p, ts) for p in products), key=lambda m: m.pair)


def market_listed(product: dict[str, Any], ts: int) -> MarketListed:
    """One product's trading rules."""
    try:
        pair = normalise_pair(product["id"])
        price_increment = to_units(product["quote_increment"])
        size_increment = to_units(product["base_increment"])
        listed = listing(VENUE, pair, ts, price_increment, size_increment, to_units(product["base_min_size"]),
                         optional_units(product.get("base_max_size")),
                         optional_units(product.get("min_market_funds")))
    except SHAPE_ERRORS as exc:
        raise shape_error(f"bad Coinbase product ({exc})", product) from exc
    if price_increment <= 0 or size_increment <= 0:
        raise MalformedMessage(f"increment finer than 1e-8 or not positive: {product}")
    return listed

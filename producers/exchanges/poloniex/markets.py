"""Poloniex v2 REST market list (``GET /markets``) -> ``MarketListed`` (pure).

Response (Poloniex spot API docs, "Reference Data / Symbol Information"; the
same fields ccxt's ``poloniex.parseSpotMarket`` reads): a JSON array of
``{"symbol", "state", "symbolTradeLimit": {...}, ...}``. Field mapping, all
from ``symbolTradeLimit``:

- price increment ``10^-priceScale``; size increment ``10^-quantityScale``
  (the scales are "decimal precision", so the step is one unit of the last
  decimal);
- min size ``minQuantity``; min notional ``minAmount`` (quote currency);
- max size ``maxQuantity`` when present and not ``"0"`` (the docs: 0 means no
  check; the 2022 responses have no such field).

Only ``state`` ``NORMAL`` markets are listed (not ``PAUSE`` or ``POST_ONLY``),
and not a market whose price or size scale is above 8 decimals: the
fixed-point units (1e-8) cannot carry its prices or sizes exactly.

An error object ``{"code": ..., "message": ...}`` instead of the array raises
``VenueError``. ``ts`` is when the list was received.
"""

from __future__ import annotations

from typing import Any

from producers.exchanges.feed import SHAPE_ERRORS, VenueError, decode, listing, shape_error
from producers.exchanges.numbers import decimals_step, optional_units, to_units
from producers.exchanges.poloniex.symbols import VENUE, normalise_pair
from schemas.events import MarketListed

TRADABLE = "NORMAL"


def parse_markets(raw: str | bytes, ts: int) -> list[MarketListed]:
    """The tradable markets in a raw ``/markets`` response received at ``ts`` (µs), sorted by pair."""
    body = decode(raw)
    if isinstance(body, dict) and "code" in body:
        raise VenueError(f"{body.get('code')}: {body.get('message', '')}")
    if not isinstance(body, list):
        raise shape_error("expected a JSON array of markets", body)
    listed = (market_listed(market, ts) for market in body)
    return sorted((m for m in listed if m is not None), key=lambda m: m.pair)


def market_listed(market: dict[str, Any], ts: int) -> MarketListed | None:
    """One market's trading rules, or ``None`` if it is not listed (see the module doc)."""
    try:
        if market["state"] != TRADABLE:
            return None
        pair = normalise_pair(market["symbol"])
        limits = market["symbolTradeLimit"]
        price_step = decimals_step(limits["priceScale"])
        size_step = decimals_step(limits["quantityScale"])
        if price_step is None or size_step is None:
            return None
        max_quantity = optional_units(limits.get("maxQuantity"))  # 0: no check
        return listing(VENUE, pair, ts, price_step, size_step, to_units(limits["minQuantity"]),
                       max_quantity or None, optional_units(limits.get("minAmount")))
    except SHAPE_ERRORS as exc:
        raise shape_error(f"bad Poloniex market ({exc})", market) from exc

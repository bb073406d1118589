"""Kraken REST pair list (``GET /0/public/AssetPairs``) -> ``MarketListed`` (pure).

Response (Kraken Spot REST docs, "Get Tradable Asset Pairs"; the same fields
ccxt's ``kraken.fetchMarkets`` reads): ``{"error": [...], "result": {name:
pair}}``. Field mapping:

- pair: ``wsname`` (``XBT/USD``) normalised as the websocket feed does
  (``BTC-USD``); a pair with no websocket name has no feed and is left out;
- price increment: ``tick_size`` when present (newer responses), else
  ``10^-pair_decimals``;
- size increment: ``10^-lot_decimals``; min size: ``ordermin``;
  min notional: ``costmin`` (quote currency) when present; no max size.

Only ``status`` ``online`` pairs are listed (a response without ``status``
counts as online); ``cancel_only``, ``post_only``, ``limit_only`` and
``reduce_only`` pairs and dark-pool pairs (name ending ``.d``) are left out.
So is a pair whose price or size step is not a whole number of 1e-8 units:
the fixed-point units cannot carry its prices or sizes exactly.

An ``error`` entry of severity ``E`` (``"EGeneral:Invalid arguments"``) raises
``VenueError``; warnings (``W...``) are ignored, as Kraken's docs say they
come with a result. ``ts`` is when the list was received.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from producers.exchanges.feed import SHAPE_ERRORS, VenueError, decode, listing, shape_error
from producers.exchanges.kraken.symbols import VENUE, normalise_pair
from producers.exchanges.numbers import decimals_step, optional_units, to_units
from schemas.events import SCALE, MarketListed

TRADABLE = "online"


def parse_asset_pairs(raw: str | bytes, ts: int) -> list[MarketListed]:
    """The tradable markets in a raw ``AssetPairs`` response received at ``ts`` (µs), sorted by pair."""
    body = decode(raw)
    if not isinstance(body, dict) or not isinstance(body.get("error", []), list):
        raise shape_error('expected {"error": [...], "result": {...}}', body)
    errors = [str(e) for e in body.get("error", []) if str(e).startswith("E")]
    if errors:
        raise VenueError("; ".join(errors))
    pairs = body.get("result")
    if not isinstance(pairs, dict):
        raise shape_error("expected a result object of asset pairs", body)
    listed = (market_listed(name, pair, ts) for name, pair in pairs.items())
    return sorted((m for m in listed if m is not None), key=lambda m: m.pair)


def market_listed(name: str, pair: dict[str, Any], ts: int) -> MarketListed | None:
    """One asset pair's trading rules, or ``None`` if it is not listed (see the module doc)."""
    try:
        if name.endswith(".d") or pair.get("status", TRADABLE) != TRADABLE or not pair.get("wsname"):
            return None
        normalised = normalise_pair(pair["wsname"])
        tick = pair.get("tick_size")
        price_step = exact_units(tick) if tick not in (None, "") else decimals_step(pair["pair_decimals"])
        size_step = decimals_step(pair["lot_decimals"])
        if price_step is None or size_step is None:
            return None
        return listing(VENUE, normalised, ts, price_step, size_step, to_units(pair["ordermin"]),
                       None, optional_units(pair.get("costmin")))
    except SHAPE_ERRORS as exc:
        raise shape_error(f"bad Kraken asset pair {name!r} ({exc})", pair) from exc


def exact_units(text: object) -> int | None:
    """A positive decimal string as units (1e-8), or ``None`` if it is not a whole number of units."""
    if not isinstance(text, str):
        raise TypeError(f"expected a decimal string, got {text!r}")
    units = Decimal(text) * SCALE
    if not units.is_finite() or units <= 0:
        raise ValueError(f"step {text!r} is not positive")
    return int(units) if units == units.to_integral_value() else None

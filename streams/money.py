"""Fixed-point arithmetic shared by the matching engine and the ledger (pure).

Rounding rule, chosen so that the sum over partial fills never exceeds the
figure for the whole order (and so a hold always covers its settlement):
trade value and fee are both rounded down, per fill, to the 1e-8 unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.events import SCALE

BPS = 10_000


def notional(price: int, size: int) -> int:
    """Quote value of ``size`` at ``price`` (both fixed-point), rounded down."""
    return price * size // SCALE


def fee_for(value: int, bps: int) -> int:
    """Fee of ``bps`` basis points on a quote ``value``, rounded down."""
    return value * bps // BPS


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Maker and taker fees of a venue, in basis points of the quote value."""

    maker_bps: int
    taker_bps: int

    @property
    def max_bps(self) -> int:
        return max(self.maker_bps, self.taker_bps)


DEFAULT_FEES: dict[str, FeeSchedule] = {
    "coinbase": FeeSchedule(maker_bps=40, taker_bps=60),
    "bitfinex": FeeSchedule(maker_bps=10, taker_bps=20),
    "poloniex": FeeSchedule(maker_bps=15, taker_bps=25),
    "kraken": FeeSchedule(maker_bps=16, taker_bps=26),
    "synthetic": FeeSchedule(maker_bps=10, taker_bps=20),
}
FALLBACK_FEES = FeeSchedule(maker_bps=25, taker_bps=25)


def fees_for_venue(venue: str, schedule: dict[str, FeeSchedule] | None = None) -> FeeSchedule:
    return (schedule or DEFAULT_FEES).get(venue, FALLBACK_FEES)


def to_fixed(text: str) -> int:
    """Parse a decimal string ('0.00012', '1e-5') exactly into fixed-point units."""
    from decimal import Decimal

    value = Decimal(text) * SCALE
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} has more than 8 decimal places")
    return int(value)


def to_decimal_str(value: int) -> str:
    """Fixed-point units as a plain decimal string (for display and JSON)."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), SCALE)
    return f"{sign}{whole}.{frac:08d}".rstrip("0").rstrip(".") if frac else f"{sign}{whole}"

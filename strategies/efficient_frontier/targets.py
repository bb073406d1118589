"""From holdings to the trades that reach target weights, all in USD value (pure, fixed-point).

Values are fixed-point USD (1e-8). The quote currency (cash) is part of the weights with a
target of zero: the target portfolio is fully invested, so leftover cash counts as a deviation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schemas.events import SCALE


@dataclass(frozen=True, slots=True)
class Trade:
    """Buy or sell ``usd`` (fixed-point USD value, positive) of ``asset``."""

    asset: str
    side: str
    usd: int


def usd_values(holdings: Mapping[str, int], prices: Mapping[str, int], quote: str) -> dict[str, int]:
    """USD value of each holding at ``prices`` (asset -> fixed-point USD per unit); the quote is 1:1.

    An asset without a price is left out; the caller decides whether that is acceptable.
    """
    out: dict[str, int] = {}
    for asset, amount in holdings.items():
        if asset == quote:
            out[asset] = amount
        elif asset in prices:
            out[asset] = amount * prices[asset] // SCALE
    return out


def weights_of(values: Mapping[str, int], assets: Sequence[str]) -> dict[str, float]:
    """Each of ``assets``'s share of the total value (all zero if the total is not positive)."""
    total = sum(values.values())
    return {a: (values.get(a, 0) / total if total > 0 else 0.0) for a in assets}


def deviation(current: Mapping[str, float], target: Mapping[str, float]) -> float:
    """The largest |current - target| over every asset of either (missing means zero)."""
    return max((abs(current.get(a, 0.0) - target.get(a, 0.0)) for a in {*current, *target}), default=0.0)


def within_tolerance(current: Mapping[str, float], target: Mapping[str, float], tolerance: float) -> bool:
    return deviation(current, target) <= tolerance


def plan_trades(values: Mapping[str, int], target: Mapping[str, float], quote: str,
                min_usd: Mapping[str, int] | None = None) -> list[Trade]:
    """The trades taking ``values`` to ``target`` weights of the same total: sells first, then buys.

    Within each side, the largest first (ties by asset name). An asset whose gap is under its
    ``min_usd`` (the smallest tradable value, e.g. the minimum size at the price) is skipped.
    """
    total = sum(values.values())
    if total <= 0:
        return []
    floor = min_usd or {}
    trades: list[Trade] = []
    for asset in sorted({*values, *target} - {quote}):
        gap = int(target.get(asset, 0.0) * total) - values.get(asset, 0)
        if gap == 0 or abs(gap) < floor.get(asset, 1):
            continue
        trades.append(Trade(asset, "buy" if gap > 0 else "sell", abs(gap)))
    return sorted(trades, key=lambda t: (t.side != "sell", -t.usd, t.asset))

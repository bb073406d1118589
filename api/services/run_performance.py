"""How a run is doing, cheaply enough for a list of runs (pure): no archive scan per row.

A paper run is valued from what the API's replica holds: its wallet set now and the allocation it was
started with, both at the latest book mids (``valuation.value_in_usd``), so its return is what its trading
made or lost against keeping what it was given; price moves of what it was given are not in it (its report,
from the archive, has the curve since the start). A backtest's figures are its stored report's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from streams.ledger.projections import WalletSetView
from streams.ledger.valuation import Prices, value_in_usd


@dataclass(frozen=True, slots=True)
class Performance:
    """USD values are fixed-point (scale 1e-8) for a paper run, floats from a report for a backtest."""

    equity_usd: int | float | None  # what it holds now (or at its end), in USD
    start_usd: int | float | None  # what it was given, in USD
    total_return: float | None  # equity / start - 1
    max_drawdown: float | None  # deepest fall from a peak, a fraction of it; None when not known cheaply
    basis: str  # "replica" or "report"


def _usd(amounts: Mapping[str, int], prices: Prices) -> int | None:
    """The total in fixed-point USD; None when any currency has no price route."""
    values = value_in_usd({c: n for c, n in amounts.items() if n}, prices)
    if any(isinstance(v, str) for v in values.values()):
        return None
    return sum(v for v in values.values() if not isinstance(v, str))


def paper_performance(view: WalletSetView | None, allocations: Iterable[tuple[str, str, int]],
                      prices: Prices) -> Performance | None:
    """A paper run's wallet set against its allocation, both at ``prices``; None while its set is not
    known or once it was released (inactive), or when something it holds or was given has no price."""
    if view is None or not view.active:
        return None
    given: dict[str, int] = {}
    for _venue, currency, amount in allocations:
        given[currency] = given.get(currency, 0) + amount
    held: dict[str, int] = {}
    for (_venue, currency), b in view.balances.items():
        held[currency] = held.get(currency, 0) + b.balance
    start, now = _usd(given, prices), _usd(held, prices)
    if start is None or now is None:
        return None
    return Performance(now, start, now / start - 1 if start > 0 else None, None, "replica")


def report_performance(start_value: float, end_value: float, total_return: float, max_drawdown: float
                       ) -> Performance:
    """A backtest's figures as its report has them."""
    return Performance(end_value, start_value, total_return, max_drawdown, "report")

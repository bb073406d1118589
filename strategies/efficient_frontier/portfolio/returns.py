"""Expected returns and covariance from close prices, annualised for markets open every day.

Default: **simple** returns. Over one bar a portfolio's simple return is exactly the weighted
sum of its assets' simple returns, which is what the optimiser's ``w @ mu`` and ``w' S w``
assume; log returns do not add up across assets. Annualisation is arithmetic (mean and
covariance times the bars per year): the drift of a portfolio rebalanced every bar. Compounding
a 5-minute mean over 105,120 bars would blow up its estimation noise.

``kind="log"`` gives the growth-rate view (time-additive, less sensitive to spikes); its mean is
below the arithmetic drift by about half the variance, so the frontier shifts towards calm assets.

Crypto trades every day: periods per year = 365 days / bar interval (105,120 for 5 minutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from . import shrinkage as shrink
from .arrays import FloatArray, check_names, readonly
from .errors import InvalidInput

ReturnKind = Literal["simple", "log"]
Shrinkage = Literal["none", "constant_correlation", "identity"]

DEFAULT_BAR = timedelta(minutes=5)
_YEAR = timedelta(days=365)


def periods_per_year(bar_interval: timedelta) -> float:
    """Bars in a 365-day year for a market that never closes."""
    if bar_interval <= timedelta(0):
        raise InvalidInput(f"bar interval must be positive, got {bar_interval}")
    return _YEAR / bar_interval


def bar_returns(closes: npt.ArrayLike, kind: ReturnKind = "simple") -> FloatArray:
    """Per-bar returns (bars-1 x assets) from a (bars x assets) array of close prices."""
    prices = np.asarray(closes, dtype=np.float64)
    if prices.ndim != 2 or prices.shape[0] < 2 or prices.shape[1] < 1:
        raise InvalidInput(
            f"closes must be a 2-D array of at least 2 bars x 1 asset, got shape {prices.shape}"
        )
    bad = ~np.isfinite(prices) | (prices <= 0.0)
    if np.any(bad):
        bar, asset = (int(i) for i in np.argwhere(bad)[0])
        raise InvalidInput(
            f"close prices must be finite and positive; bar {bar}, asset {asset} is "
            f"{prices[bar, asset]!r} (fill or drop missing candles first)"
        )
    if kind == "simple":
        result: FloatArray = prices[1:] / prices[:-1] - 1.0
        return result
    if kind == "log":
        result = np.diff(np.log(prices), axis=0)
        return result
    raise InvalidInput(f"return kind must be 'simple' or 'log', got {kind!r}")


@dataclass(frozen=True, eq=False)
class MarketEstimate:
    """Annualised expected returns and covariance of named assets (read-only arrays)."""

    names: tuple[str, ...]
    expected_returns: FloatArray
    covariance: FloatArray
    periods_per_year: float
    kind: ReturnKind
    shrinkage: Shrinkage
    shrinkage_intensity: float
    bars: int


def estimate(
    closes: npt.ArrayLike,
    names: Sequence[str],
    *,
    bar_interval: timedelta = DEFAULT_BAR,
    kind: ReturnKind = "simple",
    shrinkage: Shrinkage = "none",
) -> MarketEstimate:
    """Annualised mean returns and covariance (optionally shrunk) from close prices."""
    asset_names = check_names(names)
    returns = bar_returns(closes, kind)
    if returns.shape[1] != len(asset_names):
        raise InvalidInput(
            f"closes have {returns.shape[1]} columns but {len(asset_names)} names were given"
        )
    periods = periods_per_year(bar_interval)
    intensity = 0.0
    if shrinkage == "none":
        if returns.shape[0] < 2:
            raise InvalidInput("a covariance needs at least three closes (two returns)")
        covariance = np.cov(returns, rowvar=False, ddof=1).reshape(len(asset_names), -1)
    elif shrinkage == "constant_correlation":
        covariance, intensity = shrink.constant_correlation(returns)
    elif shrinkage == "identity":
        covariance, intensity = shrink.identity(returns)
    else:
        raise InvalidInput(
            f"shrinkage must be 'none', 'constant_correlation' or 'identity', got {shrinkage!r}"
        )
    return MarketEstimate(
        names=asset_names,
        expected_returns=readonly(returns.mean(axis=0) * periods),
        covariance=readonly(covariance * periods),
        periods_per_year=periods,
        kind=kind,
        shrinkage=shrinkage,
        shrinkage_intensity=intensity,
        bars=int(returns.shape[0]),
    )

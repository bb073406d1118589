"""Portfolios, weight constraints and the numpy scoring of weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .arrays import FloatArray
from .errors import InvalidConstraints, InvalidWeights

# Custom weights may miss one by this much (slider rounding) and are not renormalised.
WEIGHT_SUM_TOLERANCE = 1e-6
_BOUND_TOLERANCE = 1e-12

WeightsLike = Mapping[str, float] | Sequence[float] | npt.NDArray[np.float64]


@dataclass(frozen=True)
class Portfolio:
    """Fully invested weights with their annualised expected return, volatility and Sharpe."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    expected_return: float
    volatility: float
    sharpe: float
    label: str

    def as_dict(self) -> dict[str, float]:
        """Weights by asset name."""
        return dict(zip(self.names, self.weights, strict=True))

    def as_array(self) -> FloatArray:
        """Weights as a float vector in the order of ``names``."""
        return np.array(self.weights, dtype=np.float64)


@dataclass(frozen=True)
class Constraints:
    """Per-asset weight bounds of a fully invested (weights sum to one) portfolio.

    ``max_weight`` caps each asset: one number for all, or a mapping name -> cap (absent
    names are uncapped). ``min_weight`` is the minimum holding, a *floor on every asset's
    weight*: the optimiser keeps each asset at or above it. "Either 0 or at least m" would
    make the feasible set non-convex (a mixed-integer problem), so it is not offered; to
    exclude an asset, leave it out of the universe. A negative floor permits shorting down to
    it; the default 0 is long-only.
    """

    max_weight: float | Mapping[str, float] = 1.0
    min_weight: float | Mapping[str, float] = 0.0

    def bounds(self, names: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        """Validated (lower, upper) bound vectors in the order of ``names``."""
        lower = _per_asset(self.min_weight, names, 0.0, "min_weight")
        upper = _per_asset(self.max_weight, names, 1.0, "max_weight")
        for name, low, high in zip(names, lower, upper, strict=True):
            if low > high:
                raise InvalidConstraints(
                    f"{name}: min_weight {low:g} is above max_weight {high:g}"
                )
        if lower.sum() > 1.0 + _BOUND_TOLERANCE:
            raise InvalidConstraints(
                f"the minimum holdings add up to {lower.sum():g} > 1: lower them so that "
                f"they total at most 1 (e.g. at most {1.0 / len(names):g} each)"
            )
        if upper.sum() < 1.0 - _BOUND_TOLERANCE:
            raise InvalidConstraints(
                f"the maximum weights add up to {upper.sum():g} < 1, so the portfolio cannot "
                "be fully invested: raise them or add assets"
            )
        return lower, upper

    def long_only(self, names: Sequence[str]) -> bool:
        """True when no asset may be shorted."""
        return bool(np.all(_per_asset(self.min_weight, names, 0.0, "min_weight") >= 0.0))


def _per_asset(
    value: float | Mapping[str, float], names: Sequence[str], default: float, what: str
) -> FloatArray:
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise InvalidConstraints(f"{what} names unknown assets: {', '.join(unknown)}")
        result = np.array([float(value.get(name, default)) for name in names])
    else:
        result = np.full(len(names), float(value))
    if not np.all(np.isfinite(result)):
        raise InvalidConstraints(f"{what} must be finite numbers")
    return result


def check_weights(weights: WeightsLike, names: Sequence[str], long_only: bool) -> FloatArray:
    """Custom weights as a vector; raises ``InvalidWeights`` with the fix if they are unusable."""
    if isinstance(weights, Mapping):
        unknown = sorted(set(weights) - set(names))
        if unknown:
            raise InvalidWeights(
                f"weights name unknown assets: {', '.join(unknown)}; known: {', '.join(names)}"
            )
        vector = np.array([float(weights.get(name, 0.0)) for name in names])
    else:
        vector = np.asarray(weights, dtype=np.float64)
        if vector.shape != (len(names),):
            raise InvalidWeights(
                f"expected {len(names)} weights ({', '.join(names)}), got shape {vector.shape}"
            )
    if not np.all(np.isfinite(vector)):
        raise InvalidWeights("weights contain NaN or infinite values")
    if long_only and np.any(vector < -_BOUND_TOLERANCE):
        shorts = [name for name, w in zip(names, vector, strict=True) if w < -_BOUND_TOLERANCE]
        raise InvalidWeights(
            f"negative weights are not allowed (long-only): {', '.join(shorts)}"
        )
    total = float(vector.sum())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise InvalidWeights(
            f"weights sum to {total:.8g}, not 1: divide them by {total:.8g} or adjust them"
        )
    return vector


def score(
    weights: FloatArray, mu: FloatArray, covariance: FloatArray, risk_free_rate: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Expected returns, volatilities and Sharpe ratios of the rows of ``weights`` (k x n)."""
    returns = weights @ mu
    variances = np.sum((weights @ covariance) * weights, axis=1)
    volatilities = np.sqrt(np.maximum(variances, 0.0))
    excess = returns - risk_free_rate
    # Zero volatility (a stablecoin alone) has an unbounded Sharpe ratio of the excess's sign.
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpes = np.where(volatilities > 0.0, excess / volatilities, np.sign(excess) * np.inf)
    return returns, volatilities, sharpes


def make_portfolio(
    names: tuple[str, ...],
    weights: FloatArray,
    mu: FloatArray,
    covariance: FloatArray,
    risk_free_rate: float,
    label: str,
) -> Portfolio:
    """Score one weight vector into a ``Portfolio``."""
    returns, vols, sharpes = score(weights[None, :], mu, covariance, risk_free_rate)
    return Portfolio(
        names=names,
        weights=tuple(float(w) for w in weights),
        expected_return=float(returns[0]),
        volatility=float(vols[0]),
        sharpe=float(sharpes[0]),
        label=label,
    )

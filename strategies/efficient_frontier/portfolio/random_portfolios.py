"""Random long-only portfolios (the 2018 system's method): a comparison cloud for the UI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .arrays import FloatArray, check_covariance, check_names, check_vector, readonly
from .errors import InvalidInput
from .model import Portfolio, score

Sampling = Literal["dirichlet", "normalised_uniform"]


@dataclass(frozen=True, eq=False)
class RandomPortfolios:
    """``count`` weight rows (count x assets) with their returns, volatilities and Sharpes."""

    names: tuple[str, ...]
    weights: FloatArray
    expected_returns: FloatArray
    volatilities: FloatArray
    sharpes: FloatArray
    risk_free_rate: float

    def best(self) -> Portfolio:
        """The highest-Sharpe random portfolio."""
        row = int(np.nanargmax(self.sharpes))
        return Portfolio(
            names=self.names,
            weights=tuple(float(w) for w in self.weights[row]),
            expected_return=float(self.expected_returns[row]),
            volatility=float(self.volatilities[row]),
            sharpe=float(self.sharpes[row]),
            label="best_random",
        )


def random_weights(
    assets: int, count: int, rng: np.random.Generator, sampling: Sampling = "dirichlet"
) -> FloatArray:
    """Long-only weight rows summing to one.

    ``dirichlet`` (default) is uniform over all fully invested long-only portfolios
    (normalised exponentials). ``normalised_uniform`` reproduces the 2018 system (uniform
    draws divided by their sum), which crowds the cloud towards equal weights.
    """
    if assets < 1 or count < 1:
        raise InvalidInput(f"need at least one asset and one portfolio, got {assets}, {count}")
    if sampling == "dirichlet":
        draws = rng.standard_exponential((count, assets))
    elif sampling == "normalised_uniform":
        draws = rng.random((count, assets))
    else:
        raise InvalidInput(
            f"sampling must be 'dirichlet' or 'normalised_uniform', got {sampling!r}"
        )
    weights: FloatArray = draws / draws.sum(axis=1, keepdims=True)
    return weights


def random_portfolios(
    names: Sequence[str],
    expected_returns: npt.ArrayLike,
    covariance: npt.ArrayLike,
    count: int = 10_000,
    *,
    seed: int | np.random.Generator,
    risk_free_rate: float = 0.03,
    sampling: Sampling = "dirichlet",
) -> RandomPortfolios:
    """Score ``count`` seeded random long-only portfolios, all at once with numpy."""
    asset_names = check_names(names)
    n = len(asset_names)
    mu = check_vector(expected_returns, n, "expected returns")
    cov = check_covariance(covariance, n)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    weights = random_weights(n, count, rng, sampling)
    returns, vols, sharpes = score(weights, mu, cov, risk_free_rate)
    return RandomPortfolios(
        names=asset_names,
        weights=readonly(weights),
        expected_returns=readonly(returns),
        volatilities=readonly(vols),
        sharpes=readonly(sharpes),
        risk_free_rate=risk_free_rate,
    )

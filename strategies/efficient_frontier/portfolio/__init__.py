"""Pure Markowitz portfolio optimiser: estimates, exact frontier, random comparison cloud."""

from __future__ import annotations

from .errors import (
    InfeasibleTarget,
    InvalidConstraints,
    InvalidInput,
    InvalidWeights,
    PortfolioError,
    SolverFailed,
)
from .frontier import DEFAULT_POINTS, DEFAULT_RISK_FREE_RATE, Markowitz
from .model import WEIGHT_SUM_TOLERANCE, Constraints, Portfolio
from .random_portfolios import RandomPortfolios, random_portfolios, random_weights
from .returns import DEFAULT_BAR, MarketEstimate, bar_returns, estimate, periods_per_year

__all__ = [
    "DEFAULT_BAR",
    "DEFAULT_POINTS",
    "DEFAULT_RISK_FREE_RATE",
    "WEIGHT_SUM_TOLERANCE",
    "Constraints",
    "InfeasibleTarget",
    "InvalidConstraints",
    "InvalidInput",
    "InvalidWeights",
    "MarketEstimate",
    "Markowitz",
    "Portfolio",
    "PortfolioError",
    "RandomPortfolios",
    "SolverFailed",
    "bar_returns",
    "estimate",
    "periods_per_year",
    "random_portfolios",
    "random_weights",
]

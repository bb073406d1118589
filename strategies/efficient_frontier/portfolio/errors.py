"""Typed errors of the optimiser; every message says what to change."""

from __future__ import annotations


class PortfolioError(ValueError):
    """Base class: a request the optimiser cannot serve as asked."""


class InvalidInput(PortfolioError):
    """Prices, expected returns or covariance are malformed (shape, NaN, non-positive, not PSD)."""


class InvalidConstraints(PortfolioError):
    """Weight bounds that no fully invested portfolio can satisfy."""


class InvalidWeights(PortfolioError):
    """Custom weights of the wrong length, not summing to one, or short when long-only."""


class InfeasibleTarget(PortfolioError):
    """A target return or volatility outside what the constrained frontier reaches."""


class SolverFailed(PortfolioError):
    """The convex solver did not return an optimal solution (numerical trouble)."""

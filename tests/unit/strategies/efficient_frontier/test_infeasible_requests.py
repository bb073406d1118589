"""Requests outside what the constraints allow raise a typed error that says what to do."""

from __future__ import annotations

import numpy as np
import pytest

from strategies.efficient_frontier.portfolio import (
    Constraints,
    InfeasibleTarget,
    InvalidConstraints,
    InvalidInput,
    Markowitz,
    PortfolioError,
)

NAMES = ("BTC", "ETH", "LTC")
MU = np.array([0.40, 0.60, 0.20])
COV = np.array([[0.36, 0.30, 0.25], [0.30, 0.64, 0.30], [0.25, 0.30, 0.49]])


def _optimiser(constraints: Constraints | None = None) -> Markowitz:
    return Markowitz(NAMES, MU, COV, constraints=constraints)


def test_target_return_above_the_frontier() -> None:
    with pytest.raises(InfeasibleTarget, match=r"above the highest .* 0\.6\b.*choose a target"):
        _optimiser().target_return(0.61)


def test_target_return_above_the_capped_frontier() -> None:
    # ETH capped at 50%: the best is 50% ETH + 50% BTC = 0.5.
    with pytest.raises(InfeasibleTarget, match=r"0\.5\b"):
        _optimiser(Constraints(max_weight=0.5)).target_return(0.55)


def test_target_return_at_the_top_is_the_max_return_portfolio() -> None:
    assert _optimiser().target_return(0.6).weights == (0.0, 1.0, 0.0)


def test_target_return_below_min_variance_gives_min_variance() -> None:
    optimiser = _optimiser()
    assert optimiser.target_return(-5.0).weights == pytest.approx(
        optimiser.min_variance().weights, abs=1e-12)


def test_target_volatility_below_min_variance() -> None:
    optimiser = _optimiser()
    floor = optimiser.min_variance().volatility
    with pytest.raises(InfeasibleTarget, match="below the minimum-variance"):
        optimiser.target_volatility(floor * 0.99)


def test_target_volatility_at_min_variance_and_above_the_top() -> None:
    optimiser = _optimiser()
    floor = optimiser.min_variance()
    assert optimiser.target_volatility(floor.volatility).weights == floor.weights
    assert optimiser.target_volatility(5.0).weights == (0.0, 1.0, 0.0)


@pytest.mark.parametrize("target", [float("nan"), float("inf"), -0.1])
def test_target_volatility_must_be_a_non_negative_number(target: float) -> None:
    with pytest.raises(InvalidInput, match="target volatility"):
        _optimiser().target_volatility(target)


def test_max_sharpe_needs_a_return_above_the_risk_free_rate() -> None:
    optimiser = Markowitz(NAMES, MU, COV, risk_free_rate=0.7)
    with pytest.raises(InfeasibleTarget, match="risk-free rate"):
        optimiser.max_sharpe()


@pytest.mark.parametrize(
    ("constraints", "message"),
    [(Constraints(min_weight=0.4), "minimum holdings add up to 1.2"),
     (Constraints(max_weight=0.3), "maximum weights add up to 0.9"),
     (Constraints(min_weight={"BTC": 0.5}, max_weight={"BTC": 0.4}), "BTC: min_weight 0.5"),
     (Constraints(max_weight={"DOGE": 0.1}), "unknown assets: DOGE"),
     (Constraints(max_weight=float("nan")), "finite")],
)
def test_impossible_constraints(constraints: Constraints, message: str) -> None:
    with pytest.raises(InvalidConstraints, match=message):
        _optimiser(constraints)


@pytest.mark.parametrize(
    ("mu", "cov", "message"),
    [(MU[:2], COV, r"expected returns must have shape \(3,\)"),
     (MU, COV[:2], r"covariance must have shape \(3, 3\)"),
     (np.array([0.1, np.nan, 0.2]), COV, "NaN"),
     (MU, COV + np.triu(np.full((3, 3), 0.01), 1), "not symmetric"),
     (MU, np.diag([0.1, -0.1, 0.1]), "not positive semi-definite")],
)
def test_malformed_estimates(mu: np.ndarray, cov: np.ndarray, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Markowitz(NAMES, mu, cov)


def test_every_error_is_a_portfolio_error_and_a_value_error() -> None:
    assert issubclass(InfeasibleTarget, PortfolioError)
    assert issubclass(PortfolioError, ValueError)

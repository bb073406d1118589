"""Every optimum agrees with PyPortfolioOpt on the same mu and covariance to 1e-6.

The reference runs PyPortfolioOpt's own cvxpy problems with Clarabel at 1e-12 tolerances.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from pypfopt import EfficientFrontier

from strategies.efficient_frontier.portfolio import Constraints, Markowitz, Portfolio

from .conftest import Problem

pytestmark = pytest.mark.filterwarnings("ignore:Solution may be inaccurate")

TOLERANCE = 1e-6
RISK_FREE = 0.03
REFERENCE_SOLVER: dict[str, Any] = {
    "solver": "CLARABEL",
    "solver_options": {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12},
}

# (name, our constraints, PyPortfolioOpt weight_bounds as a function of the asset count)
CASES: list[tuple[str, Constraints, Callable[[int], Any]]] = [
    ("long_only", Constraints(), lambda n: (0, 1)),
    ("cap_30pc", Constraints(max_weight=0.3), lambda n: (0, 0.3)),
    ("floor_2pc_cap_40pc", Constraints(min_weight=0.02, max_weight=0.4), lambda n: (0.02, 0.4)),
    ("per_asset_caps", Constraints(max_weight={"C00": 0.1, "C01": 0.05, "C02": 0.2}),
     lambda n: [(0, 0.1), (0, 0.05), (0, 0.2)] + [(0, 1)] * (n - 3)),
    ("long_short", Constraints(min_weight=-0.2, max_weight=0.6), lambda n: (-0.2, 0.6)),
]
SIZES = [(5, 11), (12, 12), (30, 13)]


def _reference(problem: Problem, bounds: Any) -> EfficientFrontier:
    return EfficientFrontier(problem.mu, problem.cov, weight_bounds=bounds, **REFERENCE_SOLVER)


def _assert_agrees(ours: Portfolio, reference: EfficientFrontier,
                   weights_tolerance: float = TOLERANCE) -> None:
    weights = np.array(list(reference.clean_weights(cutoff=0, rounding=None).values()))
    ret, vol, sharpe = reference.portfolio_performance(risk_free_rate=RISK_FREE)
    np.testing.assert_allclose(ours.as_array(), weights, rtol=0, atol=weights_tolerance)
    assert ours.expected_return == pytest.approx(ret, abs=TOLERANCE)
    assert ours.volatility == pytest.approx(vol, abs=TOLERANCE)
    assert ours.sharpe == pytest.approx(sharpe, abs=10 * TOLERANCE)


@pytest.fixture(params=[(size, case) for size in SIZES for case in CASES],
                ids=lambda p: f"{p[0][0]}assets-{p[1][0]}")
def setup(request: pytest.FixtureRequest, make_problem: Callable[[int, int], Problem]
          ) -> tuple[Problem, Markowitz, Any]:
    (assets, seed), (_, constraints, bounds) = request.param
    problem = make_problem(assets, seed)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov, constraints=constraints,
                          risk_free_rate=RISK_FREE)
    return problem, optimiser, bounds(assets)


def test_min_variance(setup: tuple[Problem, Markowitz, Any]) -> None:
    problem, optimiser, bounds = setup
    reference = _reference(problem, bounds)
    reference.min_volatility()
    _assert_agrees(optimiser.min_variance(), reference)


def test_max_sharpe(setup: tuple[Problem, Markowitz, Any]) -> None:
    problem, optimiser, bounds = setup
    reference = _reference(problem, bounds)
    reference.max_sharpe(risk_free_rate=RISK_FREE)
    _assert_agrees(optimiser.max_sharpe(), reference)


def test_frontier_points_and_target_returns(setup: tuple[Problem, Markowitz, Any]) -> None:
    problem, optimiser, bounds = setup
    frontier = optimiser.frontier()
    for point in frontier[1:-1:5]:
        reference = _reference(problem, bounds)
        reference.efficient_return(point.expected_return)
        _assert_agrees(point, reference)
        _assert_agrees(optimiser.target_return(point.expected_return), reference)


def test_target_volatility(setup: tuple[Problem, Markowitz, Any]) -> None:
    problem, optimiser, bounds = setup
    frontier = optimiser.frontier()
    for point in frontier[10:-1:6]:
        ours = optimiser.target_volatility(point.volatility)
        assert ours.volatility == pytest.approx(point.volatility, abs=1e-12)
        # Our weights are the exact frontier portfolio at the return they reach ...
        at_return = _reference(problem, bounds)
        at_return.efficient_return(ours.expected_return)
        _assert_agrees(ours, at_return)
        # ... and match efficient_risk in return and volatility to 1e-6. Its weights carry
        # ~1e-6 of noise (measured up to 2.5e-6): its interior-point SOCP stops 1e-12 short
        # in volatility, and the frontier is that flat in some weight directions, so the
        # weights are compared at 1e-5.
        at_risk = _reference(problem, bounds)
        at_risk.efficient_risk(point.volatility)
        _assert_agrees(ours, at_risk, weights_tolerance=1e-5)

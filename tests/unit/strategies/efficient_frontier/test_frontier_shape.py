"""The frontier runs from minimum variance to maximum return, monotone in both."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from strategies.efficient_frontier.portfolio import Constraints, InvalidInput, Markowitz

from .conftest import Problem


@pytest.mark.parametrize(("assets", "seed", "cap"), [(3, 1, 1.0), (6, 2, 1.0), (6, 3, 0.25),
                                                     (15, 4, 0.1), (40, 5, 1.0)])
def test_returns_increase_and_volatility_never_decreases(
    make_problem: Callable[[int, int], Problem], assets: int, seed: int, cap: float
) -> None:
    problem = make_problem(assets, seed)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov,
                          constraints=Constraints(max_weight=cap))
    frontier = optimiser.frontier()
    returns = np.array([p.expected_return for p in frontier])
    vols = np.array([p.volatility for p in frontier])
    assert len(frontier) == 50
    assert np.all(np.diff(returns) > 0.0)
    assert np.all(np.diff(vols) >= -1e-12)
    assert frontier[0].weights == pytest.approx(optimiser.min_variance().weights, abs=1e-12)
    assert returns[-1] == pytest.approx(optimiser.max_return().expected_return, abs=1e-12)
    np.testing.assert_allclose(np.diff(returns), np.diff(returns)[0], rtol=1e-9)
    for point in frontier:
        weights = point.as_array()
        assert weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.all(weights >= 0.0)
        assert np.all(weights <= cap + 1e-12)
        assert point.label == "frontier"


def test_frontier_size_is_configurable(make_problem: Callable[[int, int], Problem]) -> None:
    problem = make_problem(4, 6)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov)
    assert len(optimiser.frontier(7)) == 7
    with pytest.raises(InvalidInput, match="at least 2 points"):
        optimiser.frontier(1)


def test_a_dominant_asset_collapses_the_frontier_to_one_point() -> None:
    # A returns most and, long-only, is also the minimum-variance portfolio (B is riskier and
    # 75% correlated with it), so the frontier is the single point "all A".
    optimiser = Markowitz(["A", "B"], [0.5, 0.1], [[0.01, 0.015], [0.015, 0.04]])
    frontier = optimiser.frontier(5)
    assert len(frontier) == 5
    assert {p.weights for p in frontier} == {(1.0, 0.0)}


def test_last_point_is_the_least_risky_of_the_highest_return_portfolios() -> None:
    # A and B tie for the highest return; the top of the frontier mixes them.
    optimiser = Markowitz(["A", "B", "C"], [0.5, 0.5, 0.1], np.diag([0.09, 0.09, 0.01]))
    top = optimiser.frontier()[-1]
    assert top.weights == pytest.approx((0.5, 0.5, 0.0), abs=1e-9)

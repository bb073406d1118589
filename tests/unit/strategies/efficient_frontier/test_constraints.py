"""Caps and floors hold for every optimised portfolio; negative floors permit shorts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from strategies.efficient_frontier.portfolio import Constraints, Markowitz, Portfolio

from .conftest import Problem


def _all_optima(optimiser: Markowitz) -> list[Portfolio]:
    frontier = list(optimiser.frontier(20))
    middle = frontier[10]
    return [*frontier, optimiser.min_variance(), optimiser.max_sharpe(),
            optimiser.max_return(), optimiser.target_return(middle.expected_return),
            optimiser.target_volatility(middle.volatility)]


@pytest.mark.parametrize("cap", [0.1, 0.25, 0.5])
def test_max_weight_is_respected(make_problem: Callable[[int, int], Problem], cap: float
                                 ) -> None:
    problem = make_problem(12, 21)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov,
                          constraints=Constraints(max_weight=cap))
    unconstrained = Markowitz(problem.names, problem.mu, problem.cov).max_sharpe()
    assert max(unconstrained.weights) > cap  # the cap matters
    for portfolio in _all_optima(optimiser):
        assert max(portfolio.weights) <= cap + 1e-12
        assert min(portfolio.weights) >= 0.0
        assert sum(portfolio.weights) == pytest.approx(1.0, abs=1e-12)


def test_per_asset_caps_and_floors(make_problem: Callable[[int, int], Problem]) -> None:
    problem = make_problem(6, 22)
    caps = {"C00": 0.05, "C03": 0.2}
    floors = {"C01": 0.1, "C05": 0.15}
    optimiser = Markowitz(problem.names, problem.mu, problem.cov,
                          constraints=Constraints(max_weight=caps, min_weight=floors))
    for portfolio in _all_optima(optimiser):
        weights = portfolio.as_dict()
        for name, cap in caps.items():
            assert weights[name] <= cap + 1e-12
        for name, floor in floors.items():
            assert weights[name] >= floor - 1e-12


def test_a_floor_keeps_every_asset_held(make_problem: Callable[[int, int], Problem]) -> None:
    problem = make_problem(8, 23)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov,
                          constraints=Constraints(min_weight=0.05))
    for portfolio in _all_optima(optimiser):
        assert min(portfolio.weights) >= 0.05 - 1e-12


def test_a_negative_floor_allows_shorting(make_problem: Callable[[int, int], Problem]) -> None:
    problem = make_problem(6, 24)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov,
                          constraints=Constraints(min_weight=-0.3, max_weight=0.8))
    weights = np.array(optimiser.max_sharpe().weights)
    assert weights.min() < 0.0
    assert weights.min() >= -0.3 - 1e-12
    assert optimiser.evaluate(weights).sharpe == pytest.approx(optimiser.max_sharpe().sharpe)

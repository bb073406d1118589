"""The exact maximum-Sharpe portfolio is never beaten by 10,000 random portfolios."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from strategies.efficient_frontier.portfolio import Markowitz

from .conftest import Problem


@pytest.mark.parametrize(("assets", "seed"), [(2, 1), (3, 2), (4, 3), (6, 4), (6, 5), (10, 6),
                                              (20, 7), (50, 8)])
@pytest.mark.parametrize("sampling", ["dirichlet", "normalised_uniform"])
def test_max_sharpe_beats_the_best_random_portfolio(
    make_problem: Callable[[int, int], Problem], assets: int, seed: int, sampling: str
) -> None:
    problem = make_problem(assets, seed)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov)
    best = optimiser.max_sharpe()
    cloud = optimiser.random_portfolios(10_000, seed=seed, sampling=sampling)  # type: ignore[arg-type]
    assert best.sharpe >= cloud.best().sharpe - 1e-12
    assert best.sharpe >= max(p.sharpe for p in optimiser.single_assets()) - 1e-12


def test_max_sharpe_is_the_best_point_of_the_frontier(
    make_problem: Callable[[int, int], Problem]
) -> None:
    problem = make_problem(8, 9)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov)
    best = optimiser.max_sharpe()
    frontier = optimiser.frontier(200)
    assert best.sharpe >= max(p.sharpe for p in frontier) - 1e-12
    assert best.sharpe - max(p.sharpe for p in frontier) < 1e-3  # and the frontier is dense

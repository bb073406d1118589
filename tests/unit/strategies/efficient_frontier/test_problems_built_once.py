"""Each convex problem is DPP-compliant, built once per optimiser and re-solved."""

from __future__ import annotations

from collections.abc import Callable

from strategies.efficient_frontier.portfolio import Constraints, Markowitz

from .conftest import Problem


def test_problems_are_built_once_and_are_dpp(make_problem: Callable[[int, int], Problem]
                                             ) -> None:
    problem = make_problem(8, 31)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov,
                          constraints=Constraints(max_weight=0.4, min_weight=0.01),
                          critical_line=False)  # the convex problems: the fallback and the targets' path
    first = optimiser.frontier(10)
    optimiser.max_sharpe()
    optimiser.target_volatility(first[5].volatility)
    built = (optimiser._return_target, optimiser._max_sharpe, optimiser._volatility_target)
    assert all(p is not None and p.problem.is_dpp() for p in built)

    again = optimiser.frontier(10)
    optimiser.max_sharpe()
    optimiser.target_volatility(first[6].volatility)
    assert (optimiser._return_target, optimiser._max_sharpe,
            optimiser._volatility_target) == built
    assert again == first

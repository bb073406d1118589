"""The critical line serves the frontier, minimum variance and maximum Sharpe without a solver,
exactly; degenerate problems it cannot trace fall back to the solver with the same answers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from strategies.efficient_frontier.portfolio import Constraints, Markowitz
from strategies.efficient_frontier.portfolio.critical_line import critical_line

from .conftest import Problem

pytestmark = pytest.mark.filterwarnings("ignore:Solution may be inaccurate")


def _answers(optimiser: Markowitz) -> list[np.ndarray]:
    return [p.as_array() for p in (*optimiser.frontier(30), optimiser.min_variance(),
                                   optimiser.max_sharpe())]


def _agree(names: tuple[str, ...], mu: np.ndarray, cov: np.ndarray,
           constraints: Constraints | None = None) -> Markowitz:
    """The optimiser's answers equal those of the solver path; returns the optimiser."""
    ours = Markowitz(names, mu, cov, constraints=constraints)
    reference = Markowitz(names, mu, cov, constraints=constraints, critical_line=False)
    for a, b in zip(_answers(ours), _answers(reference), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)
    return ours


def _duplicate(problem: Problem, k: int) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The problem with asset k listed twice: a singular covariance, equal returns."""
    index = [*range(problem.mu.size), k]
    return (*problem.names, "TWIN"), problem.mu[index], problem.cov[np.ix_(index, index)]


def test_no_solver_is_built_for_the_frontier_and_its_portfolios(
        make_problem: Callable[[int, int], Problem]) -> None:
    problem = make_problem(12, 41)
    optimiser = _agree(problem.names, problem.mu, problem.cov, Constraints(max_weight=0.3))
    assert optimiser._critical_line() is not None
    assert (optimiser._return_target, optimiser._max_sharpe) == (None, None)


@pytest.mark.parametrize("constraints", [
    Constraints(max_weight=0.25),  # the four best fill their caps exactly: the top is a vertex
    Constraints(min_weight={"C02": 0.2}, max_weight={"C02": 0.2}),  # one weight fixed
    Constraints(min_weight=-0.5, max_weight=0.5),
    Constraints(min_weight=0.05, max_weight={"C00": 0.1, "C03": 0.3}),
], ids=["exact_fill", "fixed_weight", "shorts", "floor_and_caps"])
def test_degenerate_bounds_are_traced_exactly(make_problem: Callable[[int, int], Problem],
                                              constraints: Constraints) -> None:
    problem = make_problem(6, 42)
    assert _agree(problem.names, problem.mu, problem.cov, constraints)._critical_line()


def test_a_singular_covariance_away_from_the_top_is_traced(
        make_problem: Callable[[int, int], Problem]) -> None:
    # Any split between the twins is optimal: compare the portfolios with the twins merged.
    problem = make_problem(6, 43)
    k = int(np.argmin(problem.mu))
    names, mu, cov = _duplicate(problem, k)
    ours = Markowitz(names, mu, cov)
    reference = Markowitz(names, mu, cov, critical_line=False)
    for a, b in zip(_answers(ours), _answers(reference), strict=True):
        a[k], b[k] = a[k] + a[-1], b[k] + b[-1]
        np.testing.assert_allclose(a[:-1], b[:-1], rtol=0, atol=1e-9)
    assert ours._critical_line() is not None


def test_a_tie_for_the_highest_return_falls_back_to_the_solver(
        make_problem: Callable[[int, int], Problem]) -> None:
    # Two highest-return portfolios: the frontier starts at the less risky mix, a QP.
    problem = make_problem(6, 44)
    names, mu, cov = _duplicate(problem, int(np.argmax(problem.mu)))
    optimiser = _agree(names, mu, cov)
    assert optimiser._critical_line() is None
    assert optimiser._return_target is not None


def test_frontier_points_lie_on_the_lines_between_turning_points(
        make_problem: Callable[[int, int], Problem]) -> None:
    problem = make_problem(10, 45)
    optimiser = Markowitz(problem.names, problem.mu, problem.cov,
                          constraints=Constraints(max_weight=0.4))
    line = critical_line(problem.mu, problem.cov, *Constraints(max_weight=0.4)
                         .bounds(problem.names), optimiser.max_return().as_array())
    assert line is not None and line.returns.size > 3
    assert np.all(np.diff(line.returns) <= 0.0) and np.all(np.diff(line.lambdas) <= 0.0)
    assert line.lambdas[-1] == 0.0
    np.testing.assert_allclose(line.at_returns(line.returns), line.weights, rtol=0, atol=1e-12)
    # Halfway in return between two turning points is halfway in weights.
    middle = (line.returns[1:] + line.returns[:-1]) / 2.0
    np.testing.assert_allclose(line.at_returns(middle),
                               (line.weights[1:] + line.weights[:-1]) / 2.0, rtol=0, atol=1e-12)
    for point in optimiser.frontier(40):  # every point is the solver's exact answer there
        np.testing.assert_allclose(point.as_array(),
                                   optimiser.target_return(point.expected_return).as_array(),
                                   rtol=0, atol=1e-9)

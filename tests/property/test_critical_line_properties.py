"""On random well-conditioned problems with random bounds, the critical line's frontier,
minimum-variance and maximum-Sharpe portfolios equal the cvxpy + polish answers to 1e-6, and no
frontier point has a higher Sharpe ratio than the maximum-Sharpe portfolio."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from strategies.efficient_frontier.portfolio import Constraints, InvalidConstraints, Markowitz

pytestmark = pytest.mark.filterwarnings("ignore:Solution may be inaccurate")

RISK_FREE = 0.03


@dataclass(frozen=True)
class Case:
    names: tuple[str, ...]
    mu: np.ndarray
    cov: np.ndarray
    constraints: Constraints


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n = draw(st.integers(2, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # Well conditioned: the sample covariance of many more bars than assets, one common
    # factor (correlated like crypto) plus each asset's own noise.
    bars = 10 * n + 20
    market = rng.normal(size=(bars, 1)) * rng.uniform(0.3, 1.0, n)
    cov = 0.3 * np.cov(market + rng.normal(size=(bars, n)) * rng.uniform(0.3, 1.0, n),
                       rowvar=False)
    mu = rng.uniform(-0.2, 0.9, n)
    names = tuple(f"A{i}" for i in range(n))
    kind = draw(st.sampled_from(["long_only", "cap", "exact_fill", "floor_and_cap", "per_asset",
                                 "shorts"]))
    if kind == "long_only":
        constraints = Constraints()
    elif kind == "cap":
        constraints = Constraints(max_weight=draw(st.floats(1.0 / n, 1.0)))
    elif kind == "exact_fill":  # the caps of the best assets add up to exactly 1: a vertex
        constraints = Constraints(max_weight=1.0 / draw(st.integers(1, n)))
    elif kind == "floor_and_cap":
        floor = draw(st.floats(0.0, 0.9 / n))
        constraints = Constraints(min_weight=floor, max_weight=draw(st.floats(1.0 / n, 1.0)))
    elif kind == "per_asset":
        lower = rng.uniform(0.0, 1.0 / n, n) * rng.integers(0, 2, n)
        upper = np.minimum(lower + rng.uniform(0.0, 0.8, n), 1.0)
        fixed = rng.uniform(size=n) < 0.2
        upper[fixed] = lower[fixed]
        constraints = Constraints(min_weight=dict(zip(names, lower.tolist(), strict=True)),
                                  max_weight=dict(zip(names, upper.tolist(), strict=True)))
    else:
        constraints = Constraints(min_weight=-draw(st.floats(0.0, 0.5)),
                                  max_weight=draw(st.floats(1.0 / n, 1.0)))
    try:
        constraints.bounds(names)
    except InvalidConstraints:
        assume(False)
    return Case(names, mu, cov, constraints)


def _pair(case: Case) -> tuple[Markowitz, Markowitz]:
    def build(critical_line: bool) -> Markowitz:
        return Markowitz(case.names, case.mu, case.cov, constraints=case.constraints,
                         risk_free_rate=RISK_FREE, critical_line=critical_line)

    return build(True), build(False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(cases())
def test_critical_line_equals_the_solver(case: Case) -> None:
    ours, reference = _pair(case)
    for a, b in zip(ours.frontier(15), reference.frontier(15), strict=True):
        np.testing.assert_allclose(a.as_array(), b.as_array(), rtol=0, atol=1e-6)
        assert a.expected_return == pytest.approx(b.expected_return, abs=1e-9)
    np.testing.assert_allclose(ours.min_variance().as_array(),
                               reference.min_variance().as_array(), rtol=0, atol=1e-6)
    if ours.max_return().expected_return > RISK_FREE:
        np.testing.assert_allclose(ours.max_sharpe().as_array(),
                                   reference.max_sharpe().as_array(), rtol=0, atol=1e-6)
    assert ours._critical_line() is not None  # no fallback to the solver on these problems


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(cases())
def test_max_sharpe_beats_every_frontier_point(case: Case) -> None:
    ours, _ = _pair(case)
    assume(ours.max_return().expected_return > RISK_FREE)
    best = ours.max_sharpe()
    assert ours._critical_line() is not None
    weights = best.as_array()
    lower, upper = case.constraints.bounds(case.names)
    assert np.all(weights >= lower - 1e-12) and np.all(weights <= upper + 1e-12)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert best.sharpe >= max(p.sharpe for p in ours.frontier(200)) - 1e-12

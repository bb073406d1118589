"""The Markowitz optimiser: exact frontier, minimum variance, maximum Sharpe, targets.

The frontier, the minimum-variance and the maximum-Sharpe portfolios come from the critical
line algorithm (``critical_line``: the frontier's turning points, exact linear algebra, checked
by the KKT conditions); the cvxpy problems of ``problems`` (Clarabel, then an exact active-set
polish) serve the volatility and return targets and are the fallback when the algorithm cannot
proceed (ties for the highest return, a singular covariance, degenerate turning points).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .arrays import FloatArray, check_covariance, check_names, check_vector, readonly
from .critical_line import CriticalLine, critical_line
from .errors import InfeasibleTarget, InvalidInput
from .model import Constraints, Portfolio, WeightsLike, check_weights, make_portfolio
from .problems import MaxSharpe, ReturnTarget, VolatilityTarget, clean
from .random_portfolios import RandomPortfolios, Sampling, random_portfolios
from .returns import MarketEstimate

DEFAULT_RISK_FREE_RATE = 0.03
DEFAULT_POINTS = 50
_TARGET_TOLERANCE = 1e-10  # relative slack when a target sits exactly on a frontier end
_NUDGE = 1e-9  # the top target is solved this far inside, then polished at the exact end


class Markowitz:
    """Exact mean-variance optimiser over fixed annualised estimates.

    Each convex problem is built once, on first use, and re-solved with new parameter values;
    the critical line is computed once, on first use. ``critical_line=False`` uses the convex
    solver for everything (the reference the critical line is tested against).
    """

    def __init__(
        self,
        names: Sequence[str],
        expected_returns: npt.ArrayLike,
        covariance: npt.ArrayLike,
        *,
        constraints: Constraints | None = None,
        risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
        critical_line: bool = True,
    ) -> None:
        self.names = check_names(names)
        n = len(self.names)
        self._mu = readonly(check_vector(expected_returns, n, "expected returns"))
        self._cov = readonly(check_covariance(covariance, n))
        self.constraints = Constraints() if constraints is None else constraints
        self._lower, self._upper = self.constraints.bounds(self.names)
        self._long_only = self.constraints.long_only(self.names)
        if not math.isfinite(risk_free_rate):
            raise InvalidInput(f"risk-free rate must be finite, got {risk_free_rate!r}")
        self.risk_free_rate = float(risk_free_rate)
        self._return_target: ReturnTarget | None = None
        self._max_sharpe: MaxSharpe | None = None
        self._volatility_target: VolatilityTarget | None = None
        self._use_critical_line = critical_line
        self._line: CriticalLine | None = None

    @classmethod
    def from_estimate(
        cls,
        estimate: MarketEstimate,
        *,
        constraints: Constraints | None = None,
        risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
        critical_line: bool = True,
    ) -> Markowitz:
        """An optimiser over the estimates of ``returns.estimate``."""
        return cls(estimate.names, estimate.expected_returns, estimate.covariance,
                   constraints=constraints, risk_free_rate=risk_free_rate,
                   critical_line=critical_line)

    @property
    def expected_returns(self) -> FloatArray:
        """Annualised expected returns (read-only)."""
        return self._mu

    @property
    def covariance(self) -> FloatArray:
        """Annualised covariance matrix (read-only)."""
        return self._cov

    def evaluate(self, weights: WeightsLike, label: str = "custom") -> Portfolio:
        """Score custom weights (vector or name -> weight) instantly, without a solver."""
        vector = check_weights(weights, self.names, self._long_only)
        return self._portfolio(vector, label)

    def single_assets(self) -> tuple[Portfolio, ...]:
        """Each asset held alone: the reference points around the frontier."""
        return tuple(self._portfolio(row, "single_asset") for row in np.eye(len(self.names)))

    def max_return(self) -> Portfolio:
        """Highest expected return under the bounds, exact by greedy filling (no solver)."""
        return self._portfolio(self._max_return_weights(), "max_return")

    def min_variance(self) -> Portfolio:
        """The minimum-variance portfolio."""
        return self._portfolio(self._min_variance_weights(), "min_variance")

    def max_sharpe(self) -> Portfolio:
        """The tangency portfolio: exact on its critical-line segment (else a convex QP)."""
        best_return = float(self._mu @ self._max_return_weights())
        if best_return <= self.risk_free_rate:
            raise InfeasibleTarget(
                f"no portfolio under these constraints returns more than the risk-free rate "
                f"{self.risk_free_rate:.4g} (the best expected return is {best_return:.4g}): "
                "the maximum-Sharpe portfolio is undefined; lower the risk-free rate or use "
                "the minimum-variance portfolio"
            )
        line = self._critical_line()
        exact = None if line is None else line.max_sharpe(self._mu, self._cov,
                                                          self.risk_free_rate)
        if exact is not None:
            return self._portfolio(clean(exact, self._lower, self._upper), "max_sharpe")
        if self._max_sharpe is None:
            self._max_sharpe = MaxSharpe(self._mu, self._cov, self._lower, self._upper,
                                         self.risk_free_rate)
        return self._portfolio(self._max_sharpe.solve(), "max_sharpe")

    def target_return(self, target: float) -> Portfolio:
        """Least-variance portfolio returning at least ``target``.

        A target below the minimum-variance return yields the minimum-variance portfolio,
        which returns more at the least risk.
        """
        return self._portfolio(self._target_return_weights(target), "target_return")

    def target_volatility(self, target: float) -> Portfolio:
        """Highest-return portfolio with volatility at most ``target``.

        A target above the frontier's top (the max-return end) yields that top portfolio.
        """
        if not math.isfinite(target) or target < 0.0:
            raise InvalidInput(f"target volatility must be a finite number >= 0, got {target!r}")
        floor = self.min_variance()
        if target < floor.volatility * (1.0 - _TARGET_TOLERANCE):
            raise InfeasibleTarget(
                f"target volatility {target:.6g} is below the minimum-variance portfolio's "
                f"volatility {floor.volatility:.6g}: choose a target of at least that"
            )
        if target <= floor.volatility:
            return self._portfolio(floor.as_array(), "target_volatility")
        top = self._target_return_weights(float(self._mu @ self._max_return_weights()))
        if target >= self._portfolio(top, "").volatility:
            return self._portfolio(top, "target_volatility")
        if self._volatility_target is None:
            self._volatility_target = VolatilityTarget(
                self._mu, self._cov, self._lower, self._upper, self._frontier_problem()
            )
        return self._portfolio(self._volatility_target.solve(target), "target_volatility")

    def frontier(self, points: int = DEFAULT_POINTS) -> tuple[Portfolio, ...]:
        """``points`` efficient portfolios at evenly spaced target returns, from the
        minimum-variance portfolio to the highest-return one.

        Returns increase strictly and volatilities never decrease along the tuple, unless the
        frontier is a single point (then it is repeated).
        """
        if points < 2:
            raise InvalidInput(f"a frontier needs at least 2 points, got {points}")
        bottom = self._min_variance_weights()
        low = float(self._mu @ bottom)
        high = float(self._mu @ self._max_return_weights())
        if high - low <= _TARGET_TOLERANCE * max(1.0, abs(high)):
            return (self._portfolio(bottom, "frontier"),) * points
        line = self._critical_line()
        if line is not None:
            # Interpolated between turning points; the ends are the exact end portfolios.
            rows = line.at_returns(np.linspace(low, high, points)[1:-1])
            middle = [clean(row, self._lower, self._upper) for row in rows]
            return tuple(self._portfolio(w, "frontier")
                         for w in (bottom, *middle, line.weights[0]))
        weights = [bottom] + [
            self._target_return_weights(float(t)) for t in np.linspace(low, high, points)[1:]
        ]
        return tuple(self._portfolio(w, "frontier") for w in weights)

    def random_portfolios(
        self, count: int = 10_000, *, seed: int | np.random.Generator,
        sampling: Sampling = "dirichlet",
    ) -> RandomPortfolios:
        """A seeded cloud of random long-only portfolios on these estimates."""
        return random_portfolios(self.names, self._mu, self._cov, count, seed=seed,
                                 risk_free_rate=self.risk_free_rate, sampling=sampling)

    def _portfolio(self, weights: FloatArray, label: str) -> Portfolio:
        return make_portfolio(self.names, weights, self._mu, self._cov, self.risk_free_rate,
                              label)

    def _frontier_problem(self) -> ReturnTarget:
        if self._return_target is None:
            self._return_target = ReturnTarget(self._mu, self._cov, self._lower, self._upper)
        return self._return_target

    def _critical_line(self) -> CriticalLine | None:
        """The frontier's turning points, or None: the convex solver serves instead."""
        if self._line is None and self._use_critical_line:
            self._line = critical_line(self._mu, self._cov, self._lower, self._upper,
                                       self._max_return_weights())
            # Computed once: a failure is not retried (nor is the solver's answer cached).
            self._use_critical_line = self._line is not None
        return self._line

    def _max_return_weights(self) -> FloatArray:
        # Fractional knapsack: start at the floors, fill the best-returning assets to their caps.
        weights = self._lower.copy()
        budget = 1.0 - float(weights.sum())
        for i in np.argsort(-self._mu, kind="stable"):
            take = min(float(self._upper[i] - self._lower[i]), budget)
            weights[i] += take
            budget -= take
            if budget <= 0.0:
                break
        return weights

    def _min_variance_weights(self) -> FloatArray:
        line = self._critical_line()
        if line is not None:
            return clean(line.min_variance, self._lower, self._upper)
        lowest = float(self._mu @ self._lower) + float(np.min(self._mu)) * (1.0 - self._lower.sum())
        # A target under every feasible return leaves the return constraint slack.
        return self._frontier_problem().solve(lowest - 1.0 - abs(lowest))

    def _target_return_weights(self, target: float) -> FloatArray:
        if not math.isfinite(target):
            raise InvalidInput(f"target return must be a finite number, got {target!r}")
        high = float(self._mu @ self._max_return_weights())
        spread = max(1.0, abs(high))
        if target > high + _TARGET_TOLERANCE * spread:
            low = float(self._mu @ self._min_variance_weights())
            raise InfeasibleTarget(
                f"target return {target:.6g} is above the highest expected return reachable "
                f"under the constraints, {high:.6g}: choose a target between the "
                f"minimum-variance return {low:.6g} and {high:.6g}"
            )
        exact = min(target, high)
        if exact == high:
            top = self._max_return_weights()
            if self._is_only_max_return_portfolio(top):
                return top
        # At the very top the feasible set has no interior; solve just inside, polish at it.
        inside = min(exact, high - _NUDGE * spread)
        return self._frontier_problem().solve(inside, exact_target=exact)

    def _is_only_max_return_portfolio(self, weights: FloatArray) -> bool:
        # Another max-return portfolio exists iff weight can move between two equal returns.
        can_give = weights > self._lower
        can_take = weights < self._upper
        swaps = (self._mu[:, None] == self._mu[None, :]) & can_give[:, None] & can_take[None, :]
        np.fill_diagonal(swaps, False)
        return not bool(swaps.any())

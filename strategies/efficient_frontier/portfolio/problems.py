"""The three convex problems, each built once with cvxpy Parameters and re-solved.

Every problem is DPP-compliant (parameters enter affinely), so cvxpy canonicalises it once and
later solves only swap the parameter values into the cached solver data. Clarabel (interior
point) solves them with tight tolerances, then ``polish`` snaps the answer to the exact
active-set optimum. ``warm_start=True`` makes cvxpy reuse the Clarabel workspace in place.
(An interior-point method cannot restart from the previous iterate; OSQP can, but measured at
50 assets it took ~8x longer and still hit its iteration limit at 1e-7 accuracy.)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import cvxpy as cp
import numpy as np
from cvxpy.atoms.affine.sum import sum as cp_sum
from cvxpy.atoms.affine.wraps import psd_wrap
from cvxpy.atoms.norm import norm
from cvxpy.atoms.quad_form import quad_form

from .arrays import FloatArray, IndexArray
from .errors import SolverFailed
from .polish import BoolArray, QuadraticProgram, active_rows, correct, kkt_solve, refine

SOLVER_OPTIONS: dict[str, float] = {
    "tol_gap_abs": 1e-10,
    "tol_gap_rel": 1e-10,
    "tol_feas": 1e-10,
    "tol_ktratio": 1e-8,
}


def bindable_caps(lower: FloatArray, upper: FloatArray) -> IndexArray:
    """Indices whose cap can bind: ``w_i <= 1 - sum of the other floors`` holds anyway."""
    return np.flatnonzero(upper < 1.0 - (lower.sum() - lower))


def solve(problem: cp.Problem, variable: cp.Variable) -> FloatArray:
    """Solve with Clarabel; the raw (unpolished) primal solution."""
    run: Callable[..., object] = problem.solve  # cvxpy's solve is untyped
    try:
        with warnings.catch_warnings():
            # "Solution may be inaccurate": the polish below decides, not this warning.
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            run(solver=cp.CLARABEL, warm_start=True, **SOLVER_OPTIONS)
    except cp.error.SolverError as error:
        raise SolverFailed(f"the solver failed: {error}") from error
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or variable.value is None:
        raise SolverFailed(f"the solver stopped with status {problem.status!r}")
    return np.asarray(variable.value, dtype=np.float64)


def _bound_rows(n: int, lower: FloatArray, upper: FloatArray,
                caps: IndexArray) -> tuple[FloatArray, FloatArray]:
    eye = np.eye(n)
    return np.vstack([-eye, eye[caps]]), np.concatenate([-lower, upper[caps]])


class ReturnTarget:
    """minimise w' S w  s.t.  mu' w >= target, sum(w) = 1, lower <= w <= upper."""

    def __init__(self, mu: FloatArray, cov: FloatArray, lower: FloatArray,
                 upper: FloatArray) -> None:
        n = mu.size
        caps = bindable_caps(lower, upper)
        self._w = cp.Variable(n)
        self._target = cp.Parameter()
        constraints = [mu @ self._w >= self._target, cp_sum(self._w) == 1, self._w >= lower]
        if caps.size:
            constraints.append(self._w[caps] <= upper[caps])
        objective = cp.Minimize(quad_form(self._w, psd_wrap(cov)))
        self.problem = cp.Problem(objective, constraints)
        rows, rhs = _bound_rows(n, lower, upper, caps)
        self._lower, self._upper = lower, upper
        self.qp = QuadraticProgram(
            P=cov, A=np.ones((1, n)), b=np.ones(1),
            G=np.vstack([-mu[None, :], rows]), h=np.concatenate([[0.0], rhs]),
        )

    def solve(self, target: float, exact_target: float | None = None) -> FloatArray:
        """Solve at ``target``; polish at ``exact_target`` (default the same)."""
        self._target.value = target
        approx = solve(self.problem, self._w)
        goal = target if exact_target is None else exact_target
        return clean(_polished(self.with_target(goal), approx), self._lower, self._upper)

    def with_target(self, target: float) -> QuadraticProgram:
        """The numpy QP data at another target return."""
        h = self.qp.h.copy()
        h[0] = -target
        return QuadraticProgram(P=self.qp.P, A=self.qp.A, b=self.qp.b, G=self.qp.G, h=h)


class MaxSharpe:
    """minimise y' S y  s.t.  (mu - rf)' y = 1, lower*k <= y <= upper*k with k = sum(y).

    The optimum is the tangency portfolio w = y / k: scaling w by k turns the Sharpe ratio's
    fraction into a convex QP, and the bounds on w become bounds scaled by k.
    """

    def __init__(self, mu: FloatArray, cov: FloatArray, lower: FloatArray,
                 upper: FloatArray, risk_free_rate: float) -> None:
        n = mu.size
        caps = bindable_caps(lower, upper)
        excess = mu - risk_free_rate
        self._y = cp.Variable(n)
        kappa = cp_sum(self._y)
        constraints = [excess @ self._y == 1, self._y >= lower * kappa]
        if caps.size:
            constraints.append(self._y[caps] <= upper[caps] * kappa)
        if np.any(lower < 0.0):
            constraints.append(kappa >= 0)
        self.problem = cp.Problem(
            cp.Minimize(quad_form(self._y, psd_wrap(cov))), constraints
        )
        self._lower, self._upper = lower, upper
        ones = np.ones((1, n))
        eye = np.eye(n)
        rows = [lower[:, None] * ones - eye, eye[caps] - upper[caps, None] * ones]
        if np.any(lower < 0.0):
            rows.append(-ones)
        G = np.vstack(rows)
        self.qp = QuadraticProgram(P=cov, A=excess[None, :], b=np.ones(1), G=G,
                                   h=np.zeros(G.shape[0]))

    def solve(self) -> FloatArray:
        """The tangency weights (summing to one)."""
        y = _polished(self.qp, solve(self.problem, self._y))
        return clean(y / y.sum(), self._lower, self._upper)


class VolatilityTarget:
    """maximise mu' w  s.t.  ||F w|| <= target, sum(w) = 1, lower <= w <= upper (F'F = S)."""

    def __init__(self, mu: FloatArray, cov: FloatArray, lower: FloatArray,
                 upper: FloatArray, frontier: ReturnTarget) -> None:
        n = mu.size
        caps = bindable_caps(lower, upper)
        eigenvalues, vectors = np.linalg.eigh(cov)
        factor = (vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))).T
        self._w = cp.Variable(n)
        self._target = cp.Parameter(nonneg=True)
        constraints = [norm(factor @ self._w, 2) <= self._target,
                       cp_sum(self._w) == 1, self._w >= lower]
        if caps.size:
            constraints.append(self._w[caps] <= upper[caps])
        self.problem = cp.Problem(cp.Maximize(mu @ self._w), constraints)
        self._frontier = frontier
        self._lower, self._upper = lower, upper
        self._mu = mu
        self._cov = cov

    def solve(self, target: float) -> FloatArray:
        """Highest-return weights with volatility at most ``target`` (at it, when binding)."""
        self._target.value = target
        approx = solve(self.problem, self._w)
        exact = self._polish(approx, target)
        return clean(approx if exact is None else exact, self._lower, self._upper)

    def _polish(self, approx: FloatArray, target: float) -> FloatArray | None:
        # On a fixed active set the frontier is w(r) = x0 + r x1, so its variance is a
        # quadratic in r: solve variance = target^2 for the upper root, then verify the KKT
        # conditions of the return-target QP at that r.
        base = self._frontier.with_target(float(self._mu @ approx))

        def on_active_set(
            active: BoolArray,
        ) -> tuple[QuadraticProgram, FloatArray, FloatArray] | None:
            active[0] = True  # the return row: the volatility target binds
            rhs_eq = np.column_stack([base.b, np.zeros(1)])
            rhs_active = np.column_stack([base.h[active], np.zeros(int(active.sum()))])
            rhs_active[0] = [0.0, -1.0]  # the row reads -mu'w <= -r
            xs, multipliers = kkt_solve(base, active, rhs_eq, rhs_active)
            if not np.all(np.isfinite(xs)):
                return None
            x0, x1 = xs[:, 0], xs[:, 1]
            a = float(x1 @ self._cov @ x1)
            b = 2.0 * float(x0 @ self._cov @ x1)
            c = float(x0 @ self._cov @ x0) - target**2
            disc = b * b - 4.0 * a * c
            if a <= 0.0 or disc < 0.0:
                return None
            r = (-b + np.sqrt(disc)) / (2.0 * a)
            x: FloatArray = x0 + r * x1
            at_r: FloatArray = multipliers[:, 0] + r * multipliers[:, 1]
            return self._frontier.with_target(float(r)), x, at_r

        return correct(active_rows(base, approx), on_active_set)


def _polished(qp: QuadraticProgram, approx: FloatArray) -> FloatArray:
    exact = refine(qp, approx)
    return approx if exact is None else exact


def clean(weights: FloatArray, lower: FloatArray, upper: FloatArray) -> FloatArray:
    """Clip solver round-off (a -1e-12 weight) into the bounds and restore the budget."""
    clipped = np.clip(weights, lower, upper)
    return np.asarray(clipped / clipped.sum(), dtype=np.float64)

"""Active-set polishing: turn an interior-point solution into the exact QP optimum.

An interior-point solver stops a little inside the feasible set, so weights meant to be 0 come
back as 1e-9 (up to 1e-6 on degenerate bounds) and the rest are off by as much. For
``min x'Px s.t. Ax = b, Gx <= h`` we guess the active inequalities from the approximate
solution, solve the KKT linear system with them held as equalities, and keep the result only
if it satisfies every KKT condition (primal feasibility and non-negative multipliers), which
for a convex QP proves it optimal. Otherwise the caller keeps the solver's answer: that
happens at degenerate vertices (every weight at a bound, so the multipliers are not unique),
where the solver's answer is already within ~1e-9.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .arrays import FloatArray

BoolArray = npt.NDArray[np.bool_]

_ACTIVE = 1e-7  # slack below which an inequality is taken as active (relative to |x|)
_PRIMAL = 1e-10  # allowed constraint violation of the polished point (relative)
_DUAL = 1e-7  # allowed negative multiplier (relative to the gradient)
_MAX_CORRECTIONS = 8


@dataclass(frozen=True, eq=False)
class QuadraticProgram:
    """minimise x' P x subject to A x = b and G x <= h."""

    P: FloatArray
    A: FloatArray
    b: FloatArray
    G: FloatArray
    h: FloatArray


def active_rows(qp: QuadraticProgram, approx: FloatArray) -> BoolArray:
    """Inequalities that the approximate solution (nearly) meets with equality."""
    scale = max(1.0, float(np.max(np.abs(approx))))
    active: BoolArray = qp.h - qp.G @ approx <= _ACTIVE * scale
    return active


def kkt_solve(qp: QuadraticProgram, active: BoolArray, rhs_eq: FloatArray,
              rhs_active: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Solve the KKT system with active rows as equalities; columns of rhs are solved jointly.

    Returns (x, multipliers) where multipliers stacks those of A then of the active rows.
    """
    n = qp.P.shape[0]
    constraints = np.vstack([qp.A, qp.G[active]])
    m = constraints.shape[0]
    kkt = np.zeros((n + m, n + m))
    kkt[:n, :n] = 2.0 * qp.P
    kkt[:n, n:] = constraints.T
    kkt[n:, :n] = constraints
    rhs = np.concatenate([np.zeros((n, *rhs_eq.shape[1:])), rhs_eq, rhs_active])
    tolerance = 1e-9 * max(1.0, float(np.max(np.abs(rhs))))
    try:
        solution = np.linalg.solve(kkt, rhs)
    except np.linalg.LinAlgError:
        solution = np.full_like(rhs, np.nan)
    if not np.max(np.abs(kkt @ solution - rhs)) <= tolerance:
        # Redundant active sets (every bound but one active, plus the budget) are singular.
        solution = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
    if not np.max(np.abs(kkt @ solution - rhs)) <= tolerance:
        return np.full((n, *rhs_eq.shape[1:]), np.nan), solution[n:]
    return solution[:n], solution[n:]


def is_optimal(qp: QuadraticProgram, x: FloatArray, active: BoolArray,
               multipliers: FloatArray) -> bool:
    """Primal feasibility and dual feasibility (stationarity and complementarity hold by
    construction of the KKT solve)."""
    if not np.all(np.isfinite(x)):
        return False
    scale = max(1.0, float(np.max(np.abs(x))))
    if np.max(np.abs(qp.A @ x - qp.b)) > _PRIMAL * scale:
        return False
    if np.any(qp.G @ x - qp.h > _PRIMAL * scale):
        return False
    gradient = float(np.max(np.abs(2.0 * qp.P @ x)))
    inequality = multipliers[qp.A.shape[0]:]
    return not np.any(inequality < -_DUAL * max(gradient, 1e-300))


ActiveSolve = Callable[
    [BoolArray], tuple[QuadraticProgram, FloatArray, FloatArray] | None
]


def refine(qp: QuadraticProgram, approx: FloatArray) -> FloatArray | None:
    """The exact optimum near ``approx``, or None if no nearby active set verifies."""

    def on_active_set(active: BoolArray) -> tuple[QuadraticProgram, FloatArray, FloatArray]:
        return (qp, *kkt_solve(qp, active, qp.b, qp.h[active]))

    return correct(active_rows(qp, approx), on_active_set)


def correct(active: BoolArray, solve_on: ActiveSolve) -> FloatArray | None:
    """Solve on an active set, correcting the guess until the KKT conditions verify.

    An interior-point solver converges slowly on degenerate bounds (a weight that should be 0
    left at 1e-6), so the first guess is corrected a few times: constraints the polished point
    violates join the active set, then those with negative multipliers leave it.
    """
    for _ in range(_MAX_CORRECTIONS):
        solved = solve_on(active)
        if solved is None:
            return None
        qp, x, multipliers = solved
        if is_optimal(qp, x, active, multipliers):
            return x
        if not np.all(np.isfinite(x)):
            return None
        scale = max(1.0, float(np.max(np.abs(x))))
        violated = qp.G @ x - qp.h > _PRIMAL * scale
        leaving = np.zeros_like(active)
        leaving[np.flatnonzero(active)] = multipliers[qp.A.shape[0]:] < 0.0
        updated = active | violated if violated.any() else active & ~leaving
        if np.array_equal(updated, active):
            return None
        active = updated
    return None

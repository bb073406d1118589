"""The exact efficient frontier by the critical line algorithm (pure numpy, no solver).

For ``minimise w'Sw/2 - lam mu'w  s.t.  sum(w) = 1, lower <= w <= upper`` the optimum is
piecewise linear in ``lam`` (Markowitz 1956; Niedermayer & Niedermayer 2007; Bailey & Lopez de
Prado 2013): while the set of assets strictly between their bounds (the free set) stays the
same, the KKT conditions are a linear system whose solution is ``w = a + lam b``. The algorithm
starts at the highest-return portfolio (``lam`` = infinity) and lowers ``lam``; a segment ends
at a *turning point*, where a free weight reaches a bound or a bound's multiplier reaches zero
(the asset is freed). At ``lam = 0`` it reaches the minimum-variance portfolio.

Between two turning points both the weights and the expected return are affine in ``lam``, so
the weights are affine in the target return: a frontier point at any return is an exact
interpolation of its two neighbouring turning points, and the maximum-Sharpe portfolio is the
maximum of a ratio ``(alpha + beta t) / sqrt(A + 2Bt + Ct^2)`` on one segment, whose stationary
point has a closed form.

Each segment is checked against the KKT conditions at both ends (they are affine in ``lam``, so
this proves them on the whole segment): weights within their bounds, multipliers of the
correct sign, and continuity with the previous segment. When the algorithm cannot proceed
(several highest-return portfolios, a singular covariance on a free set, degenerate
simultaneous events that break a check) it returns ``None`` and the caller falls back to its
convex solver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import FloatArray

_FEASIBLE = 1e-10  # allowed bound violation of a turning point (relative to 1)
_DUAL = 1e-9  # allowed wrong-sign multiplier (relative to the gradient's size)
_CONTINUITY = 1e-9  # allowed jump of the weights at a turning point
_RESIDUAL = 1e-9  # allowed residual of a KKT solve (relative)
_BOUND = 1e-12  # a free weight this close to a bound at a turning point reaches it there


@dataclass(frozen=True, eq=False)
class CriticalLine:
    """Turning points from the highest-return portfolio (first) to minimum variance (last).

    ``lambdas`` decrease to 0 (the first one, where the highest-return portfolio stops being
    optimal, is finite); ``weights`` is (k x n); ``returns`` (= weights @ mu) never increase.
    """

    lambdas: FloatArray
    weights: FloatArray
    returns: FloatArray

    @property
    def min_variance(self) -> FloatArray:
        return np.array(self.weights[-1])

    def at_returns(self, targets: FloatArray) -> FloatArray:
        """Frontier weights (rows) at target returns within [returns[-1], returns[0]]."""
        rising = self.returns[::-1]
        points = self.weights[::-1]
        if rising.size == 1:
            return np.repeat(points, targets.size, axis=0)
        # Segment k runs from turning point k to k+1 (in rising return order).
        k = np.clip(np.searchsorted(rising, targets, side="right") - 1, 0, rising.size - 2)
        span = rising[k + 1] - rising[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(span > 0.0, (targets - rising[k]) / span, 0.0)
        t = np.clip(t, 0.0, 1.0)
        result: FloatArray = points[k] + t[:, None] * (points[k + 1] - points[k])
        return result

    def max_sharpe(self, mu: FloatArray, cov: FloatArray, risk_free_rate: float
                   ) -> FloatArray | None:
        """The maximum-Sharpe frontier portfolio, or None if it cannot be verified.

        On the segment ``w(t) = w0 + t d`` (t in [0, 1]) the Sharpe ratio is
        ``(alpha + beta t) / sqrt(A + 2Bt + Ct^2)``; its derivative vanishes where
        ``beta (A + Bt) = alpha (B + Ct)``. The Sharpe ratio is quasi-concave along the
        efficient frontier, so the best of these candidates over every segment is the global
        maximum; it is then checked by the tangency condition ``lam = variance / excess``.
        """
        count = self.returns.size
        if count == 1:
            top = np.array(self.weights[0])
            return top if float(mu @ top) > risk_free_rate else None
        best: tuple[float, FloatArray, float] | None = None
        for k in range(count - 1):
            low = self.weights[k + 1]  # the lower-return end of the segment
            d = self.weights[k] - low
            alpha = float(mu @ low) - risk_free_rate
            beta = float(mu @ d)
            sd = cov @ d
            a, b, c = float(low @ cov @ low), float(low @ sd), float(d @ sd)
            candidates = [0.0, 1.0]
            denominator = beta * b - alpha * c
            if denominator != 0.0:
                stationary = (alpha * b - beta * a) / denominator
                if 0.0 < stationary < 1.0:
                    candidates.append(stationary)
            for t in candidates:
                excess = alpha + beta * t
                variance = a + 2.0 * b * t + c * t * t
                if excess <= 0.0:
                    continue
                if variance <= 0.0:
                    return None  # a riskless portfolio: unbounded Sharpe, left to the solver
                sharpe = excess / np.sqrt(variance)
                lam = self.lambdas[k + 1] + t * (self.lambdas[k] - self.lambdas[k + 1])
                if best is None or sharpe > best[0]:
                    best = (sharpe, low + t * d, float(lam))
        if best is None:
            return None
        _, weights, lam = best
        excess = float(mu @ weights) - risk_free_rate
        tangent = float(weights @ cov @ weights) / excess
        # Along the frontier d(variance)/d(return) = 2 lam, so the Sharpe ratio rises while
        # variance / excess > lam: they are equal at the maximum. A turning point holds for a
        # range of lam (the top up to infinity, a vertex over the pair-freeing gap): the
        # tangent must lie in it.
        same = np.max(np.abs(self.weights - weights), axis=1) <= 1e-12
        low_lam, high_lam = lam, lam
        if same.any():
            low_lam = float(np.min(self.lambdas[same]))
            high_lam = np.inf if same[0] else float(np.max(self.lambdas[same]))
        slack = 1e-7 * max(abs(tangent), 1e-12)
        return weights if low_lam - slack <= tangent <= high_lam + slack else None


def critical_line(mu: FloatArray, cov: FloatArray, lower: FloatArray, upper: FloatArray,
                  top: FloatArray) -> CriticalLine | None:
    """The turning points, starting from ``top`` (the greedy highest-return portfolio), or
    None when the algorithm cannot proceed (the caller then uses its convex solver)."""
    n = mu.size
    fixed = upper - lower <= 0.0
    # The greedy fill may leave an asset a rounding error away from a bound: it is at it.
    reach = _BOUND * max(1.0, float(np.max(np.abs(top))))
    status = np.where(top <= lower + reach, -1, np.where(top >= upper - reach, 1, 0))
    status[fixed] = -1
    # The highest-return portfolio is unique unless weight can move between equal returns;
    # then the frontier starts at the least risky of them, which needs a QP: left to the solver.
    up, down = _room(status, fixed)
    ties = (mu[:, None] == mu[None, :]) & up[:, None] & down[None, :]
    np.fill_diagonal(ties, False)
    if ties.any():
        return None
    lam = np.inf
    lambdas: list[float] = []
    turns: list[FloatArray] = []
    weights = top.copy()
    # An asset just freed cannot at once return to the bound it left, nor can one just bound
    # at once leave it (its multiplier is zero there): rounding could make it the next event.
    freed_from: dict[int, int] = {}
    just_bound = -1
    for _ in range(4 * n + 10):
        if lam == np.inf or not np.any(status == 0):
            # A vertex (or the top): it stays optimal until a pair of assets is freed.
            pair = _free_pair(mu, cov @ weights, status, fixed, lam)
            lambdas.append(0.0 if pair is None else pair[0])
            turns.append(weights)
            if pair is None:
                break
            lam, i, j = pair
            freed_from = {k: int(status[k]) for k in (i, j) if status[k] != 0}
            status[[i, j]] = 0
            just_bound = -1
        segment = _segment(mu, cov, lower, upper, status)
        if segment is None:
            return None
        w0, w1, g0, g1 = segment
        if not _continuous(w0 + lam * w1, turns[-1]):
            return None
        free = status == 0
        candidates = np.full(n, -np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            hits_lower = free & (w1 > 0.0)
            hits_upper = free & (w1 < 0.0)
            for k, side in freed_from.items():
                (hits_lower if side == -1 else hits_upper)[k] = False
            candidates[hits_lower] = ((lower - w0) / w1)[hits_lower]
            candidates[hits_upper] = ((upper - w0) / w1)[hits_upper]
            leaves_lower = (status == -1) & ~fixed & (g1 > 0.0)
            leaves_upper = (status == 1) & (g1 < 0.0)
            leaving = leaves_lower | leaves_upper
            candidates[leaving] = (-g0 / g1)[leaving]
        if just_bound >= 0:
            candidates[just_bound] = -np.inf
        candidates[candidates >= lam] = -np.inf
        event = int(np.argmax(candidates))
        following = max(float(candidates[event]), 0.0)
        if not (_feasible(w0, w1, g0, g1, status, lower, upper, lam)
                and _feasible(w0, w1, g0, g1, status, lower, upper, following)):
            return None
        lam, weights = following, w0 + following * w1
        lambdas.append(lam)
        turns.append(weights)
        if lam == 0.0:
            break
        freed_from, just_bound = {}, -1
        if status[event] != 0:
            freed_from = {event: int(status[event])}
            status[event] = 0
            continue
        # Free weights reaching a bound here too (simultaneous events) are bound with it.
        reach = _BOUND * max(1.0, float(np.max(np.abs(weights))))
        at_lower = free & (w1 > 0.0) & (weights - lower <= reach)
        at_upper = free & (w1 < 0.0) & (upper - weights <= reach)
        at_lower[event], at_upper[event] = w1[event] > 0.0, w1[event] < 0.0
        status[at_lower], status[at_upper] = -1, 1
        weights = np.where(at_lower, lower, np.where(at_upper, upper, weights))
        turns[-1] = weights
        just_bound = event
    else:
        return None
    result = np.array(turns)
    return CriticalLine(np.array(lambdas), result, result @ mu)


def _room(status: np.ndarray, fixed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Assets whose weight can rise, and those whose weight can fall."""
    return (status != 1) & ~fixed, (status != -1) & ~fixed


def _free_pair(mu: FloatArray, s: FloatArray, status: np.ndarray, fixed: np.ndarray,
               below: float) -> tuple[float, int, int] | None:
    """Where the current point stops being optimal as ``lam`` falls, and the pair to free.

    With ``s = S w`` the bounds' multipliers need a budget multiplier ``gamma`` with
    ``lam mu_i - s_i <= gamma <= lam mu_j - s_j`` for every i that can rise and j that can
    fall; for ``mu_j > mu_i`` that fails below ``(s_j - s_i) / (mu_j - mu_i)``. None: the
    point stays optimal down to ``lam = 0`` (it is the minimum-variance portfolio).
    """
    up, down = _room(status, fixed)
    gain = mu[None, :] - mu[:, None]  # [i, j] = mu_j - mu_i
    pairs = up[:, None] & down[None, :] & (gain > 0.0)
    if not pairs.any():
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        start = np.where(pairs, (s[None, :] - s[:, None]) / gain, -np.inf)
    i, j = np.unravel_index(int(np.argmax(start)), start.shape)
    lam = min(float(start[i, j]), below)
    return None if lam <= 0.0 else (lam, int(i), int(j))


def _segment(mu: FloatArray, cov: FloatArray, lower: FloatArray, upper: FloatArray,
             status: np.ndarray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None:
    """Weights ``w0 + lam w1`` and bound multipliers' gradient ``g0 + lam g1`` on one set.

    g = S w - lam mu + gamma 1 is zero on the free set, >= 0 at a lower bound and <= 0 at an
    upper bound (gamma: the budget's multiplier).
    """
    free = status == 0
    m = int(free.sum())
    if m == 0:
        return None
    bound = np.where(status == 1, upper, lower)
    base = np.where(free, 0.0, bound)
    kkt = np.zeros((m + 1, m + 1))
    kkt[:m, :m] = cov[np.ix_(free, free)]
    kkt[:m, m] = 1.0
    kkt[m, :m] = 1.0
    rhs = np.zeros((m + 1, 2))
    rhs[:m, 0] = -(cov[free] @ base)
    rhs[m, 0] = 1.0 - base.sum()
    rhs[:m, 1] = mu[free]
    try:
        solution = np.linalg.solve(kkt, rhs)
    except np.linalg.LinAlgError:
        return None
    scale = max(1.0, float(np.max(np.abs(rhs))), float(np.max(np.abs(kkt))))
    if not np.max(np.abs(kkt @ solution - rhs)) <= _RESIDUAL * scale:
        return None  # a singular covariance on the free set
    w0, w1 = base.copy(), np.zeros_like(base)
    w0[free], w1[free] = solution[:m, 0], solution[:m, 1]
    g0 = cov @ w0 + solution[m, 0]
    g1 = cov @ w1 - mu + solution[m, 1]
    g0[free], g1[free] = 0.0, 0.0
    return w0, w1, g0, g1


def _continuous(weights: FloatArray, previous: FloatArray) -> bool:
    return bool(np.max(np.abs(weights - previous)) <= _CONTINUITY)


def _feasible(w0: FloatArray, w1: FloatArray, g0: FloatArray, g1: FloatArray,
              status: np.ndarray, lower: FloatArray, upper: FloatArray, lam: float) -> bool:
    """The KKT conditions at ``lam`` (stationarity and the budget hold by construction)."""
    weights = w0 + lam * w1
    if not np.all(np.isfinite(weights)):
        return False
    if np.any(weights < lower - _FEASIBLE) or np.any(weights > upper + _FEASIBLE):
        return False
    gradient = g0 + lam * g1
    scale = _DUAL * max(1.0, float(np.max(np.abs(w0))), lam * float(np.max(np.abs(w1))),
                        float(np.max(np.abs(g0))), lam * float(np.max(np.abs(g1))))
    fixed = upper - lower <= 0.0
    wrong = ((status == -1) & ~fixed & (gradient < -scale)) | ((status == 1) & (gradient > scale))
    return not bool(wrong.any())

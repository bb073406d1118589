"""Speed of the exact frontier: the 50-point frontier plus the maximum-Sharpe portfolio.

In one run, on the same estimates (180 days of synthetic, correlated 5-minute closes) and the
same 50 target returns, long-only:
  ours       ``Markowitz.frontier(50)`` and ``Markowitz.max_sharpe()``: the critical line
             algorithm (the frontier's turning points, every point interpolated between two of
             them, max-Sharpe in closed form on its segment, all checked by the KKT conditions).
             "cold" builds the optimiser and traces the turning points: what a new set of
             estimates costs (the strategy's scheduled recomputation). "warm" re-runs on a built
             optimiser, whose turning points are cached: only the interpolation and scoring.
  reference  the same optimiser on its cvxpy path (``critical_line=False``): each problem built
             once with Parameters, re-solved by Clarabel at 1e-10 and polished to the exact
             active-set optimum. Not timed; the weights everything is compared with.
  PyPortfolioOpt at its best, as its documentation allows: ONE ``EfficientFrontier`` whose
             ``efficient_return`` is called for the 50 targets (from the second call on it only
             updates its ``target_return`` cvxpy Parameter and re-solves the compiled problem),
             and ``max_sharpe`` on its own instance (it rewrites the constraints, so it cannot
             share one). Solver: Clarabel at its default tolerances, the fastest here (OSQP is
             slower at 6 assets and fails at 50, SCS is slower at both; ``--solvers`` prints
             them). At default tolerances its minimum-variance end is off by ~1e-4 in weights
             (a flat direction; the other points by ~1e-6). "cold" builds and compiles the
             instances; "warm" re-solves on the already compiled frontier instance (max-Sharpe
             has no warm form: it rewrites its instance's constraints, so it needs a new one).
  random     the 2018 method: 10,000 random long-only portfolios scored with numpy (context:
             fast but inexact).
Rounds are interleaved (``interleave.py``: the four arms in one order, then reversed, ...); min
and median over the rounds;
ratio = PyPortfolioOpt / ours (> 1: ours is faster). max |dw| is the largest weight difference
over the 51 portfolios.
``--solver-path`` times our cvxpy path as "ours" instead (the figures before the critical line).
Usage: python bench/frontier.py [--rounds N] [--solvers] [--solver-path]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import numpy as np
from interleave import Arm, conditions, interleaved, min_median, ratios
from pypfopt import EfficientFrontier

from strategies.efficient_frontier.portfolio import MarketEstimate, Markowitz, estimate

RISK_FREE = 0.03
POINTS = 50
RANDOM = 10_000
BAR = timedelta(minutes=5)
BARS = 180 * 288
SIZES = ((6, 1), (50, 2))


def synthetic_closes(assets: int, seed: int) -> np.ndarray:
    """Closes from a two-factor model: crypto-like drifts, vols and correlations."""
    rng = np.random.default_rng(seed)
    periods = timedelta(days=365) / BAR
    drift = rng.uniform(-0.2, 1.0, assets) / periods
    vols = rng.uniform(0.5, 1.2, assets)
    loadings = np.column_stack([rng.uniform(0.6, 0.9, assets), rng.uniform(-0.3, 0.3, assets)])
    idio = np.sqrt(np.clip(1.0 - (loadings**2).sum(axis=1), 0.05, None))
    shocks = rng.standard_normal((BARS, 2)) @ loadings.T + rng.standard_normal((BARS, assets)) * idio
    log_returns = drift + shocks * vols / np.sqrt(periods)
    closes: np.ndarray = 100.0 * np.exp(
        np.vstack([np.zeros((1, assets)), np.cumsum(log_returns, axis=0)])
    )
    return closes


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def weights_of(ef: EfficientFrontier) -> np.ndarray:
    return np.array(list(ef.clean_weights(cutoff=0, rounding=None).values()))


class PyPortfolioOpt:
    """PyPortfolioOpt at its best: one frontier instance re-solved, max-Sharpe on its own."""

    def __init__(self, market: MarketEstimate, targets: np.ndarray, solver: str,
                 options: dict[str, Any] | None = None) -> None:
        self.market, self.targets = market, targets
        self.solver, self.options = solver, options or {}
        self.frontier: EfficientFrontier | None = None

    def _instance(self) -> EfficientFrontier:
        return EfficientFrontier(self.market.expected_returns, self.market.covariance,
                                 solver=self.solver, solver_options=self.options)

    def run(self, *, warm: bool = False) -> list[np.ndarray]:
        if not warm or self.frontier is None:
            self.frontier = self._instance()
        results = []
        for target in self.targets:
            self.frontier.efficient_return(float(target))
            results.append(weights_of(self.frontier))
        sharpe = self._instance()
        sharpe.max_sharpe(risk_free_rate=RISK_FREE)
        results.append(weights_of(sharpe))
        return results


def max_dw(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b, strict=True))


def setup(assets: int, seed: int) -> tuple[MarketEstimate, np.ndarray, list[np.ndarray]]:
    """The estimates, the 50 targets and the cvxpy reference answers."""
    market = estimate(synthetic_closes(assets, seed), [f"C{i:02d}" for i in range(assets)],
                      bar_interval=BAR)
    reference = Markowitz.from_estimate(market, risk_free_rate=RISK_FREE, critical_line=False)
    frontier = reference.frontier(POINTS)
    targets = np.array([p.expected_return for p in frontier])
    # PyPortfolioOpt's own LP bounds the top target; stay a hair inside it.
    targets[-1] -= 1e-9 * max(1.0, abs(targets[-1]))
    return market, targets, [p.as_array() for p in (*frontier, reference.max_sharpe())]


def measure(assets: int, seed: int, rounds: int, critical_line: bool) -> dict[str, Any]:
    market, targets, reference = setup(assets, seed)

    def ours_cold() -> list[np.ndarray]:
        optimiser = Markowitz.from_estimate(market, risk_free_rate=RISK_FREE,
                                            critical_line=critical_line)
        return [p.as_array() for p in (*optimiser.frontier(POINTS), optimiser.max_sharpe())]

    built = Markowitz.from_estimate(market, risk_free_rate=RISK_FREE, critical_line=critical_line)
    theirs = PyPortfolioOpt(market, targets, "CLARABEL")
    ours_answer, their_answer = ours_cold(), theirs.run()
    arms: list[Arm] = [
        ("cold", partial(timed, ours_cold)), ("p_cold", partial(timed, theirs.run)),
        ("warm", partial(timed, lambda: (built.frontier(POINTS), built.max_sharpe()))),
        ("p_warm", partial(timed, partial(theirs.run, warm=True))),
    ]
    times = interleaved(rounds, arms)
    random_times = [timed(lambda: built.random_portfolios(RANDOM, seed=seed).best())
                    for _ in range(rounds)]
    exact = built.max_sharpe()
    return {
        **times,
        "random": min(random_times),
        "exact_sharpe": exact.sharpe,
        "random_sharpe": built.random_portfolios(RANDOM, seed=seed).best().sharpe,
        "dw_theirs": max_dw(ours_answer, their_answer),
        "dw_reference": max_dw(ours_answer, reference),
        "their_dw_reference": max_dw(their_answer, reference),
    }


def solvers(rounds: int) -> None:
    """PyPortfolioOpt's time and accuracy with each installed solver (why Clarabel)."""
    print("\nPyPortfolioOpt at its best, by solver (default tolerances): warm min time, "
          "max |dw| vs the exact reference")
    for assets, seed in SIZES:
        market, targets, reference = setup(assets, seed)
        for solver in ("CLARABEL", "OSQP", "SCS"):
            runner = PyPortfolioOpt(market, targets, solver)
            try:
                answer = runner.run()
                best = min(timed(partial(runner.run, warm=True)) for _ in range(rounds))
            except Exception as error:  # report any solver's failure and go on
                print(f"{assets:>4} assets  {solver:<9} failed: {error!r:.80}")
                continue
            print(f"{assets:>4} assets  {solver:<9} {best * 1e3:>8.1f} ms   "
                  f"max |dw| {max_dw(answer, reference):.1e}")


def ms(times: list[float]) -> str:
    low, middle = min_median(times)
    return f"{low * 1e3:>6.2f}/{middle * 1e3:<6.2f}"


def ratio(r: dict[str, Any], ours: str, theirs: str) -> str:
    low, middle = ratios(r[theirs], r[ours])
    return f"{low:>5.1f}/{middle:<5.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--solvers", action="store_true", help="also compare pypfopt's solvers")
    parser.add_argument("--solver-path", action="store_true",
                        help="time our cvxpy path instead of the critical line (the old figures)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Solution may be inaccurate")
    print(conditions("before"))
    ours = "cvxpy + polish" if args.solver_path else "critical line"
    print(f"50-point frontier + max-Sharpe, {BARS:,} bars of 5-minute closes, long-only; ours: "
          f"{ours}; {args.rounds} interleaved rounds, min / median in ms")
    header = (f"{'assets':>6} | {'ours cold':>13} | {'pypfopt cold':>13} | {'ratio':>11} | "
              f"{'ours warm':>13} | {'pypfopt warm':>13} | {'ratio':>11} | "
              f"{'|dw| pypfopt':>12} | {'|dw| ref':>8} | {'pypfopt |dw| ref':>16}")
    print(header)
    print("-" * len(header))
    rows = []
    for assets, seed in SIZES:
        r = measure(assets, seed, args.rounds, critical_line=not args.solver_path)
        rows.append((assets, r))
        print(f"{assets:>6} | {ms(r['cold'])} | {ms(r['p_cold'])} | {ratio(r, 'cold', 'p_cold')} | "
              f"{ms(r['warm'])} | {ms(r['p_warm'])} | {ratio(r, 'warm', 'p_warm')} | "
              f"{r['dw_theirs']:>12.1e} | {r['dw_reference']:>8.1e} | "
              f"{r['their_dw_reference']:>16.1e}")
    print("ratio = PyPortfolioOpt / ours, min/median (> 1: ours is faster); |dw| ref = against "
          "the exact cvxpy+polish reference")
    print("\ncontext, the 2018 method: 10,000 random long-only portfolios")
    for assets, r in rows:
        print(f"{assets:>6} assets: {r['random'] * 1e3:.1f} ms ({r['random'] / min(r['cold']):.1f}x "
              f"ours cold), best random Sharpe "
              f"{r['random_sharpe']:.4f} vs exact {r['exact_sharpe']:.4f} "
              f"(gap {r['exact_sharpe'] - r['random_sharpe']:.3f})")
    if args.solvers:
        solvers(args.rounds)
    print(conditions("after"))


if __name__ == "__main__":
    main()

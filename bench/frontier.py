"""Speed of the exact frontier: the 50-point frontier plus the maximum-Sharpe portfolio.

In one run, on the same estimates (180 days of synthetic, correlated 5-minute closes):
  ours       ``Markowitz``: each cvxpy problem built once with Parameters and re-solved
             (warm: Clarabel's workspace reused), every answer polished to the exact optimum.
             "cold" includes building and compiling the problems; "warm" re-runs on a built
             optimiser, as the strategy's scheduled recomputation would.
  pypfopt    PyPortfolioOpt as a user calls it: 50 ``efficient_return`` calls and one
             ``max_sharpe``, each on a fresh ``EfficientFrontier``, with Clarabel at its default
             tolerances (cvxpy's default for these QPs, OSQP, stops at its iteration limit on
             the 50-asset problem).
  random     the 2018 method: 10,000 random long-only portfolios, scored with numpy.
Times are the best of several repeats; ratios are baseline / ours (cold).
Usage: python bench/frontier.py
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from datetime import timedelta

import numpy as np
from pypfopt import EfficientFrontier

from strategies.efficient_frontier.portfolio import MarketEstimate, Markowitz, estimate

RISK_FREE = 0.03
POINTS = 50
RANDOM = 10_000
BAR = timedelta(minutes=5)
BARS = 180 * 288


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


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """Fastest wall time of ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def pypfopt_frontier(market: MarketEstimate, targets: np.ndarray) -> list[np.ndarray]:
    """The same frontier and max-Sharpe the way a PyPortfolioOpt user would compute them."""
    results = []
    for target in targets:
        ef = EfficientFrontier(market.expected_returns, market.covariance, solver="CLARABEL")
        ef.efficient_return(float(target))
        results.append(np.array(list(ef.clean_weights(cutoff=0, rounding=None).values())))
    ef = EfficientFrontier(market.expected_returns, market.covariance, solver="CLARABEL")
    ef.max_sharpe(risk_free_rate=RISK_FREE)
    results.append(np.array(list(ef.clean_weights(cutoff=0, rounding=None).values())))
    return results


def measure(assets: int, seed: int) -> dict[str, float]:
    market = estimate(synthetic_closes(assets, seed), [f"C{i:02d}" for i in range(assets)],
                      bar_interval=BAR)

    def ours_cold() -> list[np.ndarray]:
        optimiser = Markowitz.from_estimate(market, risk_free_rate=RISK_FREE)
        return [p.as_array() for p in (*optimiser.frontier(POINTS), optimiser.max_sharpe())]

    built = Markowitz.from_estimate(market, risk_free_rate=RISK_FREE)
    frontier = built.frontier(POINTS)
    exact = built.max_sharpe()
    # PyPortfolioOpt's own LP bounds the top target; stay a hair inside it.
    targets = np.array([p.expected_return for p in frontier])
    targets[-1] -= 1e-9 * max(1.0, abs(targets[-1]))
    cloud = built.random_portfolios(RANDOM, seed=seed)

    ours = [p.as_array() for p in (*frontier, exact)]
    theirs = pypfopt_frontier(market, targets)
    return {
        "cold": best_of(5, ours_cold),
        "warm": best_of(5, lambda: (built.frontier(POINTS), built.max_sharpe())),
        "pypfopt": best_of(3, lambda: pypfopt_frontier(market, targets)),
        "random": best_of(5, lambda: built.random_portfolios(RANDOM, seed=seed).best()),
        "exact_sharpe": exact.sharpe,
        "random_sharpe": cloud.best().sharpe,
        "max_dw": max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs, strict=True)),
    }


def main() -> None:
    warnings.filterwarnings("ignore", message="Solution may be inaccurate")
    print(f"50-point frontier + max-Sharpe, {BARS:,} bars of 5-minute closes (best of repeats)")
    header = (f"{'assets':>6} | {'ours cold':>10} | {'ours warm':>10} | {'PyPortfolioOpt':>14} | "
              f"{'ratio':>6} | {'10k random':>10} | {'ratio':>6} | {'max-Sharpe':>10} | "
              f"{'best random':>11} | {'gap':>6} | {'max |dw| vs PyPfOpt':>19}")
    print(header)
    print("-" * len(header))
    for assets, seed in ((6, 1), (50, 2)):
        r = measure(assets, seed)
        print(f"{assets:>6} | {r['cold'] * 1e3:>8.1f}ms | {r['warm'] * 1e3:>8.1f}ms | "
              f"{r['pypfopt'] * 1e3:>12.1f}ms | {r['pypfopt'] / r['cold']:>5.1f}x | "
              f"{r['random'] * 1e3:>8.1f}ms | {r['random'] / r['cold']:>5.2f}x | "
              f"{r['exact_sharpe']:>10.4f} | {r['random_sharpe']:>11.4f} | "
              f"{r['exact_sharpe'] - r['random_sharpe']:>6.3f} | {r['max_dw']:>19.1e}")
    print("ratio = baseline time / ours cold (PyPortfolioOpt: >1 means ours is faster; "
          "random: <1 means the random cloud is faster but inexact)")


if __name__ == "__main__":
    main()

"""Ledoit-Wolf shrinkage matches the published formulas and independent implementations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pypfopt.risk_models import CovarianceShrinkage
from sklearn.covariance import ledoit_wolf

from strategies.efficient_frontier.portfolio import estimate, shrinkage


def _returns(bars: int, assets: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factors = rng.standard_t(5, size=(bars, 2))
    loadings = rng.uniform(-1.0, 1.5, size=(2, assets))
    noise = rng.standard_t(5, size=(bars, assets)) * rng.uniform(0.3, 1.5, assets)
    return 0.002 * (factors @ loadings + noise)


def _constant_correlation_by_loops(x: np.ndarray) -> tuple[np.ndarray, float]:
    """The paper's estimator written entry by entry (slow, obviously right)."""
    t, n = x.shape
    y = x - x.mean(axis=0)
    s = y.T @ y / t
    sd = np.sqrt(np.diag(s))
    rbar = sum(s[i, j] / (sd[i] * sd[j]) for i in range(n) for j in range(n) if i != j)
    rbar /= n * (n - 1)
    f = np.array([[s[i, i] if i == j else rbar * sd[i] * sd[j] for j in range(n)]
                  for i in range(n)])
    pi = np.array([[np.mean((y[:, i] * y[:, j] - s[i, j]) ** 2) for j in range(n)]
                   for i in range(n)])

    def theta(k: int, i: int, j: int) -> float:
        return float(np.mean((y[:, k] ** 2 - s[k, k]) * (y[:, i] * y[:, j] - s[i, j])))

    rho = float(np.trace(pi))
    for i in range(n):
        for j in range(n):
            if i != j:
                rho += rbar / 2 * (np.sqrt(s[j, j] / s[i, i]) * theta(i, i, j)
                                   + np.sqrt(s[i, i] / s[j, j]) * theta(j, i, j))
    gamma = float(np.sum((f - s) ** 2))
    delta = max(0.0, min(1.0, (pi.sum() - rho) / gamma / t))
    return delta * f + (1 - delta) * s, delta


def test_constant_correlation_matches_the_formula_entry_by_entry() -> None:
    x = _returns(120, 5, seed=3)
    expected, expected_delta = _constant_correlation_by_loops(x)
    shrunk, delta = shrinkage.constant_correlation(x)
    assert 0.0 < delta < 1.0
    assert delta == pytest.approx(expected_delta, rel=1e-12)
    np.testing.assert_allclose(shrunk, expected, rtol=1e-12, atol=0)


def test_constant_correlation_agrees_with_pypfopt() -> None:
    # PyPortfolioOpt divides the sample covariance by T-1 instead of T, a 1/T difference.
    x = _returns(20_000, 6, seed=4)
    reference = CovarianceShrinkage(pd.DataFrame(x), returns_data=True, frequency=1)
    expected = reference.ledoit_wolf(shrinkage_target="constant_correlation").to_numpy()
    shrunk, delta = shrinkage.constant_correlation(x)
    assert delta == pytest.approx(reference.delta, rel=1e-3)
    np.testing.assert_allclose(shrunk, expected, rtol=1e-3)


def test_identity_matches_sklearn() -> None:
    x = _returns(300, 8, seed=5)
    expected, expected_delta = ledoit_wolf(x)
    shrunk, delta = shrinkage.identity(x)
    assert delta == pytest.approx(expected_delta, rel=1e-10)
    np.testing.assert_allclose(shrunk, expected, rtol=1e-10, atol=1e-16)


@pytest.mark.parametrize("method", ["constant_correlation", "identity"])
def test_estimate_annualises_the_shrunk_per_bar_covariance(method: str) -> None:
    x = _returns(500, 4, seed=6)
    closes = 100.0 * np.vstack([np.ones((1, 4)), np.cumprod(1.0 + x, axis=0)])
    result = estimate(closes, ["A", "B", "C", "D"], shrinkage=method)  # type: ignore[arg-type]
    per_bar, delta = getattr(shrinkage, method)(x)
    assert result.shrinkage_intensity == pytest.approx(delta, rel=1e-12)
    np.testing.assert_allclose(result.covariance, per_bar * 105_120.0, rtol=1e-9)
    assert np.linalg.eigvalsh(result.covariance)[0] > 0.0


@pytest.mark.parametrize("method", ["constant_correlation", "identity"])
def test_fewer_bars_shrink_harder(method: str) -> None:
    few = getattr(shrinkage, method)(_returns(30, 25, seed=7))[1]
    many = getattr(shrinkage, method)(_returns(3_000, 25, seed=7))[1]
    assert few > 0.2
    assert many < 0.01

"""Returns and covariance are annualised for markets that trade every day."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from strategies.efficient_frontier.portfolio import (
    InvalidInput,
    bar_returns,
    estimate,
    periods_per_year,
)
from strategies.efficient_frontier.portfolio.arrays import FloatArray

BARS = 180 * 288  # 180 days of 5-minute bars
PERIODS = 105_120.0


def _standard_normals(columns: int, seed: int) -> FloatArray:
    """Antithetic, centred, orthonormalised draws: exact sample moments, zero odd moments."""
    rng = np.random.default_rng(seed)
    half = rng.standard_normal((BARS // 2, columns))
    z = np.vstack([half, -half])
    q: FloatArray = np.linalg.qr(z)[0] * np.sqrt(BARS - 1)
    return q  # columns: mean 0, sample variance 1 (ddof=1), uncorrelated


def _prices(log_returns: FloatArray) -> FloatArray:
    start = np.full((1, log_returns.shape[1]), 100.0)
    prices: FloatArray = start * np.exp(np.vstack([np.zeros((1, log_returns.shape[1])),
                                     np.cumsum(log_returns, axis=0)]))
    return prices


@pytest.mark.parametrize(
    ("interval", "expected"),
    [(timedelta(minutes=5), 105_120.0), (timedelta(hours=1), 8_760.0),
     (timedelta(days=1), 365.0), (timedelta(minutes=1), 525_600.0)],
)
def test_periods_per_year_counts_every_day(interval: timedelta, expected: float) -> None:
    assert periods_per_year(interval) == expected


def test_non_positive_interval_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="positive"):
        periods_per_year(timedelta(0))


def test_log_returns_recover_known_drift_volatility_and_correlation() -> None:
    growth, vols, rho = np.array([0.4, -0.1]), np.array([0.8, 0.5]), 0.6
    z = _standard_normals(2, seed=1)
    mixed = np.column_stack([z[:, 0], rho * z[:, 0] + np.sqrt(1 - rho**2) * z[:, 1]])
    log_returns = growth / PERIODS + mixed * vols / np.sqrt(PERIODS)
    result = estimate(_prices(log_returns), ["BTC", "ETH"], kind="log")
    assert result.periods_per_year == PERIODS
    assert result.bars == BARS
    np.testing.assert_allclose(result.expected_returns, growth, rtol=0, atol=1e-9)
    expected_cov = np.outer(vols, vols) * np.array([[1.0, rho], [rho, 1.0]])
    np.testing.assert_allclose(result.covariance, expected_cov, rtol=1e-9, atol=0)


def test_simple_returns_recover_the_arithmetic_drift() -> None:
    # Log growth g and volatility s give an arithmetic drift of g + s^2/2 per year.
    growth, vol = 0.2, 0.9
    z = _standard_normals(1, seed=2)
    log_returns = growth / PERIODS + z * vol / np.sqrt(PERIODS)
    result = estimate(_prices(log_returns), ["SOL"])  # default: simple returns
    assert result.kind == "simple"
    assert result.expected_returns[0] == pytest.approx(growth + vol**2 / 2, abs=1e-4)
    assert np.sqrt(result.covariance[0, 0]) == pytest.approx(vol, rel=1e-3)


def test_hourly_bars_annualise_with_8760_periods() -> None:
    closes = np.array([[100.0], [101.0], [100.0], [102.0]])
    per_bar = bar_returns(closes)
    result = estimate(closes, ["BTC"], bar_interval=timedelta(hours=1))
    assert result.expected_returns[0] == pytest.approx(per_bar.mean() * 8_760)
    assert result.covariance[0, 0] == pytest.approx(per_bar.var(ddof=1) * 8_760)


def test_bar_returns_of_each_kind() -> None:
    closes = np.array([[100.0, 10.0], [110.0, 9.0]])
    np.testing.assert_allclose(bar_returns(closes, "simple"), [[0.1, -0.1]])
    np.testing.assert_allclose(bar_returns(closes, "log"), [[np.log(1.1), np.log(0.9)]])


def test_results_are_read_only() -> None:
    result = estimate(np.array([[1.0, 2.0], [1.1, 2.1], [1.2, 2.0]]), ["A", "B"])
    with pytest.raises(ValueError, match="read-only"):
        result.covariance[0, 0] = 1.0


@pytest.mark.parametrize(
    ("closes", "message"),
    [(np.array([[1.0], [np.nan], [1.0]]), "finite and positive; bar 1, asset 0"),
     (np.array([[1.0], [0.0], [1.0]]), "finite and positive"),
     (np.array([1.0, 2.0, 3.0]), "2-D"),
     (np.array([[1.0, 2.0], [1.0, 2.0]]), "at least three closes"),
     (np.array([[1.0, 2.0]]), "at least 2 bars")],
)
def test_malformed_prices_are_rejected(closes: np.ndarray, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        estimate(closes, [f"A{i}" for i in range(closes.shape[-1])])


def test_names_must_match_columns_and_be_unique() -> None:
    closes = np.array([[1.0, 2.0], [1.1, 2.1], [1.2, 2.0]])
    with pytest.raises(InvalidInput, match="2 columns but 3 names"):
        estimate(closes, ["A", "B", "C"])
    with pytest.raises(InvalidInput, match="unique; repeated: A"):
        estimate(closes, ["A", "A"])

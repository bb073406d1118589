"""Random portfolios are seeded, long-only, fully invested and scored like any other."""

from __future__ import annotations

import numpy as np
import pytest

from strategies.efficient_frontier.portfolio import InvalidInput, Markowitz, random_portfolios

NAMES = ("BTC", "ETH", "XMR", "ZEC")
MU = np.array([0.40, 0.60, 0.20, 0.30])
COV = np.array([[0.36, 0.30, 0.25, 0.20], [0.30, 0.64, 0.30, 0.25],
                [0.25, 0.30, 0.49, 0.20], [0.20, 0.25, 0.20, 0.81]])


@pytest.mark.parametrize("sampling", ["dirichlet", "normalised_uniform"])
def test_long_only_fully_invested_and_reproducible(sampling: str) -> None:
    first = random_portfolios(NAMES, MU, COV, 1_000, seed=7, sampling=sampling)  # type: ignore[arg-type]
    again = random_portfolios(NAMES, MU, COV, 1_000, seed=np.random.default_rng(7),
                              sampling=sampling)  # type: ignore[arg-type]
    other = random_portfolios(NAMES, MU, COV, 1_000, seed=8, sampling=sampling)  # type: ignore[arg-type]
    assert first.weights.shape == (1_000, 4)
    assert np.all(first.weights >= 0.0)
    np.testing.assert_allclose(first.weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(first.weights, again.weights)
    assert not np.array_equal(first.weights, other.weights)


def test_scores_match_evaluate() -> None:
    optimiser = Markowitz(NAMES, MU, COV)
    cloud = optimiser.random_portfolios(50, seed=3)
    for row in (0, 17, 49):
        single = optimiser.evaluate(cloud.weights[row])
        assert cloud.expected_returns[row] == pytest.approx(single.expected_return, abs=1e-15)
        assert cloud.volatilities[row] == pytest.approx(single.volatility, abs=1e-15)
        assert cloud.sharpes[row] == pytest.approx(single.sharpe, abs=1e-14)


def test_best_is_the_highest_sharpe_row() -> None:
    cloud = random_portfolios(NAMES, MU, COV, 500, seed=4)
    best = cloud.best()
    assert best.sharpe == cloud.sharpes.max()
    assert best.weights == tuple(cloud.weights[int(cloud.sharpes.argmax())])
    assert best.label == "best_random"


def test_dirichlet_spreads_wider_than_the_2018_method() -> None:
    # Normalised uniform draws crowd towards equal weights; Dirichlet(1) covers the simplex.
    uniform = random_portfolios(NAMES, MU, COV, 20_000, seed=5, sampling="dirichlet")
    legacy = random_portfolios(NAMES, MU, COV, 20_000, seed=5, sampling="normalised_uniform")
    assert uniform.weights.max(axis=1).mean() > legacy.weights.max(axis=1).mean()


def test_unknown_sampling_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="sampling"):
        random_portfolios(NAMES, MU, COV, 10, seed=1, sampling="sobol")  # type: ignore[arg-type]

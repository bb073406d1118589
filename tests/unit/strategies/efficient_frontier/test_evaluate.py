"""Custom weights are scored instantly, and unusable weights are refused with the fix."""

from __future__ import annotations

import numpy as np
import pytest

from strategies.efficient_frontier.portfolio import (
    Constraints,
    InvalidWeights,
    Markowitz,
)

NAMES = ("BTC", "ETH", "XMR")
MU = np.array([0.40, 0.60, 0.20])
COV = np.array([[0.36, 0.30, 0.25], [0.30, 0.64, 0.30], [0.25, 0.30, 0.49]])


def _optimiser(risk_free_rate: float = 0.03) -> Markowitz:
    return Markowitz(NAMES, MU, COV, risk_free_rate=risk_free_rate)


def test_scores_by_the_textbook_formulas() -> None:
    weights = np.array([0.5, 0.3, 0.2])
    result = _optimiser().evaluate(weights)
    volatility = float(np.sqrt(weights @ COV @ weights))
    assert result.names == NAMES
    assert result.weights == (0.5, 0.3, 0.2)
    assert result.expected_return == pytest.approx(0.42, abs=1e-15)
    assert result.volatility == pytest.approx(volatility, abs=1e-15)
    assert result.sharpe == pytest.approx((0.42 - 0.03) / volatility, abs=1e-14)
    assert result.label == "custom"


def test_weights_by_name_default_to_zero() -> None:
    result = _optimiser().evaluate({"ETH": 0.25, "BTC": 0.75})
    assert result.as_dict() == {"BTC": 0.75, "ETH": 0.25, "XMR": 0.0}


def test_risk_free_rate_is_configurable_and_defaults_to_3pc() -> None:
    assert _optimiser().risk_free_rate == 0.03
    result = _optimiser(risk_free_rate=0.0).evaluate([0.0, 1.0, 0.0])
    assert result.sharpe == pytest.approx(0.6 / 0.8)


def test_single_assets_and_covariance() -> None:
    optimiser = _optimiser()
    singles = optimiser.single_assets()
    assert [p.expected_return for p in singles] == pytest.approx(list(MU))
    assert [p.volatility for p in singles] == pytest.approx([0.6, 0.8, 0.7])
    assert [p.label for p in singles] == ["single_asset"] * 3
    np.testing.assert_array_equal(optimiser.covariance, COV)
    with pytest.raises(ValueError, match="read-only"):
        optimiser.covariance[0, 0] = 0.0


def test_slider_rounding_within_tolerance_is_accepted() -> None:
    assert _optimiser().evaluate([0.3333333, 0.3333333, 0.3333334]).weights[2] == 0.3333334


@pytest.mark.parametrize(
    ("weights", "message"),
    [([0.5, 0.3, 0.3], "sum to 1.1, not 1: divide them by 1.1"),
     ([0.5, 0.5], r"expected 3 weights \(BTC, ETH, XMR\), got shape \(2,\)"),
     ([1.2, -0.2, 0.0], "negative weights are not allowed \\(long-only\\): ETH"),
     ([np.nan, 0.5, 0.5], "NaN"),
     ({"BTC": 0.5, "DOGE": 0.5}, "unknown assets: DOGE")],
)
def test_unusable_weights_are_refused(weights: object, message: str) -> None:
    with pytest.raises(InvalidWeights, match=message):
        _optimiser().evaluate(weights)  # type: ignore[arg-type]


def test_shorts_are_scored_when_the_constraints_allow_them() -> None:
    optimiser = Markowitz(NAMES, MU, COV, constraints=Constraints(min_weight=-0.5))
    assert optimiser.evaluate([1.2, -0.2, 0.0]).expected_return == pytest.approx(0.36)

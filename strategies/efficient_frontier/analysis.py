"""Candles in, frontier out: the estimates, the optimiser's portfolios and their dashboard data (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from schemas.events import SCALE
from strategies.candles import Candle

from .controls import Custom, Named, Point, Risk, Selection, Weights
from .portfolio import Constraints, InfeasibleTarget, Markowitz, Portfolio, RandomPortfolios, estimate


def aligned_closes(histories: Mapping[str, Sequence[Candle]], names: Sequence[str]
                   ) -> tuple[list[int], list[list[float]]]:
    """Closes (bars x assets, in ``names`` order) at the candle ends every asset has, oldest first."""
    by_end = {name: {c.end_ts: c.close for c in histories.get(name, ())} for name in names}
    common = set.intersection(*(set(ends) for ends in by_end.values())) if names else set()
    ends = sorted(common)
    return ends, [[by_end[n][end] / SCALE for n in names] for end in ends]


@dataclass(frozen=True, eq=False)
class Analysis:
    """The optimiser on one window of candles, with the portfolios the dashboard shows."""

    model: Markowitz
    frontier: tuple[Portfolio, ...]
    min_variance: Portfolio
    max_sharpe: Portfolio | None  # None when no portfolio beats the risk-free rate
    cloud: RandomPortfolios
    bars: int
    last_ts: int

    @property
    def names(self) -> tuple[str, ...]:
        return self.model.names


def analyse(closes: Sequence[Sequence[float]], names: Sequence[str], *, interval_s: int, last_ts: int,
            max_weight: float, risk_free_rate: float, points: int, cloud_size: int, seed: int) -> Analysis:
    """Estimate from ``closes`` and solve the frontier, the two named portfolios and a random cloud."""
    est = estimate(closes, names, bar_interval=timedelta(seconds=interval_s))
    model = Markowitz.from_estimate(est, constraints=Constraints(max_weight=max_weight),
                                    risk_free_rate=risk_free_rate)
    try:
        best: Portfolio | None = model.max_sharpe()
    except InfeasibleTarget:
        best = None
    return Analysis(model, model.frontier(points), model.min_variance(), best,
                    model.random_portfolios(cloud_size, seed=seed), est.bars, last_ts)


def resolve(analysis: Analysis, selection: Selection) -> tuple[Weights, str]:
    """The weights a selection stands for, and a note when it had to fall back.

    Raises ``PortfolioError`` (an unreachable risk level, custom weights the model refuses).
    """
    note = ""
    if isinstance(selection, Named):
        if selection.name == "max_sharpe" and analysis.max_sharpe is not None:
            chosen = analysis.max_sharpe
        else:
            if selection.name == "max_sharpe":
                note = "no portfolio beats the risk-free rate: using the minimum-variance portfolio"
            chosen = analysis.min_variance
    elif isinstance(selection, Point):
        chosen = analysis.frontier[selection.index]
    elif isinstance(selection, Risk):
        chosen = analysis.model.target_volatility(selection.volatility)
    else:
        assert isinstance(selection, Custom)
        chosen = analysis.model.evaluate(dict(selection.weights))
    return tuple((n, max(0.0, w)) for n, w in zip(chosen.names, chosen.weights, strict=True)), note


def _point(p: Portfolio, **extra: Any) -> dict[str, Any]:
    return {"expected_return": round(p.expected_return, 6), "volatility": round(p.volatility, 6),
            "sharpe": round(p.sharpe, 6) if abs(p.sharpe) != float("inf") else None,
            "weights": {n: round(w, 6) for n, w in zip(p.names, p.weights, strict=True)}, **extra}


def evaluate(analysis: Analysis, weights: Mapping[str, float]) -> Portfolio | None:
    """``weights`` of the analysed assets (scaled to sum to 1) as a portfolio; None when they hold none."""
    total = sum(weights.get(n, 0.0) for n in analysis.names)
    if total <= 0:
        return None
    return analysis.model.evaluate({n: weights.get(n, 0.0) / total for n in analysis.names})


def frontier_data(analysis: Analysis, current: Mapping[str, float] | None,
                  target: Weights | None) -> dict[str, Any]:
    """The ``frontier`` component's data: points to pick, named portfolios, the random cloud."""
    cloud = analysis.cloud
    model = analysis.model

    def scored(weights: Mapping[str, float]) -> dict[str, Any] | None:
        portfolio = evaluate(analysis, weights)
        return None if portfolio is None else _point(portfolio)

    return {
        "points": [_point(p, index=i) for i, p in enumerate(analysis.frontier)],
        "min_variance": _point(analysis.min_variance),
        "max_sharpe": _point(analysis.max_sharpe) if analysis.max_sharpe is not None else None,
        "single_assets": [_point(p, asset=n) for n, p in zip(analysis.names, model.single_assets(),
                                                             strict=True)],
        "cloud": [[round(float(v), 6), round(float(r), 6)]
                  for v, r in zip(cloud.volatilities, cloud.expected_returns, strict=True)],
        "current": scored(current) if current else None,
        "target": scored(dict(target)) if target else None,
        "bars": analysis.bars,
        "estimated_at": analysis.last_ts,
    }

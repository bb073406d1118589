"""Seeded random mean-variance problems shared by the optimiser tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from strategies.efficient_frontier.portfolio.arrays import FloatArray


@dataclass(frozen=True, eq=False)
class Problem:
    names: tuple[str, ...]
    mu: FloatArray
    cov: FloatArray


def random_problem(assets: int, seed: int) -> Problem:
    """Crypto-like annual estimates: vols 40-100%, correlations mostly positive."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(size=(assets, 3)) + np.array([1.5, 0.0, 0.0])
    raw = loadings @ loadings.T + np.diag(rng.uniform(0.3, 1.0, assets))
    stdev = np.sqrt(np.diag(raw))
    vols = rng.uniform(0.4, 1.0, assets)
    cov = raw / np.outer(stdev, stdev) * np.outer(vols, vols)
    mu = rng.uniform(-0.1, 0.8, assets)
    return Problem(tuple(f"C{i:02d}" for i in range(assets)), mu, cov)


@pytest.fixture
def make_problem() -> Callable[[int, int], Problem]:
    return random_problem

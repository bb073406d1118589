"""Ledoit-Wolf covariance shrinkage towards constant correlation or a scaled identity.

Both estimators work on the maximum-likelihood covariance S (divided by T, as in the papers)
and return ``delta * F + (1 - delta) * S`` with the intensity ``delta`` in [0, 1] that
minimises the expected Frobenius loss:

- constant correlation (Ledoit & Wolf 2004, "Honey, I shrunk the sample covariance matrix"):
  F keeps every variance and sets every correlation to the average sample correlation. Suits
  crypto, where most coins move together, and keeps each asset's own volatility.
- identity (Ledoit & Wolf 2004, "A well-conditioned estimator for large-dimensional covariance
  matrices"): F = (mean variance) * I. Pulls variances together too; use it when there are few
  bars for many assets and the conditioning matters more than per-asset volatility.

Shrinkage is scale-free, so shrinking per-bar and then annualising equals the reverse.
"""

from __future__ import annotations

import numpy as np

from .arrays import FloatArray
from .errors import InvalidInput


def _centred(returns: FloatArray) -> tuple[FloatArray, FloatArray]:
    bars = returns.shape[0]
    if bars < 2:
        raise InvalidInput("shrinkage needs at least two return bars")
    centred = returns - returns.mean(axis=0)
    return centred, centred.T @ centred / bars


def constant_correlation(returns: FloatArray) -> tuple[FloatArray, float]:
    """Shrink towards the constant-correlation matrix; returns (covariance, intensity)."""
    x, sample = _centred(returns)
    bars, assets = x.shape
    variances = np.diag(sample).copy()
    if assets < 2:
        return sample, 0.0
    if np.any(variances <= 0.0):
        raise InvalidInput(
            "constant-correlation shrinkage needs every asset's price to vary; "
            "drop constant-price assets or use shrinkage='identity'"
        )
    stdev = np.sqrt(variances)
    scale = np.outer(stdev, stdev)
    mean_correlation = float(((sample / scale).sum() - assets) / (assets * (assets - 1)))
    target = mean_correlation * scale
    np.fill_diagonal(target, variances)

    # pi: summed asymptotic variances of the sample covariances.
    squares = x * x
    pi_matrix = squares.T @ squares / bars - sample * sample
    # rho: asymptotic covariances between the target's and the sample's entries.
    # theta[i, j] = mean over bars of (x_i^2 - s_ii) * (x_i x_j - s_ij)
    theta = (squares * x).T @ x / bars - variances[:, None] * sample
    ratio = stdev[None, :] / stdev[:, None]  # sqrt(s_jj / s_ii)
    off = ~np.eye(assets, dtype=bool)
    rho = float(np.trace(pi_matrix) + mean_correlation * np.sum((ratio * theta)[off]))
    gamma = float(np.sum((target - sample) ** 2))
    if gamma <= 0.0:
        return sample, 0.0
    intensity = float(np.clip((float(pi_matrix.sum()) - rho) / gamma / bars, 0.0, 1.0))
    return intensity * target + (1.0 - intensity) * sample, intensity


def identity(returns: FloatArray) -> tuple[FloatArray, float]:
    """Shrink towards the mean variance times the identity; returns (covariance, intensity)."""
    x, sample = _centred(returns)
    bars, assets = x.shape
    mean_variance = float(np.trace(sample)) / assets
    target = mean_variance * np.eye(assets)
    distance = float(np.sum((sample - target) ** 2))
    if distance <= 0.0:
        return sample, 0.0
    # (1/T^2) * sum_t ||x_t x_t' - S||^2, expanded so no T x n x n array is built.
    norms = np.sum(x * x, axis=1)
    spread = float(np.sum(norms**2) / bars**2 - np.sum(sample**2) / bars)
    intensity = min(max(spread, 0.0), distance) / distance
    return intensity * target + (1.0 - intensity) * sample, intensity

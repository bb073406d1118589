"""Interleaved rounds for a benchmark's ratios, and the conditions to print beside its figures.

``interleaved`` runs the arms A B C in the first round, C B A in the next, and so on, so the drift of a
shared machine (a neighbour's load, a warming cache) falls on every arm alike; each figure is then read as
the min and the median over the rounds, and a ratio as the ratio of the mins and of the medians.
``conditions`` is the date and the machine's load average, printed before and after the figures.
(A helper of ``bench/matching.py`` and ``bench/backtest.py``; it measures nothing by itself.)
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

Arm = tuple[str, Callable[[], float]]
"""A name and a function that does the work once and returns its seconds."""


def interleaved(rounds: int, arms: Sequence[Arm]) -> dict[str, list[float]]:
    """Seconds of each arm in each round, the arms' order reversed every other round."""
    times: dict[str, list[float]] = {name: [] for name, _ in arms}
    for r in range(rounds):
        for name, run in arms if r % 2 == 0 else arms[::-1]:
            times[name].append(run())
    return times


def min_median(xs: Sequence[float]) -> tuple[float, float]:
    return min(xs), statistics.median(xs)


def ratios(slower: Sequence[float], faster: Sequence[float]) -> tuple[float, float]:
    """How many times ``faster``'s time fits in ``slower``'s: of the mins, and of the medians."""
    (smin, smed), (fmin, fmed) = min_median(slower), min_median(faster)
    return smin / fmin, smed / fmed


def conditions(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    return (f"{when}: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
            f"load average {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)")

"""Reconnect delays: exponential backoff with jitter from an injected source (pure).

``delay(n) = d/2 + u * d/2`` with ``d = min(cap, base * 2**n)`` and ``u`` in
[0, 1) drawn from ``jitter`` ("equal jitter": never less than half the
exponential step, so a flapping venue is not hammered, and spread so that many
clients do not reconnect in lock-step). The caller supplies ``jitter`` -- a
seeded ``random.Random(seed).random`` live, a fixed sequence in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """The delay policy; ``attempt`` counts failed connections since the last healthy one."""

    base_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, attempt: int, jitter: Callable[[], float]) -> float:
        """Seconds to wait before connection attempt number ``attempt`` (0 = first retry)."""
        if attempt < 0:
            raise ValueError("attempt must be >= 0")
        step = min(self.cap_s, self.base_s * (1 << min(attempt, 62)))
        u = jitter()
        if not 0.0 <= u < 1.0:
            raise ValueError(f"jitter must be in [0, 1), got {u}")
        return step / 2 + u * step / 2

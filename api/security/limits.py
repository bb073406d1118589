"""A token bucket per caller (pure: the clock is a parameter)."""

from __future__ import annotations

from collections import OrderedDict


class RateLimiter:
    """``rate`` requests per second per caller on average, ``burst`` at once; the least recently seen
    callers are forgotten past ``max_callers`` (a forgotten caller starts with a full bucket)."""

    def __init__(self, rate: float, burst: int, max_callers: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_callers = max_callers
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # caller -> (tokens, at)

    def take(self, caller: str, now: float) -> float:
        """Take one token: 0 if granted, else the seconds until one is there."""
        tokens, at = self._buckets.pop(caller, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self._buckets[caller] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[caller] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        while len(self._buckets) > self.max_callers:
            self._buckets.popitem(last=False)
        return wait

    def peek(self, caller: str, now: float) -> float:
        """The seconds until ``caller`` has a token (0: it has one now), taking none."""
        tokens, at = self._buckets.get(caller, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

"""A token bucket per caller: a burst at once, then the rate; the wait says when to retry."""

from __future__ import annotations

import pytest

from api.security.limits import RateLimiter


def test_a_burst_then_the_rate() -> None:
    limiter = RateLimiter(rate=2.0, burst=3)
    assert [limiter.take("k", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k", 0.0) == pytest.approx(0.5)  # one token takes 1/rate
    assert limiter.take("k", 0.5) == 0.0
    assert limiter.take("other", 0.5) == 0.0  # per caller


def test_peek_takes_nothing() -> None:
    limiter = RateLimiter(rate=1.0, burst=1)
    assert limiter.peek("k", 0.0) == 0.0 and limiter.peek("k", 0.0) == 0.0
    limiter.take("k", 0.0)
    assert limiter.peek("k", 0.25) == pytest.approx(0.75)


def test_forgotten_callers_are_bounded() -> None:
    limiter = RateLimiter(rate=1.0, burst=1, max_callers=2)
    for who in ("a", "b", "c"):
        limiter.take(who, 0.0)
    assert limiter.take("a", 0.0) == 0.0  # forgotten: a full bucket again
    assert limiter.take("c", 0.0) > 0

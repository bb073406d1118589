"""Reconnect delays grow exponentially to a cap, with jitter from the injected source."""

from __future__ import annotations

import random

import pytest

from producers.exchanges.backoff import Backoff


def test_equal_jitter_between_half_and_the_whole_step() -> None:
    backoff = Backoff(base_s=0.5, cap_s=30.0)
    assert [backoff.delay(n, lambda: 0.0) for n in range(8)] == [0.25, 0.5, 1, 2, 4, 8, 15, 15]
    assert [backoff.delay(n, lambda: 0.5) for n in range(3)] == [0.375, 0.75, 1.5]
    assert backoff.delay(1000, lambda: 0.999) < 30.0


def test_a_seeded_source_gives_the_same_delays() -> None:
    backoff = Backoff()
    first = [backoff.delay(n, random.Random(7).random) for n in range(6)]
    again = [backoff.delay(n, random.Random(7).random) for n in range(6)]
    assert first == again


def test_bad_inputs() -> None:
    with pytest.raises(ValueError):
        Backoff().delay(-1, lambda: 0.0)
    with pytest.raises(ValueError):
        Backoff().delay(0, lambda: 1.0)

from __future__ import annotations

import pytest

from producers.clock import Clock, tick


def test_ticks_each_key_when_event_time_passes_a_boundary() -> None:
    clock = Clock(["a", "b"], every_us=10)
    assert clock.advance(3) == []
    assert clock.advance(9) == []
    assert clock.advance(12) == [tick("a", 10), tick("b", 10)]
    assert clock.advance(19) == []
    # a jump over several periods gives one tick at the latest boundary
    assert clock.advance(45) == [tick("a", 40), tick("b", 40)]


def test_tick_ids_are_deterministic() -> None:
    assert tick("k", 5).event_id == "tick:k:5"


def test_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Clock(["a"], every_us=0)

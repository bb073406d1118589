"""The scheduler delivers in (time, priority, sequence) order: documented ties, never chance."""

from __future__ import annotations

import pytest

from replay.scheduler import Priority, Scheduler


def drain(s: Scheduler[str]) -> list[tuple[int, int, str]]:
    return list(s)


def test_market_and_scheduled_items_merge_by_time() -> None:
    s: Scheduler[str] = Scheduler([(10, "m10"), (30, "m30")])
    s.schedule(20, Priority.LEDGER, "l20")
    s.schedule(5, Priority.STRATEGY, "s5")
    assert [item for _, _, item in s] == ["s5", "m10", "l20", "m30"]


def test_equal_times_go_market_venue_ledger_strategy_timer() -> None:
    s: Scheduler[str] = Scheduler([(10, "market")])
    for prio in (Priority.TIMER, Priority.STRATEGY, Priority.LEDGER, Priority.VENUE):
        s.schedule(10, prio, prio.name.lower())
    assert drain(s) == [(10, 0, "market"), (10, 1, "venue"), (10, 2, "ledger"), (10, 3, "strategy"),
                        (10, 4, "timer")]


def test_equal_time_and_priority_is_first_scheduled_first_delivered() -> None:
    s: Scheduler[str] = Scheduler([])
    for name in ("c", "a", "b"):
        s.schedule(7, Priority.LEDGER, name)
    assert [item for _, _, item in s] == ["c", "a", "b"]


def test_market_events_at_one_time_keep_the_source_order() -> None:
    s: Scheduler[str] = Scheduler([(1, "x"), (1, "a"), (1, "m")])
    assert [item for _, _, item in s] == ["x", "a", "m"]


def test_an_item_scheduled_during_delivery_at_the_same_time_comes_after_the_market() -> None:
    s: Scheduler[str] = Scheduler([(5, "m1"), (5, "m2")])
    first = next(s)
    s.schedule(s.now, Priority.LEDGER, "reaction")
    assert first[2] == "m1" and [item for _, _, item in s] == ["m2", "reaction"]


def test_a_market_event_stamped_earlier_keeps_its_place_at_the_previous_time() -> None:
    s: Scheduler[str] = Scheduler([(10, "a"), (8, "late"), (12, "b")])
    assert drain(s) == [(10, 0, "a"), (10, 0, "late"), (12, 0, "b")]


def test_scheduling_in_the_past_is_refused() -> None:
    s: Scheduler[str] = Scheduler([(10, "m")])
    next(s)
    with pytest.raises(ValueError, match="before the current time 10"):
        s.schedule(9, Priority.VENUE, "x")

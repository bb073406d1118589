"""The metric of snapshots loaded counts a snapshot once per engine resumed from it.

Given a snapshot of a matching shell taken before an input that fails after changing the engine (its
fill cannot be encoded), when a restarted shell rebuilds from that snapshot past the input, then the
replay starts over from the snapshot without it, and the snapshot counts as loaded once, not per try."""

from __future__ import annotations

from schemas.events import OrderFilled
from streams.runtime.snapshots import MemorySnapshots
from tests.unit.matching.conftest import Make
from tests.unit.streams.test_apply_with_outputs import P, feed, inbox, venue_shell


def test_a_rebuild_that_starts_over_from_a_snapshot_loads_it_once() -> None:
    mk = Make()
    values = inbox(mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]),
                   mk.accept("o1", "buy", P, 101 * P, order_type="ioc"),
                   mk.accept("o2", "buy", P, 101 * P, order_type="ioc"))
    store = MemorySnapshots()
    live = venue_shell(values, lambda e: isinstance(e, OrderFilled) and e.order_id == "o1")
    live.snapshots, live.snapshot_every = store, 1
    feed(live, values[:1])
    live.save_snapshots(live.take_snapshots())  # at offset 1: before the input that fails
    restarted = venue_shell(values, live.codec.bad)  # type: ignore[attr-defined]
    restarted.snapshots = store

    restarted.engine(0, len(values))  # replays 1..2 from the snapshot: 1 fails, and it starts over

    assert restarted.skipped == {0: {1}} and restarted.rebuilds == 1
    assert restarted.counters.snapshots_loaded == 1

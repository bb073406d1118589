"""Restarts from snapshots: a snapshot plus the inbox after it gives what a replay from offset 0 gives.

Given the inboxes of a live topology (the demo market and orders, two paper runs trading on it: every
agent's engine with real state), when each agent's shell is snapshotted as it goes and a new shell
resumes at a committed offset, then its outputs from there on are those of the shell that never
stopped, whether the commit is after the snapshot (the inbox after the snapshot is replayed) or before
it (the inputs in between come again as redelivered: their outputs were delivered before the snapshot
was saved); and it reads only the inbox after the snapshot, not from offset 0."""

from __future__ import annotations

import json
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterator
from types import MethodType
from typing import Any

import pytest

from producers.scenario import Scenario, demo_messages
from schemas.events import SCALE, Allocation, Event, OrderFilled, StartRun
from schemas.topics import STRATEGY_JOURNAL, run_wallet_set
from streams.matching.config import MatchingConfig
from streams.matching.engine import MatchingEngine
from streams.money import FeeSchedule
from streams.runtime.inbox import InboxProcessor
from streams.runtime.snapshots import MemorySnapshots, Snapshot, SnapshotRefused, dumps, fingerprint, loads
from tests.unit.streams.memory_bus import MemoryBus, live_processors
from tests.unit.streams.test_apply_with_outputs import Refusing

Log = list[tuple[bytes, bytes]]


def start(run_id: str, strategy: str, params: dict[str, str]) -> StartRun:
    return StartRun(f"{run_id}:start", run_id, strategy, json.dumps(params), "main", run_wallet_set(run_id),
                    "paper", 0, None, [Allocation("synthetic", "USD", 20_000 * SCALE)], 0)


@pytest.fixture(scope="module")
def inboxes() -> dict[tuple[str, int], Log]:
    """Every inbox partition of the live topology after the demo market, with two paper runs started
    after the listings (delivered every 25 messages, so the runs trade as the market goes)."""
    bus = MemoryBus(live_processors())
    for n, m in enumerate(demo_messages(Scenario(steps=1500))):
        bus.put(m.topic, m.key, m.event)
        if n == 10:
            bus.run(10**7)
            bus.put(STRATEGY_JOURNAL, "demo-1", start("demo-1", "demo", {"interval_s": "5"}))
            bus.put(STRATEGY_JOURNAL, "echo-1", start("echo-1", "echo", {"pairs": "BTC-USD,ETH-USD"}))
        if n % 25 == 0:
            bus.run(10**7)
    bus.run(10**7)
    return dict(bus.log)


def agents() -> list[InboxProcessor]:
    """The live topology's inbox shells (not the routers): matching, fan-out, ledger, strategies."""
    return [p for p in live_processors() if isinstance(p, InboxProcessor)]


def cases(inboxes: dict[tuple[str, int], Log]) -> Iterator[tuple[int, int, Log]]:
    """(agent index, partition, its inbox) for every agent and partition with enough messages."""
    for i, proc in enumerate(agents()):
        for (topic, part), log in sorted(inboxes.items()):
            if topic == proc.inbox and len(log) >= 60:
                yield i, part, log


def history_of(log: Log, reads: list[int] | None = None) -> Callable[[int, int, int], Iterator[Any]]:
    def read(partition: int, start: int, end: int) -> Iterator[tuple[int, bytes | None, bytes]]:
        if reads is not None:
            reads.append(start)
        for off in range(start, end):
            yield off, *log[off]

    return read


def outputs(proc: InboxProcessor, part: int, log: Log, start: int, end: int) -> list[list[bytes]]:
    return [[o.value for o in proc.process(part, off, *log[off])] for off in range(start, end)]


def snapshotting(i: int, part: int, log: Log, upto: int, every: int) -> tuple[MemorySnapshots, Snapshot]:
    """A store with the snapshots of agent ``i``'s shell run over ``log[:upto]``, each saved at once
    (as if every output before it were delivered right away); and the latest."""
    store = MemorySnapshots()
    proc = agents()[i]
    proc.snapshots, proc.snapshot_every = store, every
    for off in range(upto):
        proc.process(part, off, *log[off])
        proc.save_snapshots(proc.take_snapshots())
    latest = store.latest(proc.snapshot_key(part))
    assert latest is not None and store.saved == upto // every
    return store, latest


def test_the_topology_has_state_to_snapshot(inboxes: dict[tuple[str, int], Log]) -> None:
    found = {(agents()[i].inbox, agents()[i].output_topic) for i, _, _ in cases(inboxes)}
    assert len(found) == 4  # matching, fan-out, ledger and the strategy host all have inboxes to test
    fills = [v for (topic, _), log in inboxes.items() if topic.startswith("ledger.journal")
             for _, v in log if b":fill:" in v]
    assert len(fills) > 20  # the runs and the demo traded


def test_resuming_after_the_snapshot_replays_only_the_inbox_after_it(
        inboxes: dict[tuple[str, int], Log]) -> None:
    for i, part, log in cases(inboxes):
        every = len(log) // 4
        reference = outputs(agents()[i], part, log, 0, len(log))
        store, latest = snapshotting(i, part, log, len(log) // 2, every)
        resume = latest.offset + every // 3  # the commit is after the snapshot
        reads: list[int] = []
        restarted = agents()[i]
        restarted.snapshots, restarted.history = store, history_of(log, reads)

        got = outputs(restarted, part, log, resume, len(log))

        assert got == reference[resume:], (restarted.inbox, restarted.output_topic, part)
        assert reads == [latest.offset]  # the inbox from the snapshot on, not from 0
        assert restarted.counters.snapshots_loaded == 1 and restarted.rebuilds == 1


def test_resuming_before_the_snapshot_takes_the_inputs_in_between_as_redelivered(
        inboxes: dict[tuple[str, int], Log]) -> None:
    for i, part, log in cases(inboxes):
        every = len(log) // 4
        reference = outputs(agents()[i], part, log, 0, len(log))
        store, latest = snapshotting(i, part, log, len(log) // 2, every)
        resume = latest.offset - every // 3  # committed before the snapshot was saved
        reads: list[int] = []
        restarted = agents()[i]
        restarted.snapshots, restarted.history = store, history_of(log, reads)

        got = outputs(restarted, part, log, resume, len(log))

        assert got[:latest.offset - resume] == [[]] * (latest.offset - resume)  # delivered before
        assert got[latest.offset - resume:] == reference[latest.offset:]
        assert reads == [] and restarted.counters.redelivered == latest.offset - resume


def plain(o: Any, seen: frozenset[int] = frozenset()) -> Any:
    """An object graph as plain data, attribute by attribute and in order (bound methods by name)."""
    if o is None or isinstance(o, bool | int | float | str | bytes):
        return o
    if id(o) in seen:
        return "<cycle>"
    seen = seen | {id(o)}
    if isinstance(o, dict):
        return [(plain(k, seen), plain(v, seen)) for k, v in o.items()]
    if isinstance(o, list | tuple | deque):
        return [type(o).__name__, *(plain(v, seen) for v in o)]
    if isinstance(o, set | frozenset):
        return sorted(map(repr, o))
    if isinstance(o, MethodType):
        return f"method {o.__func__.__qualname__}"
    if callable(o) and not hasattr(o, "__dict__") and not hasattr(o, "__slots__"):
        return getattr(o, "__qualname__", repr(o))
    names = [n for c in type(o).__mro__ for n in getattr(c, "__slots__", ())]
    names += list(getattr(o, "__dict__", {}))
    return [type(o).__qualname__, *((n, plain(getattr(o, n, None), seen)) for n in names)]


def test_a_resumed_engine_is_the_engine_that_never_stopped(inboxes: dict[tuple[str, int], Log]) -> None:
    for i, part, log in cases(inboxes):
        every = len(log) // 3
        uninterrupted = agents()[i]
        outputs(uninterrupted, part, log, 0, len(log))
        store, _ = snapshotting(i, part, log, len(log) - 5, every)
        restarted = agents()[i]
        restarted.snapshots, restarted.history = store, history_of(log)
        outputs(restarted, part, log, len(log) - 2, len(log))

        assert plain(restarted.engines[part]) == plain(uninterrupted.engines[part])


def test_a_snapshot_of_another_configuration_is_not_used() -> None:
    cheap = InboxProcessor(inbox="v", engine_factory=MatchingEngine, accepts=frozenset(), output_topic="o",
                           key_of=str)
    dear = InboxProcessor(inbox="v", engine_factory=lambda: MatchingEngine(
        MatchingConfig(fees={"synthetic": FeeSchedule(50, 90)})), accepts=frozenset(), output_topic="o",
        key_of=str)
    store = MemorySnapshots()
    store.save(cheap.snapshot_key(0),
               Snapshot(7, dumps(MatchingEngine()), frozenset(), fingerprint(MatchingEngine)))
    reads: list[int] = []
    dear.snapshots, dear.history = store, history_of([(b"k", b"")] * 7, reads)
    assert fingerprint(dear.engine_factory) != fingerprint(cheap.engine_factory)

    dear.engine(0, 7)

    assert reads == [0] and dear.counters.snapshots_loaded == 0  # rebuilt from the start instead


def test_a_failure_after_the_snapshot_is_rebuilt_from_it_without_the_input(
        inboxes: dict[tuple[str, int], Log]) -> None:
    def fills(i: int, part: int, log: Log) -> list[int]:
        return [off for off, v in enumerate(outputs(agents()[i], part, log, 0, len(log)))
                if any(b":fill:" in o for o in v)]

    i, part, log = max(((i, p, log) for i, p, log in cases(inboxes)
                        if agents()[i].output_topic.startswith("venue.events")), key=lambda c: len(fills(*c)))
    filled = fills(i, part, log)
    poison = filled[len(filled) // 2]
    reads: list[int] = []
    bad_id: list[str] = []

    def bad(e: Event) -> bool:  # the first fill of the input at ``poison`` cannot be encoded
        if isinstance(e, OrderFilled) and (not bad_id or e.event_id == bad_id[0]) and armed[0]:
            bad_id[:] = [e.event_id]
            return True
        return False

    armed = [False]
    plain = agents()[i]
    plain.history, plain.codec = history_of(log), Refusing(bad)
    snapped = agents()[i]
    snapped.history, snapped.codec = history_of(log, reads), Refusing(bad)
    snapped.snapshots, snapped.snapshot_every = MemorySnapshots(), max(1, poison // 2)
    got: dict[int, list[list[bytes]]] = {0: [], 1: []}
    for off in range(len(log)):
        armed[0] = off == poison
        for n, proc in enumerate((plain, snapped)):
            got[n].append([o.value for o in proc.process(part, off, *log[off])])
            if n:
                proc.save_snapshots(proc.take_snapshots())

    assert got[0] == got[1] and plain.skipped == snapped.skipped == {part: {poison}}
    assert reads and reads[0] > 0  # rebuilt from the snapshot, not from offset 0


class Evil:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("payload", [
    pickle.dumps(Evil()),
    pickle.dumps(eval),  # a builtin that is not plain data
    b"cfloor.kafka\nConsumer\n.",  # named from our module, but confluent-kafka's class
    b"cfloor.kafka\ntime\n.",  # a module our module imported
    b"cstreams.runtime.snapshots\ndumps.__globals__\n.",  # a dotted path out of a function
])
def test_a_snapshot_naming_anything_but_our_classes_and_plain_data_is_refused(payload: bytes) -> None:
    with pytest.raises(SnapshotRefused):
        loads(payload)

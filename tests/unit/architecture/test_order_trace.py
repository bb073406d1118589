"""One order traced through the engines as a newcomer would follow it: the product files it crosses, and
no back-and-forth between them.

The order is requested on the ledger's inbox, accepted (funds held), routed to matching, filled against
the book, routed back, settled, and its events fanned out to the run: the live topology on in-memory
topics. A profiler hook records every call from one product file into another. The path must cross
exactly the files of ``PATH`` (a file added to it is a decision, made here), with the API's at most
``BUDGET``,
and the calls between files must form no cycle: a file is never called back by one it called, directly
or through others (the ledger's evolve never reaches its decide side, matching's order events never
reach back into the market).

The API's side (route, command bus, replica) and the SSE hub are not on this in-memory path: they are
listed in ``API_PATH`` for the count, from the request's route to the frame on the stream.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from schemas.events import SCALE, Allocation, CreateWalletSet, DepositFunds, OrderRequested, WalletMovement
from schemas.topics import LEDGER_EVENTS, LEDGER_JOURNAL, VENUE_JOURNAL
from tests.unit.replay.kit import PAIR, T0, VENUE, listing, snapshot
from tests.unit.streams.memory_bus import MemoryBus, live_processors

ROOT = Path(__file__).resolve().parents[3]
KEY, ACCOUNT = f"{VENUE}:{PAIR}", "paper"

PATH = {
    # the inbox shell, its counters, and the codec it decodes and encodes with
    "streams/runtime/inbox.py", "streams/runtime/metrics.py",
    "schemas/codec.py", "schemas/decoders.py", "schemas/encoders.py",
    # the topology (keys of outputs) and the topics (partitions of keys); the cores' shared kernel (the
    # bounded id window matching and the strategy runtime de-duplicate with)
    "strategies/topology.py", "schemas/topics.py", "streams/core.py",
    # the ledger: decide the order and its fill, evolve the state
    "streams/ledger/engine.py", "streams/ledger/orders.py", "streams/ledger/settlement.py",
    "streams/ledger/evolve.py", "streams/ledger/state.py", "streams/money.py",
    # the routers
    "streams/routing/agent.py", "streams/routing/rules.py",
    # matching: the engine, the order's market, the order and its events, the book
    "streams/matching/engine.py", "streams/matching/market.py", "streams/matching/orders.py",
    "streams/matching/book.py",
    # the run's inbox: the market fan-out and the strategy host
    "streams/routing/fanout.py", "strategies/host.py",
}
API_PATH = {
    "api/routes/orders.py", "api/services/commands.py", "api/services/views.py",
    "api/services/command_outcome.py", "api/services/event_hub.py", "api/routes/streams.py",
}
"""Read from the code, not traced: the route, the command bus and the replica's outcome, the hub and the
SSE route (security, models and dependency plumbing left out, as the codec is not)."""
BUDGET = 28
"""The engine's path plus the API's, today: it may only shrink (#18 asks for at most 20). It grew once, by
``streams/core.py``, when matching's and the strategy runtime's two copies of a bounded id window became
one there."""


def _product(filename: str) -> str | None:
    path = Path(filename)
    if not path.is_absolute() or not path.is_relative_to(ROOT):
        return None
    rel = path.relative_to(ROOT).as_posix()
    return None if rel.startswith(("tests/", ".venv/")) else rel


def _caller(frame: FrameType | None) -> str | None:
    while frame is not None:
        rel = _product(frame.f_code.co_filename)
        if rel is not None:
            return rel
        frame = frame.f_back
    return None


def trace(bus: MemoryBus) -> tuple[set[str], set[tuple[str, str]]]:
    """The product files entered while ``bus`` runs, and the (caller, callee) pairs of files."""
    files: set[str] = set()
    edges: set[tuple[str, str]] = set()

    def hook(frame: FrameType, event: str, _: Any) -> None:
        if event != "call":
            return
        callee = _product(frame.f_code.co_filename)
        if callee is None:
            return
        files.add(callee)
        caller = _caller(frame.f_back)
        if caller is not None and caller != callee:
            edges.add((caller, callee))

    sys.setprofile(hook)
    try:
        bus.run()
    finally:
        sys.setprofile(None)
    return files, edges


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Each cycle of the call graph between files, found by depth-first search (one per back edge)."""
    graph: dict[str, list[str]] = {}
    for a, b in sorted(edges):
        graph.setdefault(a, []).append(b)
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> Iterator[None]:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                yield from visit(nxt, [*path, nxt])
        state[node] = 2
        yield None

    for start in sorted(graph):
        if start not in state:
            list(visit(start, [start]))
    return found


def an_order() -> MemoryBus:
    """A book, a funded wallet set of run r1, settled; then one buy that takes the best ask, not yet run."""
    bus = MemoryBus(live_processors())
    bus.put(VENUE_JOURNAL, KEY, listing())
    bus.put(LEDGER_JOURNAL, ACCOUNT, listing())
    bus.put(VENUE_JOURNAL, KEY, snapshot(T0, [(9990, 2.0)], [(10010, 2.0)]))
    bus.put(LEDGER_JOURNAL, ACCOUNT, DepositFunds("dep1", ACCOUNT, VENUE, "USD", 50_000 * SCALE, T0))
    bus.put(LEDGER_JOURNAL, ACCOUNT, CreateWalletSet("c1", ACCOUNT, "ws1", "r1",
                                                     [Allocation(VENUE, "USD", 20_000 * SCALE)], T0))
    bus.run()
    bus.put(LEDGER_JOURNAL, ACCOUNT, OrderRequested(
        event_id="req1", order_id="o1", account=ACCOUNT, run_id="r1", wallet_set_id="ws1", venue=VENUE,
        pair=PAIR, side="buy", order_type="limit", size=SCALE, price=10010 * SCALE, post_only=False,
        cancel_after_s=None, ts=T0 + 1))
    return bus


@pytest.fixture(scope="module")
def traced() -> tuple[set[str], set[tuple[str, str]], MemoryBus]:
    bus = an_order()
    files, edges = trace(bus)
    return files, edges, bus


def test_the_order_is_filled_and_settled(traced: tuple[set[str], set[tuple[str, str]], MemoryBus]) -> None:
    *_, bus = traced
    settled = [e for e in bus.events(LEDGER_EVENTS, ACCOUNT)
               if isinstance(e, WalletMovement) and e.cause_id == "o1:fill:1"]
    assert [m.kind for m in settled] == ["trade", "fee"]


def test_the_path_crosses_its_files_and_no_more(
        traced: tuple[set[str], set[tuple[str, str]], MemoryBus]) -> None:
    files, *_ = traced
    assert files == PATH, f"new on the path: {sorted(files - PATH)}; off it: {sorted(PATH - files)}"
    assert all((ROOT / f).is_file() for f in API_PATH)
    assert len(PATH | API_PATH) <= BUDGET


def test_no_file_is_called_back_by_one_it_called(
        traced: tuple[set[str], set[tuple[str, str]], MemoryBus]) -> None:
    _, edges, _ = traced
    assert cycles(edges) == []


def test_a_call_back_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted back-and-forth: the ledger's state (evolve side) asking settlement (decide side)."""
    from streams.ledger import settlement, state

    source = ("def hold_used(self, fill):\n"
              "    settlement._live_order(LedgerState(1, 1), fill)  # an unknown account: None\n"
              "    return ORIGINAL(self, fill)\n")
    scope: dict[str, Any] = {"settlement": settlement, "ORIGINAL": state.Order.hold_used,
                             "LedgerState": state.LedgerState}
    exec(compile(source, str(ROOT / "streams/ledger/state.py"), "exec"), scope)
    monkeypatch.setattr(state.Order, "hold_used", scope["hold_used"])
    bus = an_order()
    _, edges = trace(bus)
    assert [set(c) for c in cycles(edges)] == [{"streams/ledger/state.py", "streams/ledger/settlement.py"}]


def test_cycles_finds_a_longer_loop() -> None:
    assert cycles({("a", "b"), ("b", "c"), ("c", "a"), ("a", "d")}) == [["a", "b", "c", "a"]]
    assert cycles({("a", "b"), ("a", "c"), ("b", "c")}) == []

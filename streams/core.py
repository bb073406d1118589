"""The port every domain core offers to its agent shell (pure)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, runtime_checkable

from schemas.events import Event


class Engine(Protocol):
    """A deterministic processor of one ordered inbox.

    ``handle`` is decide-then-evolve for one inbox event: it returns the output
    events and updates the engine's own state. It never does I/O, never reads
    the clock, and gives the same outputs for the same inbox, every time.
    Redelivered inputs (same ``event_id``) return no outputs and change nothing.
    """

    def handle(self, event: Event) -> list[Event]: ...


@runtime_checkable
class SplitEngine(Engine, Protocol):
    """An engine whose decision only reads its state, so the shell can encode before applying.

    ``decide`` returns the outputs of one inbox event and changes nothing (it may
    raise: then nothing changed); ``apply`` folds the event and those outputs in.
    ``handle`` is ``decide`` then ``apply``. The shell applies an input only once
    its outputs are encoded: an input it cannot send never changes the engine.
    """

    def decide(self, event: Event) -> list[Event]: ...

    def apply(self, event: Event, outputs: list[Event]) -> None: ...


class Forward(NamedTuple):
    """An inbox message passed on unchanged (its bytes) to another inbox, by a stateful router.

    A tuple, not a frozen dataclass: the fan-out makes one per market event and subscriber, and a
    frozen dataclass costs about five times as much to build."""

    topic: str  # logical inbox topic
    key: str
    value: bytes
    event: Event


class KeyedEngine(Protocol):
    """An engine whose inbox key matters (one engine serves many keys of a partition).

    ``handle_keyed`` gets the message key and its bytes too; it returns output
    events (sent to the engine's output topic, keyed as the shell says) and
    ``Forward`` messages (sent as they are).
    """

    def handle_keyed(self, key: str, event: Event, value: bytes) -> Sequence[Event | Forward]: ...


@dataclass(frozen=True, slots=True)
class Node:
    """An agent of the topology: which engine reads which inbox, what it accepts, where its outputs go and
    how they are keyed. Every runtime builds its shells from these (``strategies.topology``)."""

    name: str  # the agent's name (Faust's agent name; metrics' and logs' label)
    role: str  # the worker role that runs it (``cryptick worker --roles``)
    inbox: str  # logical inbox topic
    accepts: frozenset[type]  # event types that belong on the inbox for this agent
    output: str  # logical output topic (a keyed engine's ``Forward`` messages name their own)
    key_of: Callable[[Event], str]  # an output event's key on the output topic
    engine: Callable[[Any], Engine | KeyedEngine]  # the engine, from the topology's configuration
    keyed: bool = False  # a KeyedEngine: it gets each message's key and bytes
    dead_letters: bool = True  # False where another agent on the same inbox reports bad messages


@dataclass(frozen=True, slots=True)
class Hop:
    """A router of the topology: every event of ``output`` goes on, byte for byte, to the inboxes its
    ``rules`` name; ``delay`` gives a destination inbox's latency class in a backtest (the venue's order and
    report latencies; a destination not named there is reached at once)."""

    name: str
    output: str
    rules: Callable[[Event], list[tuple[str, str]]]  # event -> (inbox topic, key) pairs
    delay: Mapping[str, str] = field(default_factory=dict)


class IdWindow:
    """Remembers the last ``capacity`` ids added, in the order they came: a bounded set that forgets the
    oldest first (deterministic, O(1) per id), for de-duplication (redeliveries come close together)."""

    __slots__ = ("_ids", "_order", "capacity")

    def __init__(self, capacity: int, ids: Iterable[str] = ()) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._ids: set[str] = set()
        self._order: deque[str] = deque()
        for i in ids:
            self.add(i)

    def add(self, item: str) -> bool:
        """Remember ``item``; whether it is new (one call to test and add: a de-duplication's path)."""
        ids = self._ids
        if item in ids:
            return False
        ids.add(item)
        order = self._order
        order.append(item)
        if len(order) > self.capacity:
            ids.discard(order.popleft())
        return True

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[str]:
        """Oldest first: exporting and re-adding in this order rebuilds the same window."""
        return iter(self._order)

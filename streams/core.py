"""The port every domain core offers to its agent shell (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol, runtime_checkable

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

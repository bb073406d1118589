"""The port every domain core offers to its agent shell (pure)."""

from __future__ import annotations

from typing import Protocol

from schemas.events import Event


class Engine(Protocol):
    """A deterministic processor of one ordered inbox.

    ``handle`` is decide-then-evolve for one inbox event: it returns the output
    events and updates the engine's own state. It never does I/O, never reads
    the clock, and gives the same outputs for the same inbox, every time.
    Redelivered inputs (same ``event_id``) return no outputs and change nothing.
    """

    def handle(self, event: Event) -> list[Event]: ...

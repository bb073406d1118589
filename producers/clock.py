"""Clock ticks (pure): event time for timers such as ``cancel_after``, per inbox key."""

from __future__ import annotations

from collections.abc import Iterable

from schemas.events import ClockTick


def tick(key: str, ts: int) -> ClockTick:
    """The tick of ``key`` at ``ts``; its id is deterministic, so a re-sent tick counts once."""
    return ClockTick(event_id=f"tick:{key}:{ts}", ts=ts, key=key)


class Clock:
    """Emits a tick per key each time event time passes a multiple of ``every_us``."""

    def __init__(self, keys: Iterable[str], every_us: int = 1_000_000) -> None:
        if every_us <= 0:
            raise ValueError("every_us must be positive")
        self.keys = list(keys)
        self.every_us = every_us
        self._next: int | None = None

    def advance(self, ts: int) -> list[ClockTick]:
        """Ticks due now that event time has reached ``ts`` (at most one per key per call)."""
        if self._next is None:
            self._next = (ts // self.every_us + 1) * self.every_us
            return []
        if ts < self._next:
            return []
        due = ts // self.every_us * self.every_us
        self._next = due + self.every_us
        return [tick(k, due) for k in self.keys]

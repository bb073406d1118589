"""A bounded set of ids that forgets the oldest first (deterministic, O(1) per id)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator


class IdWindow:
    """Remembers the last ``capacity`` ids added, in the order they came."""

    __slots__ = ("_ids", "_order", "capacity")

    def __init__(self, capacity: int, ids: Iterable[str] = ()) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._ids: set[str] = set()
        self._order: deque[str] = deque()
        for i in ids:
            self.add(i)

    def add(self, item: str) -> None:
        if item in self._ids:
            return
        self._ids.add(item)
        self._order.append(item)
        if len(self._order) > self.capacity:
            self._ids.discard(self._order.popleft())

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[str]:
        """Oldest first: exporting and re-adding in this order rebuilds the same window."""
        return iter(self._order)

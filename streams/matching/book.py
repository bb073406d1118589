"""The real L2 book of one venue and pair, and the size virtual orders consumed from it.

Each side keeps a sorted list of *keys* (``price`` for bids, ``-price`` for
asks, so the best level is always the last element and changes near the top
move little memory) and a dict ``price -> displayed size``. Best price is
O(1), a level change O(log n) plus a short memmove, depth O(levels).

``consumed[side][price]`` is the displayed size that virtual orders took as
takers (double-trade protection): ``available = displayed - consumed``. It is
worked off only as the real level shrinks and vanishes with the level; the
engine does that bookkeeping for the levels this module reports as touched.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from schemas.events import BookSide, Level, LevelChange

BID = 0
ASK = 1
SIGN = (1, -1)
SIDE_INDEX = {BookSide.BID.value: BID, BookSide.ASK.value: ASK}

Touched = tuple[int, int, int, int]
"""A level change the engine must look at: (side, price, old size, new size)."""


class L2Book:
    """Displayed levels, consumed size, sequence and staleness of one book."""

    __slots__ = (
        "consumed",
        "keys",
        "last_event_id",
        "last_seq",
        "max_levels",
        "new_best",
        "pair",
        "sizes",
        "stale",
        "venue",
    )

    def __init__(self, venue: str, pair: str, max_levels: int) -> None:
        self.venue = venue
        self.pair = pair
        self.max_levels = max_levels
        self.keys: tuple[list[int], list[int]] = ([], [])
        self.sizes: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.consumed: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.stale = True  # no snapshot yet
        self.last_seq: int | None = None
        self.last_event_id: str | None = None
        self.new_best = False
        """Whether a delta added a level better than its side's best (or to an empty side) since the
        matching engine last looked: only then can the book newly cross resting orders. Not state."""

    # --- read access ------------------------------------------------------------

    def best(self, side: int) -> Level | None:
        keys = self.keys[side]
        if not keys:
            return None
        price = keys[-1] * SIGN[side]
        return Level(price, self.sizes[side][price])

    def best_bid(self) -> Level | None:
        return self.best(BID)

    def best_ask(self) -> Level | None:
        return self.best(ASK)

    def depth(self, side: str, n: int) -> list[Level]:
        """The best ``n`` displayed levels of ``side`` ('bid' or 'ask'), best first."""
        s = SIDE_INDEX[side]
        keys, sizes, sign = self.keys[s], self.sizes[s], SIGN[s]
        return [Level(k * sign, sizes[k * sign]) for k in keys[: -n - 1 : -1]] if n > 0 else []

    def displayed(self, side: int, price: int) -> int:
        return self.sizes[side].get(price, 0)

    def available(self, side: int, price: int) -> int:
        """Displayed size at ``price`` that no virtual order has consumed yet."""
        return self.sizes[side].get(price, 0) - self.consumed[side].get(price, 0)

    def levels(self, side: int) -> Iterator[tuple[int, int]]:
        """(price, available) from the best level outwards; safe while consuming."""
        keys, sizes, consumed, sign = self.keys[side], self.sizes[side], self.consumed[side], SIGN[side]
        for i in range(len(keys) - 1, -1, -1):
            price = keys[i] * sign
            yield price, sizes[price] - consumed.get(price, 0)

    # --- changes ----------------------------------------------------------------

    def consume(self, side: int, price: int, size: int) -> None:
        consumed = self.consumed[side]
        consumed[price] = consumed.get(price, 0) + size

    def apply_changes(
        self, changes: Sequence[LevelChange], watch: tuple[Mapping[int, object], Mapping[int, object]]
    ) -> list[Touched] | None:
        """Apply a delta; return the changes at consumed or watched prices (None if none)."""
        # The hot path of matching (every delta, one change each in most feeds): a side's containers
        # are looked up only for the side a change is on, and a size change of a level that stays
        # (most changes) neither bisects nor checks the depth.
        touched: list[Touched] | None = None
        for ch in changes:
            price = ch.price
            side = ch.side
            if side == "bid":
                s = BID
            elif side == "ask":
                s = ASK
            else:
                continue
            sizes = self.sizes[s]
            size = ch.size
            old = sizes.get(price, 0)
            if size > 0:
                if old == size:
                    continue
                if not old:
                    keys = self.keys[s]
                    key = price if s == BID else -price
                    if not keys or key > keys[-1]:
                        self.new_best = True
                    if len(keys) >= self.max_levels:
                        if key < keys[0]:
                            continue  # beyond the depth we keep
                        insort(keys, key)
                        self._drop_worst(s)
                    else:
                        insort(keys, key)
                sizes[price] = size
            elif old:
                size = 0
                del sizes[price]
                keys = self.keys[s]
                del keys[bisect_left(keys, price if s == BID else -price)]
            else:
                continue
            cons = self.consumed[s]
            w = watch[s]
            if (cons and price in cons) or (w and price in w):
                if touched is None:
                    touched = []
                touched.append((s, price, old, size))
        return touched

    def load_snapshot(
        self, bids: Iterable[Level], asks: Iterable[Level], watch: tuple[Iterable[int], Iterable[int]]
    ) -> list[Touched]:
        """Replace both sides; return the size changes at consumed or watched prices."""
        touched: list[Touched] = []
        for s, levels in ((BID, bids), (ASK, asks)):
            sign = SIGN[s]
            new: dict[int, int] = {}
            for level in levels:
                if level.size > 0:
                    new[level.price] = level.size
                else:
                    new.pop(level.price, None)
            keys = sorted(p * sign for p in new)
            if len(keys) > self.max_levels:
                for k in keys[: len(keys) - self.max_levels]:
                    del new[k * sign]
                keys = keys[len(keys) - self.max_levels :]
            old = self.sizes[s]
            for price in sorted({*self.consumed[s], *watch[s]}):
                before, after = old.get(price, 0), new.get(price, 0)
                if before != after:
                    touched.append((s, price, before, after))
            self.keys[s][:] = keys
            self.sizes[s].clear()
            self.sizes[s].update(new)
        return touched

    def _drop_worst(self, side: int) -> None:
        price = self.keys[side].pop(0) * SIGN[side]
        del self.sizes[side][price]
        self.consumed[side].pop(price, None)

    # --- state ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "venue": self.venue,
            "pair": self.pair,
            "stale": self.stale,
            "last_seq": self.last_seq,
            "last_event_id": self.last_event_id,
            "bids": [[lv.price, lv.size] for lv in self.depth("bid", len(self.keys[BID]))],
            "asks": [[lv.price, lv.size] for lv in self.depth("ask", len(self.keys[ASK]))],
            "consumed": [sorted([p, c] for p, c in side.items()) for side in self.consumed],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], max_levels: int) -> L2Book:
        book = cls(data["venue"], data["pair"], max_levels)
        book.stale = data["stale"]
        book.last_seq = data["last_seq"]
        book.last_event_id = data["last_event_id"]
        for s, name in ((BID, "bids"), (ASK, "asks")):
            book.sizes[s].update((p, n) for p, n in data[name])
            book.keys[s][:] = sorted(p * SIGN[s] for p, _ in data[name])
        for s, side in enumerate(data["consumed"]):
            book.consumed[s].update((p, c) for p, c in side)
        return book

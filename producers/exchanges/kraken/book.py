"""Kraken's book as the venue defines it, kept per pair for checksums and depth (pure).

Kraken sends a CRC32 checksum of the top 10 levels with every book update,
computed over the price and volume *texts* as sent; and it does not send a
removal when a level falls out of the subscribed depth -- the client must
truncate. So the parser mirrors each book: levels by price with their texts.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left, insort

from producers.exchanges.numbers import to_units
from schemas.events import BookSide, Level

CHECKSUM_LEVELS = 10


class SideLevels:
    """One side of the book: prices in ascending order and the texts of each level."""

    def __init__(self, descending: bool) -> None:
        self._descending = descending
        self._keys: list[int] = []  # ascending; the price, negated for bids
        self._texts: dict[int, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def clear(self) -> None:
        self._keys.clear()
        self._texts.clear()

    def set(self, price: int, size: int, texts: tuple[str, str]) -> None:
        key = -price if self._descending else price
        if size == 0:
            if key in self._texts:
                del self._texts[key]
                del self._keys[bisect_left(self._keys, key)]
            return
        if key not in self._texts:
            insort(self._keys, key)
        self._texts[key] = texts

    def truncate(self, depth: int) -> list[int]:
        """Drop the levels beyond ``depth``; their prices, best first."""
        dropped = self._keys[depth:]
        del self._keys[depth:]
        for key in dropped:
            del self._texts[key]
        return [-key if self._descending else key for key in dropped]

    def levels(self) -> list[Level]:
        """All levels, best first."""
        sign = -1 if self._descending else 1
        return [Level(price=sign * key, size=to_units(self._texts[key][1])) for key in self._keys]

    def top_texts(self, count: int) -> list[tuple[str, str]]:
        return [self._texts[key] for key in self._keys[:count]]


def _digits(text: str) -> str:
    return text.replace(".", "").lstrip("0")


class KrakenBook:
    """The mirror of one pair's book: asks and bids with the venue's texts."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.asks = SideLevels(descending=False)
        self.bids = SideLevels(descending=True)

    def side(self, side: BookSide) -> SideLevels:
        """The asks or the bids."""
        return self.asks if side is BookSide.ASK else self.bids

    def checksum(self) -> int:
        """Kraken's CRC32 over the top 10 asks (low to high) then the top 10 bids (high to low)."""
        levels = self.asks.top_texts(CHECKSUM_LEVELS) + self.bids.top_texts(CHECKSUM_LEVELS)
        text = "".join(_digits(price) + _digits(volume) for price, volume in levels)
        return zlib.crc32(text.encode("ascii"))

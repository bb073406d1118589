"""Candle frequencies and time buckets (pure).

Times are integer microseconds since the epoch (UTC); a candle's bucket is
``[start, start + width)`` with ``start`` a multiple of the width, so daily
candles run from midnight UTC.
"""

from __future__ import annotations

from schemas.units import US

WIDTHS: dict[str, int] = {"1m": 60 * US, "5m": 300 * US, "1h": 3600 * US, "1d": 86400 * US}
"""The candle widths kept, finest first (each divides the next, so each is built from the one below)."""

ALIASES = {"highest": "1m", "daily": "1d"}
"""The seed's ``freq`` values: ``highest`` is the finest width available, ``daily`` one day."""


def parse_freq(freq: str) -> str:
    """The canonical width name of ``freq`` ('1m', '5m', '1h', '1d', 'highest', 'daily')."""
    name = ALIASES.get(freq, freq)
    if name not in WIDTHS:
        raise ValueError(f"unknown freq {freq!r}: use one of {', '.join([*WIDTHS, *ALIASES])}")
    return name


def width_us(freq: str) -> int:
    """Bucket width of ``freq`` in microseconds."""
    return WIDTHS[parse_freq(freq)]


def floor(ts: int, width: int) -> int:
    """Start of the bucket holding ``ts``."""
    return ts // width * width


def ceil(ts: int, width: int) -> int:
    """Smallest bucket boundary at or after ``ts``."""
    return -(-ts // width) * width


def parent(freq: str) -> str | None:
    """The next finer width a candle of ``freq`` is built from (None for the finest)."""
    names = list(WIDTHS)
    i = names.index(parse_freq(freq))
    return names[i - 1] if i else None

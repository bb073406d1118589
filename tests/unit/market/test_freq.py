"""Candle widths: the seed's names, buckets aligned to the epoch (days start at midnight UTC)."""

from __future__ import annotations

import pytest

from streams.market.freq import ceil, floor, parent, parse_freq, width_us


def test_seed_names() -> None:
    assert parse_freq("highest") == "1m"
    assert parse_freq("daily") == "1d"
    assert [width_us(f) for f in ("1m", "5m", "1h", "1d")] == [60e6, 300e6, 3600e6, 86400e6]


def test_each_width_builds_on_the_finer_one() -> None:
    assert [parent(f) for f in ("1m", "5m", "1h", "1d")] == [None, "1m", "5m", "1h"]


def test_buckets() -> None:
    day = width_us("1d")
    noon = 1_514_808_000_000_000  # 2018-01-01T12:00Z
    assert floor(noon, day) == 1_514_764_800_000_000
    assert ceil(noon, day) == 1_514_851_200_000_000
    assert ceil(floor(noon, day), day) == floor(noon, day)


@pytest.mark.parametrize("bad", ["", "1s", "weekly", "1M"])
def test_unknown_names(bad: str) -> None:
    with pytest.raises(ValueError, match="use one of 1m, 5m, 1h, 1d, highest, daily"):
        parse_freq(bad)

"""Best bid/ask from the archived book state, and USD values from them."""

from __future__ import annotations

import pytest

from schemas.codec import default_codec
from schemas.events import SCALE, BookDelta, BookSnapshot, BookStatusChanged, Level, LevelChange
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import get_client
from streams.archive.writer import ArchiveWriter
from streams.market.books import Quote
from streams.market.pricing import NO_ROUTE, prices_from_quotes, to_usd
from streams.market.store import quotes

pytestmark = pytest.mark.integration


def u(x: float) -> int:
    return round(x * SCALE)


def test_quotes_follow_the_latest_snapshot_and_its_deltas(clickhouse_dsn: str, namespace: str) -> None:
    v = f"q{namespace}"
    journal = [
        BookSnapshot("s1", v, "BTC-USD", 100, 100, 1, [Level(u(9_000), 1)], [Level(u(9_100), 1)]),
        BookSnapshot(
            "s2",
            v,
            "BTC-USD",
            200,
            200,
            2,
            [Level(u(9_990), 1), Level(u(9_980), 5)],
            [Level(u(10_010), 1), Level(u(10_020), 5)],
        ),
        BookDelta("d1", v, "BTC-USD", 210, 210, 3, [LevelChange("bid", u(9_990), 0)]),
        BookDelta("d2", v, "BTC-USD", 300, 300, 4, [LevelChange("ask", u(10_000), 2)]),
        BookSnapshot("e1", v, "ETH-BTC", 150, 150, 1, [Level(u(0.049), 3)], [Level(u(0.051), 3)]),
        BookSnapshot("z1", v, "ZEC-USD", 150, 150, 1, [Level(u(300), 3)], [Level(u(301), 3)]),
        BookStatusChanged("z2", v, "ZEC-USD", True, "sequence gap", 160),
    ]
    codec = default_codec()
    ArchiveWriter(get_client(clickhouse_dsn)).write(
        RawBatch.from_records(
            (f"{namespace}.j", 0, i, b"k", codec.encode(e), 0) for i, e in enumerate(journal)
        )
    )
    client = get_client(clickhouse_dsn)
    books = [(v, "BTC-USD"), (v, "ETH-BTC"), (v, "ZEC-USD"), (v, "NONE-USD")]
    assert quotes(client, books, at=250) == [
        Quote(v, "BTC-USD", u(9_980), u(10_010), 210),
        Quote(v, "ETH-BTC", u(0.049), u(0.051), 150),
    ]
    now = quotes(client, books, at=1_000)
    assert now[0] == Quote(v, "BTC-USD", u(9_980), u(10_000), 300)
    assert quotes(client, books, at=150)[0] == Quote(v, "BTC-USD", u(9_000), u(9_100), 100)
    assert quotes(client, books, at=50) == []

    prices = prices_from_quotes(now)
    assert to_usd(u(1), "BTC", prices) == u(9_990)
    assert to_usd(u(10), "ETH", prices) == u(10) * u(0.05) // SCALE * u(9_990) // SCALE
    assert to_usd(u(1), "ZEC", prices) == NO_ROUTE  # its book went stale

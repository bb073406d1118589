"""The archive reader: a time range of books, in journal order, in pages, each event once."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.codec import default_codec
from schemas.events import BookDelta, BookSnapshot, Level, LevelChange, MarketListed, PublicTrade
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import get_client
from streams.archive.reader import market_event_batches, market_events
from streams.archive.writer import ArchiveWriter

pytestmark = pytest.mark.integration


def _write(client: Any, topic: str, journal: list[tuple[int, int, Any]]) -> None:
    codec = default_codec()
    batch = RawBatch.from_records(
        (topic, p, o, f"{e.venue}:{e.pair}".encode(), codec.encode(e), 0) for p, o, e in journal
    )
    ArchiveWriter(client).write(batch)


def test_journal_order_within_a_book_and_effective_time_across_books(
    clickhouse_dsn: str, namespace: str
) -> None:
    client = get_client(clickhouse_dsn)
    v = f"r{namespace}"
    a, b = (v, "AAA-USD"), (v, "BBB-USD")

    def snap(i: str, book: tuple[str, str], ts: int) -> BookSnapshot:
        return BookSnapshot(i, *book, ts, ts, 1, [Level(10, 1)], [Level(11, 1)])

    def delta(i: str, book: tuple[str, str], ts: int) -> BookDelta:
        return BookDelta(i, *book, ts, ts, 2, [LevelChange("bid", 10, 2)])

    def trade(i: str, book: tuple[str, str], ts: int) -> PublicTrade:
        return PublicTrade(i, *book, ts, ts + 5, i, 10, 1, "buy")

    topic = f"{namespace}.venue.journal.v1"
    journal = [  # (partition, offset, event): book A on partition 0, book B on partition 1
        (0, 0, snap("a0", a, 100)),
        (0, 1, trade("a1", a, 300)),
        (0, 2, delta("a2", a, 250)),  # its exchange time steps back: still after a1
        (0, 3, trade("a3", a, 400)),
        (1, 0, snap("b0", b, 100)),  # same time as a0: venue, pair break the tie (A first)
        (1, 1, delta("b1", b, 260)),
        (1, 2, trade("b2", b, 300)),  # same effective time as a1 and a2: A first again
        (1, 3, MarketListed("b3", v, "BBB-USD", "BBB", "USD", 1, 1, 0, None, None, 350)),
    ]
    _write(client, topic, journal)
    _write(client, topic, journal[2:5])  # a re-delivery
    got = [(x.event.event_id, x.partition, x.offset) for x in market_events(client, [a, b], 0, 1_000, page=2)]
    assert got == [
        ("a0", 0, 0),
        ("b0", 1, 0),
        ("b1", 1, 1),
        ("a1", 0, 1),
        ("a2", 0, 2),
        ("b2", 1, 2),
        ("b3", 1, 3),
        ("a3", 0, 3),
    ]
    assert [x.event for x in market_events(client, [a], 0, 1_000)] == [e for p, _, e in journal if p == 0]
    assert [x.event for x in market_events(client, [b], 0, 1_000)] == [e for p, _, e in journal if p == 1]

    assert [x.event.event_id for x in market_events(client, [a, b], 250, 400)] == [
        "b1",
        "a1",
        "a2",
        "b2",
        "b3",
    ]
    assert [x.event.event_id for x in market_events(client, [a, b], 0, 1_000, kinds=["PublicTrade"])] == [
        "a1",
        "b2",
        "a3",
    ]
    assert [len(batch) for batch in market_event_batches(client, [a, b], 0, 1_000, batch=3, page=2)] == [
        3,
        3,
        2,
    ]
    assert list(market_events(client, [a], 0, 1_000, topics=["other"])) == []
    with pytest.raises(ValueError, match="not market event types"):
        list(market_events(client, [a], 0, 1, kinds=["OrderFilled"]))


def test_one_book_from_two_sources_keeps_each_source_in_order(clickhouse_dsn: str, namespace: str) -> None:
    client = get_client(clickhouse_dsn)
    book = (f"s{namespace}", "BTC-USD")

    def trade(i: str, ts: int) -> PublicTrade:
        return PublicTrade(i, *book, ts, ts, i, 1, 1, None)

    _write(client, f"{namespace}.live", [(3, 0, trade("l0", 10)), (3, 1, trade("l1", 30))])
    _write(client, f"import.{namespace}", [(0, 0, trade("i0", 20)), (0, 1, trade("i1", 5))])
    got = [(x.topic.split(".")[0], x.event.event_id) for x in market_events(client, [book], 0, 100)]
    # each source in its own order; i1 (time 5) cannot pass i0, so the sources interleave by effective time
    assert [e for _, e in got] == ["l0", "i0", "i1", "l1"]


def test_from_snapshot_starts_each_book_whole(clickhouse_dsn: str, namespace: str) -> None:
    client = get_client(clickhouse_dsn)
    book = (f"w{namespace}", "BTC-USD")

    def snap(i: str, ts: int) -> BookSnapshot:
        return BookSnapshot(i, *book, ts, ts, 1, [Level(10, 1)], [Level(11, 1)])

    def delta(i: str, ts: int) -> BookDelta:
        return BookDelta(i, *book, ts, ts, 2, [LevelChange("bid", 10, 2)])

    _write(
        client,
        f"{namespace}.j",
        [
            (2, 0, snap("s0", 10)),
            (2, 1, delta("d1", 20)),
            (2, 2, snap("s2", 30)),
            (2, 3, delta("d3", 40)),
            (2, 4, delta("d4", 60)),
        ],
    )
    assert [x.event.event_id for x in market_events(client, [book], 50, 100)] == ["d4"]
    warm = market_events(client, [book], 50, 100, from_snapshot=True)
    assert [x.event.event_id for x in warm] == ["s2", "d3", "d4"]
    assert [x.event.event_id for x in market_events(client, [book], 0, 100, from_snapshot=True)] == [
        "s0",
        "d1",
        "s2",
        "d3",
        "d4",
    ]

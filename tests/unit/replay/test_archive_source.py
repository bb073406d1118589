"""The archive source reads a namespace's archived venue.journal back in order (real ClickHouse engine)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from replay.engine import Backtest, BacktestConfig, RunSetup
from replay.sources import ArchiveSource, ListSource, MarketEvent, MemoryJournal
from schemas.codec import default_codec
from schemas.events import MarketListed
from schemas.topics import VENUE_EVENTS, VENUE_JOURNAL, partition_of, qualified, venue_key
from strategies.api import MarketRef
from streams.archive.clickhouse import get_client
from tests.unit.replay.kit import (
    MS,
    T0,
    VENUE,
    S,
    Script,
    delta,
    listing,
    market_buy,
    run_spec,
    snapshot,
    trade,
)

COLUMNS = ["topic", "partition", "offset", "key", "event_type", "event_id", "ts", "value", "kafka_ts"]


def archive(client: Any, namespace: str, events: list[MarketEvent | MarketListed]) -> None:
    """Rows as the archive sink writes them: each key in its partition, offsets in publish order."""
    topic = qualified(VENUE_JOURNAL, namespace)
    offsets: dict[int, int] = {}
    rows = []
    for e in events:
        key = venue_key(e.venue, e.pair).encode()
        part = partition_of(VENUE_JOURNAL, key)
        offset = offsets.get(part, 0)
        offsets[part] = offset + 1
        rows.append([topic, part, offset, key, type(e).__name__, e.event_id, e.ts,
                     default_codec().encode(e), datetime.fromtimestamp(0, UTC)])
    client.insert("archive_messages", rows, column_names=COLUMNS)


EARLY = [snapshot(T0 - 10 * S, [(8000, 1)], [(8001, 1)]), snapshot(T0 - 5 * S, [(9000, 1)], [(9001, 1)]),
         delta(T0 - 2 * S, ("bid", 8999, 2))]
LATER = [snapshot(T0, [(100, 1)], [(101, 1)], pair="ETH-USD"), delta(T0 + 40 * MS, ("ask", 9001, 0)),
         trade(T0 + 40 * MS, 9000, 0.5), delta(T0 + 70 * MS, ("ask", 9002, 3)),
         delta(T0 + S, ("bid", 101, 1), pair="ETH-USD"), delta(T0 + 30 * S, ("ask", 9003, 1))]


def test_reads_each_book_from_its_last_snapshot_merged_by_time(clickhouse_dsn: str, namespace: str) -> None:
    client = get_client(clickhouse_dsn)
    archive(client, namespace, [listing(), listing("ETH-USD"), *EARLY, *LATER])
    wanted = [MarketRef(VENUE, "BTC-USD"), MarketRef(VENUE, "ETH-USD")]
    source = ArchiveSource(client, namespace, wanted, T0, T0 + 20 * S, batch=2)
    assert [m.pair for m in source.listings()] == ["BTC-USD", "ETH-USD"]
    assert source.markets() == wanted
    assert list(source.events()) == [EARLY[1], EARLY[2], *LATER[:5]]  # not the older snapshot, not after end


def test_a_backtest_on_the_archive_equals_one_on_the_same_events(clickhouse_dsn: str, namespace: str) -> None:
    client = get_client(clickhouse_dsn)
    events = [snapshot(T0, [(9000, 1)], [(9001, 1), (9002, 1)]), *LATER[1:4]]
    archive(client, namespace, [listing(), *events])

    def outputs(source: Any) -> list[bytes]:
        journal = MemoryJournal({VENUE_EVENTS})
        run = RunSetup(run_spec(), Script({T0: market_buy(1.5, 9010)}))
        Backtest(BacktestConfig(T0, T0 + 10 * S), source, [run], journal=journal).run()
        return [m.value for m in journal.topic(VENUE_EVENTS)]

    from_archive = outputs(ArchiveSource(client, namespace, [MarketRef(VENUE, "BTC-USD")], T0, T0 + 10 * S))
    assert len(from_archive) >= 3
    assert from_archive == outputs(ListSource((listing(),), tuple(events)))

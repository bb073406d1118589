"""A backtest reads each market from the one dataset that holds it, or refuses and says how to choose."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from replay.sources import ArchiveSource, Coverage, NoData, OverlappingData, choose
from schemas.codec import default_codec
from schemas.events import BookStatusChanged, Event
from schemas.topics import VENUE_JOURNAL, partition_of, qualified, venue_key
from strategies.api import MarketRef
from streams.archive.clickhouse import get_client
from tests.unit.replay.kit import T0, VENUE, S, delta, listing, snapshot

COLUMNS = ["topic", "partition", "offset", "key", "event_type", "event_id", "ts", "value", "kafka_ts"]
BTC = MarketRef(VENUE, "BTC-USD")
ETH = MarketRef(VENUE, "ETH-USD")
LATER = T0 + 2_000 * 86_400 * S  # away from the other tests' events of the same venue


def test_each_market_comes_from_the_one_dataset_holding_it() -> None:
    coverage = [Coverage("import.a", BTC, 1, 2, 3), Coverage("ns.venue.journal.v1", ETH, 1, 2, 3)]
    assert choose(coverage, [BTC, ETH]) == {BTC: "import.a", ETH: "ns.venue.journal.v1"}
    assert choose(coverage, [BTC, ETH], named=["import.a"]) == {BTC: "import.a"}


def test_two_datasets_of_one_market_are_refused_with_both_named() -> None:
    coverage = [Coverage("import.b", BTC, 5 * S, 9 * S, 4), Coverage("import.a", BTC, 0, 6 * S, 7)]
    with pytest.raises(OverlappingData) as refused:
        choose(coverage, [BTC])
    assert str(refused.value) == (
        "synthetic:BTC-USD is in 2 datasets in that time range: import.a (import file, "
        "1970-01-01 00:00:00 to 1970-01-01 00:00:06, 7 events); "
        "import.b (import file, 1970-01-01 00:00:05 to 1970-01-01 00:00:09, 4 events). "
        "A backtest reads each market from one dataset: name one with --dataset NAME "
        "(`cryptick market datasets` lists them), or narrow --start/--end to one of them")
    assert choose(coverage, [BTC], named=["import.b"]) == {BTC: "import.b"}


def test_a_name_that_is_no_dataset_is_refused() -> None:
    with pytest.raises(NoData) as refused:
        choose([Coverage("import.a", BTC, 0, 1, 1)], [BTC], named=["import.zz"], known=["import.a"])
    assert str(refused.value) == "no dataset named import.zz; `cryptick market datasets` lists them"


def archive(client: Any, topic: str, events: list[Event]) -> None:
    offsets: dict[int, int] = {}
    rows = []
    for e in events:
        key = venue_key(e.venue, e.pair).encode()  # type: ignore[union-attr]
        part = partition_of(VENUE_JOURNAL, key)
        offset = offsets.get(part, 0)
        offsets[part] = offset + 1
        rows.append([topic, part, offset, key, type(e).__name__, e.event_id, e.ts, default_codec().encode(e),
                     datetime.fromtimestamp(0, UTC)])
    client.insert("archive_messages", rows, column_names=COLUMNS)


def test_an_import_and_a_recording_of_one_book_are_refused_unless_one_is_named(
        clickhouse_dsn: str, namespace: str) -> None:
    client = get_client(clickhouse_dsn)
    imported, recorded = f"import.{namespace}.abc", qualified(VENUE_JOURNAL, namespace)
    pair = f"B{namespace.upper()}-USD"  # a book of this test only
    book = MarketRef(VENUE, pair)
    stale = BookStatusChanged(f"{pair}:stale", VENUE, pair, True, "malformed book message", LATER + 2 * S)
    mine: list[Event] = [listing(pair), snapshot(LATER, [(9000, 1)], [(9001, 1)], pair=pair), stale,
            delta(LATER + 3 * S, ("bid", 8999, 1), pair=pair)]
    archive(client, imported, mine)
    archive(client, recorded, [listing(pair), snapshot(LATER + S, [(100, 1)], [(101, 1)], pair=pair)])

    with pytest.raises(OverlappingData, match=f"{imported} \\(import file.*{recorded} \\(live namespace "
                                              f"{namespace}"):
        ArchiveSource(client, None, [book], LATER, LATER + 10 * S)

    source = ArchiveSource(client, None, [book], LATER, LATER + 10 * S, datasets=[imported])
    assert source.describe() == [f"{imported} (import file): {book}"]
    assert list(source.events()) == mine[1:]  # the stale report too, as live delivered it
    assert [x.pair for x in source.listings()] == [pair]
    other = ArchiveSource(client, namespace, [book], LATER, LATER + 10 * S)
    assert other.used() == {recorded: [str(book)]} and len(list(other.events())) == 1


def test_the_backtest_command_refuses_two_datasets_and_reads_the_one_named(
        clickhouse_dsn: str, namespace: str) -> None:
    from typer.testing import CliRunner

    from cryptick.commands.backtest import app

    client = get_client(clickhouse_dsn)
    base = f"B{namespace.upper()}"
    pair = f"{base}-USD"
    imported, recorded = f"import.{namespace}.abc", qualified(VENUE_JOURNAL, namespace)
    for topic in (imported, recorded):
        archive(client, topic, [listing(pair), snapshot(LATER, [(9000, 1)], [(9001, 1)], pair=pair)])
    start = datetime.fromtimestamp(LATER // S, UTC).strftime("%Y-%m-%dT%H:%M")
    end = datetime.fromtimestamp(LATER // S + 120, UTC).strftime("%Y-%m-%dT%H:%M")
    args = ["hodl", "--balance", "synthetic:USD=100000", "--param", f"bases={base}", "--source", "archive",
            "--start", start, "--end", end, "--no-progress", "--no-store"]

    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr.startswith(f"error: synthetic:{pair} is in 2 datasets in that time range: ")
    assert imported in refused.stderr and recorded in refused.stderr and "--dataset NAME" in refused.stderr

    chosen = CliRunner().invoke(app, [*args, "--dataset", imported])
    assert chosen.exit_code == 0, chosen.stderr
    assert chosen.stdout.splitlines()[0] == f"data: {imported} (import file): synthetic:{pair}"

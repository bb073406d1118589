"""The archive's fast path stores exactly the rows of the reference path, in every table.

Reference: every message decoded one by one by the contract's codec (no bulk decoder), each table
inserted in turn on one connection. Fast path: ``ArchiveWriter.write_all`` (bulk decoding, the next
batch decoded while one is inserted, raw and typed tables over two connections). The same messages,
under two topic names, must give the same rows in ``archive_messages`` and in every typed table.
"""

from __future__ import annotations

from typing import Any

import pytest

from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.codec import MARKER, DecodeError, default_codec
from streams.archive import decode
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import get_client
from streams.archive.decode import WriterSchema, decode_batch
from streams.archive.tables import specs
from streams.archive.writer import INSERT_SETTINGS, RAW_TABLE, ArchiveWriter
from tests.unit.archive.samples import sample_events

pytestmark = pytest.mark.integration


def _values() -> list[bytes]:
    """A market (deltas with several changes, trades, snapshots), every event type, and bytes that are
    no event, mixed."""
    codec = default_codec()
    feed = SyntheticFeed(SyntheticConfig(venue="same", bases=("BTC", "ETH"), levels=5))
    values = [codec.encode(e) for e in [*feed.listings(), *feed.events(120)]]
    values[40:40] = [codec.encode(e) for e in sample_events()]
    trade = values[-1]
    values[7:7] = [b"", b"no avro", MARKER + b"\x00" * 8 + trade[10:], trade[:-1]]
    return values


def _batches(topic: str, values: list[bytes], size: int) -> list[RawBatch]:
    records = [(topic, i % 3, i, f"k{i % 5}".encode(), v, 1_700_000_000_000 + i)
               for i, v in enumerate(values)]
    return [RawBatch.from_records(records[i:i + size]) for i in range(0, len(records), size)]


def _reference(client: Any, batches: list[RawBatch], monkeypatch: pytest.MonkeyPatch) -> None:
    one_by_one = {fp: WriterSchema(s.cls, None) for fp, s in decode.writer_schemas().items()}
    with monkeypatch.context() as m:
        m.setattr(decode, "writer_schemas", lambda: one_by_one)
        for batch in batches:
            rows = decode_batch(batch)
            for name, table in [(RAW_TABLE, rows.raw), *rows.typed]:
                client.insert_arrow(name, table, settings={"optimize_on_insert": 0})


def _rows(client: Any, table: str, topic: str) -> list[tuple[Any, ...]]:
    if table == RAW_TABLE:  # an undecodable message's id names its coordinates, topic included
        sql = ("SELECT * EXCEPT (topic, archived_at) REPLACE (replaceOne(event_id, topic, '') AS event_id)"
               f" FROM {RAW_TABLE} FINAL WHERE topic = {{t:String}} ORDER BY partition, offset")
    else:
        sql = (f"SELECT * EXCEPT (kafka_topic) FROM {table} FINAL WHERE kafka_topic = {{t:String}}"
               " ORDER BY kafka_partition, kafka_offset")
    return [tuple(r) for r in client.query(sql, parameters={"t": topic}).result_rows]


def test_every_table_holds_the_same_rows_as_the_one_by_one_reference(
    clickhouse_dsn: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = get_client(clickhouse_dsn)
    values = _values()
    reference, fast = f"{namespace}.reference", f"{namespace}.fast"
    _reference(client, _batches(reference, values, 200), monkeypatch)
    writer = ArchiveWriter(client)
    try:
        writer.write_all(_batches(fast, values, 200))
    finally:
        writer.close()
    assert INSERT_SETTINGS["optimize_on_insert"] == 0
    tables = [RAW_TABLE, *sorted({s.name for s in specs().values()})]
    stored = 0
    for table in tables:
        expected = _rows(client, table, reference)
        assert _rows(client, table, fast) == expected, table
        stored += len(expected)
    raw = len(_rows(client, RAW_TABLE, fast))
    assert raw == len(values)
    assert stored - raw == len(values) - 4  # a typed row for each event, none for the four non-events
    _check_against_the_codec(client, fast, values)


def _check_against_the_codec(client: Any, topic: str, values: list[bytes]) -> None:
    """What both paths share (the raw columns, the coordinates of typed rows), against the messages."""
    codec = default_codec()
    raw: list[tuple[Any, ...]] = []
    typed: dict[str, list[tuple[Any, ...]]] = {}
    for i, value in enumerate(values):
        coordinates = (i % 3, i, f"k{i % 5}", value)
        try:
            event = codec.decode(value)
        except DecodeError:
            raw.append((*coordinates, "undecodable", f"{topic}:{i % 3}:{i}", 0, 1_700_000_000_000 + i))
            continue
        raw.append((*coordinates, type(event).__name__, event.event_id, event.ts, 1_700_000_000_000 + i))
        typed.setdefault(specs()[type(event).__name__].name, []).append((i % 3, i, event.event_id))
    stored = client.query(
        "SELECT partition, offset, key, value, event_type, event_id, ts, toUnixTimestamp64Milli(kafka_ts)"
        f" FROM {RAW_TABLE} FINAL WHERE topic = {{t:String}} ORDER BY offset",
        parameters={"t": topic}, column_formats={"value": "bytes"}).result_rows
    assert [tuple(r) for r in stored] == raw
    for table, rows in typed.items():
        got = client.query(f"SELECT kafka_partition, kafka_offset, event_id FROM {table} FINAL"
                           " WHERE kafka_topic = {t:String} ORDER BY kafka_offset", parameters={"t": topic})
        assert [tuple(r) for r in got.result_rows] == rows, table

"""A batch of messages becomes raw rows (bytes, coordinates, type, id, time) and typed rows."""

from __future__ import annotations

import io
import json
import struct

import pyarrow as pa
from fastavro import parse_schema, schemaless_writer

from schemas.codec import MARKER, RELEASED_DIR, default_codec, fingerprint
from schemas.events import BookDelta, BookSnapshot, Level, LevelChange, PublicTrade
from streams.archive.batch import RawBatch
from streams.archive.decode import UNDECODABLE, decode_batch
from streams.archive.tables import specs
from tests.unit.archive.samples import as_row, sample_events


def _batch(values: list[bytes], topic: str = "t") -> RawBatch:
    return RawBatch.from_records(
        (topic, i % 3, 100 + i, f"k{i}".encode(), v, 1_700_000_000_000 + i) for i, v in enumerate(values)
    )


def _typed(rows: object, table: str) -> list[dict[str, object]]:
    tables = [t for name, t in rows.typed if name == table]  # type: ignore[attr-defined]
    return pa.concat_tables(tables).to_pylist() if tables else []


def test_every_event_gets_a_raw_row_and_a_typed_row() -> None:
    codec = default_codec()
    events = sample_events()
    batch = _batch([codec.encode(e) for e in events])
    rows = decode_batch(batch)
    raw = rows.raw.to_pylist()
    assert [(r["topic"], r["partition"], r["offset"], r["key"]) for r in raw] == [
        ("t", i % 3, 100 + i, f"k{i}".encode()) for i in range(len(events))
    ]
    assert [(r["event_type"], r["event_id"], r["ts"]) for r in raw] == [
        (type(e).__name__, e.event_id, e.ts) for e in events
    ]
    assert [r["value"] for r in raw] == batch.values
    assert raw[0]["kafka_ts"].timestamp() == 1_700_000_000.0
    for i, event in enumerate(events):
        typed = [r for r in _typed(rows, specs()[type(event).__name__].name) if r["kafka_offset"] == 100 + i]
        assert typed == [
            {"kafka_topic": "t", "kafka_partition": i % 3, "kafka_offset": 100 + i, **as_row(event)}
        ]
    assert sum(rows.counts.values()) == len(events)


def test_bytes_that_are_no_event_are_kept_raw_as_undecodable() -> None:
    codec = default_codec()
    trade = codec.encode(PublicTrade("t1", "v", "P", 5, 6, "1", 7, 8, None))
    unknown = MARKER + b"\x00" * 8 + trade[10:]
    values = [b"", b"plain text", unknown, trade + b"\x00", trade[:-1], trade]
    rows = decode_batch(_batch(values, topic="x"))
    raw = rows.raw.to_pylist()
    assert [r["event_type"] for r in raw] == [UNDECODABLE] * 5 + ["PublicTrade"]
    assert [r["event_id"] for r in raw] == [f"x:{i % 3}:{100 + i}" for i in range(5)] + ["t1"]
    assert [r["value"] for r in raw] == values
    assert [r["event_id"] for r in _typed(rows, "archive_public_trade")] == ["t1"]
    assert rows.counts == {UNDECODABLE: 5, "PublicTrade": 1}


def test_a_deep_snapshot_goes_the_slow_way_and_still_gets_its_typed_row() -> None:
    codec = default_codec()
    deep = BookSnapshot(
        "deep", "v", "P", 1, 2, 3, [Level(10_000 - i, i + 1) for i in range(400)], [Level(1, 1)]
    )
    small = BookSnapshot("small", "v", "P", 1, 2, None, [], [])
    rows = decode_batch(_batch([codec.encode(small), codec.encode(deep)]))
    typed = sorted(_typed(rows, "archive_book_snapshot"), key=lambda r: str(r["event_id"]))
    assert typed[0]["event_id"] == "deep" and len(typed[0]["bids"]) == 400  # type: ignore[arg-type]
    assert typed[0]["bids"][:2] == [{"price": 10_000, "size": 1}, {"price": 9_999, "size": 2}]  # type: ignore[index]
    assert typed[1]["event_id"] == "small"


def test_data_written_with_an_older_schema_version_lands_in_the_same_table() -> None:
    """BookDelta v1 had no prev_seq: its rows leave that column to the table default."""
    v1 = json.loads((RELEASED_DIR / "BookDelta.v1.avsc").read_text())
    assert "prev_seq" not in {f["name"] for f in v1["fields"]}
    body = io.BytesIO()
    schemaless_writer(
        body,
        parse_schema(v1),
        {
            "event_id": "old",
            "venue": "v",
            "pair": "P",
            "ts": 1,
            "recv_ts": 2,
            "seq": 9,
            "changes": [{"side": "bid", "price": 3, "size": 4}],
        },
    )
    old = MARKER + fingerprint(v1) + body.getvalue()
    new = default_codec().encode(BookDelta("new", "v", "P", 1, 2, 10, [LevelChange("ask", 5, 6)], prev_seq=9))
    rows = decode_batch(_batch([old, new]))
    tables = [t for name, t in rows.typed if name == "archive_book_delta"]
    assert sorted(t.num_rows for t in tables) == [1, 1]
    by_id = {r["event_id"]: r for t in tables for r in t.to_pylist()}
    assert "prev_seq" not in by_id["old"] and by_id["old"]["changes"] == [
        {"side": "bid", "price": 3, "size": 4}
    ]
    assert by_id["new"]["prev_seq"] == 9
    assert [r["event_type"] for r in rows.raw.to_pylist()] == ["BookDelta", "BookDelta"]


def test_trade_spans_per_book_for_the_candle_refresh() -> None:
    codec = default_codec()
    trades = [
        PublicTrade(f"t{i}", "v", pair, ts, ts, str(i), 1, 1, None)
        for i, (pair, ts) in enumerate([("A-B", 50), ("A-B", 10), ("C-D", 7), ("A-B", 30)])
    ]
    rows = decode_batch(_batch([codec.encode(t) for t in trades]))
    assert rows.trade_spans == {("v", "A-B"): (10, 50), ("v", "C-D"): (7, 7)}


def test_an_empty_batch() -> None:
    rows = decode_batch(RawBatch.from_records([]))
    assert rows.raw.num_rows == 0 and rows.typed == []


def test_fingerprints_are_read_as_eight_little_endian_bytes() -> None:
    value = default_codec().encode(PublicTrade("t", "v", "P", 1, 2, "1", 3, 4, "buy"))
    assert struct.unpack("<Q", value[2:10])[0] != 0
    assert decode_batch(_batch([value])).raw.column("event_type").to_pylist() == ["PublicTrade"]

"""A batch of Kafka messages into the archive's Arrow tables: raw and typed (pure).

Messages are grouped by the writer-schema fingerprint in their Avro
single-object header and each group is decoded in bulk (``columnar``).
Messages the bulk decoder cannot take (a record that does not frame, a very
long array, a schema shape it does not support, text that is not UTF-8) are
decoded one by one by the contract's codec, which is the reference: what it
decodes gets a typed row, what it rejects is archived raw only, as
``event_type = 'undecodable'`` with the id ``topic:partition:offset``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas.codec import AVSC_DIR, HEADER_SIZE, MARKER, RELEASED_DIR, DecodeError, default_codec, fingerprint
from schemas.events import EVENT_TYPES
from streams.archive.batch import RawBatch
from streams.archive.columnar import PAD, BulkDecoder, InvalidText, Unsupported, to_arrow, words
from streams.archive.tables import TableSpec, specs

UNDECODABLE = "undecodable"

RAW_SCHEMA = pa.schema([
    pa.field("topic", pa.string()),
    pa.field("partition", pa.uint16()),
    pa.field("offset", pa.uint64()),
    pa.field("key", pa.binary()),
    pa.field("event_type", pa.string()),
    pa.field("event_id", pa.string()),
    pa.field("ts", pa.int64()),
    pa.field("value", pa.binary()),
    pa.field("kafka_ts", pa.timestamp("ms", tz="UTC")),
])
"""Columns of ``archive_messages`` the writer fills (``archived_at`` is the table's default)."""


@dataclass(frozen=True, slots=True)
class WriterSchema:
    """One schema version events were written with, and its bulk decoder if it has one."""

    cls: type
    decoder: BulkDecoder | None


@cache
def writer_schemas() -> dict[bytes, WriterSchema]:
    """Fingerprint -> writer schema, for the current and every released schema version."""
    found: dict[bytes, WriterSchema] = {}
    for cls in EVENT_TYPES:
        paths = [AVSC_DIR / f"{cls.__name__}.avsc"]
        paths += [p for p in sorted(RELEASED_DIR.glob(f"{cls.__name__}.v*.avsc"))
                  if re.fullmatch(rf"{cls.__name__}\.v\d+\.avsc", p.name)]
        for path in paths:
            raw = json.loads(path.read_text())
            fp = fingerprint(raw)
            if fp in found:
                continue
            try:
                decoder: BulkDecoder | None = BulkDecoder(raw)
            except Unsupported:
                decoder = None
            found[fp] = WriterSchema(cls, decoder)
    return found


@dataclass(slots=True)
class ArchiveRows:
    """What one batch writes: the raw table, typed tables, and the trades' time span per book."""

    raw: pa.Table
    typed: list[tuple[str, pa.Table]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # event type -> messages
    trade_spans: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


@dataclass(slots=True)
class _Piece:
    """Rows of one event type decoded from some messages of the batch."""

    rows: np.ndarray  # message indices
    event_type: str
    event_ids: pa.Array
    ts: np.ndarray
    typed: pa.Table | None  # fields only (coordinates are added per table)


def _slow(batch: RawBatch, rows: np.ndarray) -> list[_Piece]:
    """Decode messages one by one with the codec; group the results by event type."""
    codec = default_codec()
    events: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    broken: list[int] = []
    for i in rows.tolist():
        try:
            events[type(event := codec.decode(batch.values[i])).__name__].append((i, event))
        except DecodeError:
            broken.append(i)
    pieces = []
    for name, items in events.items():
        spec = specs()[name]
        table = pa.Table.from_pylist([_event_row(spec, e) for _, e in items],
                                     schema=pa.schema([pa.field(c.name, c.arrow_type) for c in spec.columns]))
        pieces.append(_Piece(np.array([i for i, _ in items], dtype=np.int64), name,
                             table.column("event_id").combine_chunks(),
                             np.array([e.ts for _, e in items], dtype=np.int64), table))
    if broken:
        ids = [f"{batch.topics[i]}:{batch.partitions[i]}:{batch.offsets[i]}" for i in broken]
        pieces.append(_Piece(np.array(broken, dtype=np.int64), UNDECODABLE, pa.array(ids, pa.string()),
                             np.zeros(len(broken), dtype=np.int64), None))
    return pieces


def _event_row(spec: TableSpec, event: Any) -> dict[str, Any]:
    row = {}
    for column in spec.columns:
        value = getattr(event, column.name)
        row[column.name] = [dataclasses.asdict(v) for v in value] if column.nested else value
    return row


def _fast(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, rows: np.ndarray, schema: WriterSchema
          ) -> tuple[_Piece | None, np.ndarray]:
    """Bulk-decode one fingerprint group; the piece and the rows left for the slow path."""
    assert schema.decoder is not None
    spec = specs()[schema.cls.__name__]
    # the table's columns this writer version has (a field it lacks takes the column default)
    kinds = {c.name: c.arrow_type for c in spec.columns}
    wanted = [n for n in schema.decoder.field_names if n in kinds]
    columns, ok = schema.decoder.decode(buf, starts[rows] + HEADER_SIZE, ends[rows])
    try:
        arrays = {name: to_arrow(buf, columns[name], ok) for name in wanted}
    except InvalidText:
        return None, rows
    typed = pa.table(arrays).cast(pa.schema([pa.field(n, kinds[n]) for n in wanted]))
    ts_col = columns.get("ts")
    ts = ts_col[ok] if isinstance(ts_col, np.ndarray) else np.zeros(int(ok.sum()), dtype=np.int64)
    piece = _Piece(rows[ok], schema.cls.__name__, typed.column("event_id").combine_chunks(), ts, typed)
    return piece, rows[~ok]


def _pieces(batch: RawBatch) -> tuple[list[_Piece], np.ndarray, np.ndarray]:
    """Every message decoded into pieces by event type; the padded joined values and their ends."""
    values = batch.values
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    buf = np.frombuffer(b"".join([*values, bytes(PAD)]), dtype=np.uint8)  # one copy of the bytes
    framed = lengths >= HEADER_SIZE
    head = np.where(framed, starts, 0)
    marker_ok = framed & (buf[head] == MARKER[0]) & (buf[head + 1] == MARKER[1])
    # the 8 fingerprint bytes as one little-endian word (PAD keeps the read inside the buffer)
    fps = np.where(marker_ok, words(buf)[head + 2], np.uint64(0))
    known = writer_schemas()
    pieces: list[_Piece] = []
    slow: list[np.ndarray] = [np.flatnonzero(~marker_ok)]
    groups, inverse = _unique(fps)
    for g, fp in enumerate(groups.tolist()):
        rows = np.flatnonzero((inverse == g) & marker_ok)
        if not rows.size:
            continue
        schema = known.get(int(fp).to_bytes(8, "little"))
        if schema is None or schema.decoder is None:
            slow.append(rows)
            continue
        piece, rest = _fast(buf, starts, ends, rows, schema)
        if piece is not None:
            pieces.append(piece)
        slow.append(rest)
    left = np.concatenate(slow)
    if left.size:
        pieces += _slow(batch, np.sort(left))
    return pieces, buf, ends


def _unique(fps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(fps, return_inverse=True)`` by hashing rather than sorting (a batch has few distinct
    fingerprints): the distinct values in ascending order, and each element's index among them."""
    encoded = pc.dictionary_encode(pa.array(fps, type=pa.uint64()))
    found = encoded.dictionary.to_numpy()
    order = np.argsort(found)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return found[order], rank[encoded.indices.to_numpy()]


def _value_column(buf: np.ndarray, ends: np.ndarray, values: list[bytes]) -> pa.Array:
    """The values as one binary column over the joined buffer (no copy); ``ends``: each value's end."""
    total = int(ends[-1]) if len(ends) else 0
    if total >= 2**31 - 1:
        return pa.array(values, type=pa.large_binary())
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    offsets[1:] = ends
    return pa.Array.from_buffers(pa.binary(), len(values),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(buf[:total])])


def decode_batch(batch: RawBatch) -> ArchiveRows:
    """The raw ``archive_messages`` rows and the typed rows of every message in ``batch``."""
    n = len(batch)
    pieces, buf, ends = _pieces(batch)
    order = np.concatenate([p.rows for p in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n, dtype=np.int64)  # message index -> position in piece order
    type_names = [p.event_type for p in pieces]
    type_index = np.concatenate([np.full(len(p.rows), i, dtype=np.int32) for i, p in enumerate(pieces)]) \
        if pieces else np.zeros(0, dtype=np.int32)
    event_type = pa.DictionaryArray.from_arrays(pa.array(type_index[back]), pa.array(type_names, pa.string()))
    event_ids = pa.concat_arrays([p.event_ids for p in pieces]) if pieces else pa.array([], pa.string())
    ts = np.concatenate([p.ts for p in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    raw = pa.Table.from_arrays([
        pa.array(batch.topics, type=pa.string()),
        pa.array(batch.partitions.astype(np.uint16)),
        pa.array(batch.offsets.astype(np.uint64)),
        pa.array(batch.keys, type=pa.binary()),
        event_type.cast(pa.string()),
        event_ids.take(pa.array(back)),
        pa.array(ts[back]),
        _value_column(buf, ends, batch.values),
        pa.array(batch.kafka_ts_ms, type=pa.timestamp("ms", tz="UTC")),
    ], schema=RAW_SCHEMA)
    out = ArchiveRows(raw)
    topics = raw.column("topic").combine_chunks()
    for piece in pieces:
        out.counts[piece.event_type] = out.counts.get(piece.event_type, 0) + len(piece.rows)
        if piece.typed is None:
            continue
        rows = pa.array(piece.rows)
        coords = [topics.take(rows), pa.array(batch.partitions[piece.rows].astype(np.uint16)),
                  pa.array(batch.offsets[piece.rows].astype(np.uint64))]
        table = pa.Table.from_arrays(coords + piece.typed.columns,
                                     names=["kafka_topic", "kafka_partition", "kafka_offset",
                                            *piece.typed.column_names])
        out.typed.append((specs()[piece.event_type].name, table))
        if piece.event_type == "PublicTrade":
            _trade_spans(table, out.trade_spans)
    return out


def _trade_spans(table: pa.Table, spans: dict[tuple[str, str], tuple[int, int]]) -> None:
    if not table.num_rows:
        return
    agg = table.group_by(["venue", "pair"]).aggregate([("ts", "min"), ("ts", "max")])
    columns = [agg.column(c).to_pylist() for c in ("venue", "pair", "ts_min", "ts_max")]
    for venue, pair, lo, hi in zip(*columns, strict=True):
        old = spans.get((venue, pair))
        spans[(venue, pair)] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))


def decode_repeats(batch: RawBatch, first: np.ndarray) -> ArchiveRows:
    """``decode_batch(batch)`` for a batch in which many messages repeat the value of an earlier one (a
    backtest's market event in the venue's inbox and in each run's): ``first[i]`` is the index of the
    first message whose value message ``i`` repeats (``i`` itself for a first). Each value is decoded
    once; the rows of its repeats are copies of its rows under their own coordinates."""
    n = len(batch)
    firsts = np.flatnonzero(first == np.arange(n, dtype=np.int64))
    if len(firsts) == n:
        return decode_batch(batch)
    m = len(firsts)
    slot = np.empty(n, dtype=np.int64)
    slot[firsts] = np.arange(m, dtype=np.int64)
    of = slot[first]  # message -> its value's row among the firsts
    once = decode_batch(RawBatch(topics=[""] * m, partitions=np.zeros(m, dtype=np.int64),
                                 offsets=np.arange(m, dtype=np.int64), keys=[b""] * m,
                                 values=[batch.values[i] for i in firsts.tolist()],
                                 kafka_ts_ms=batch.kafka_ts_ms[firsts]))
    topics = pa.array(batch.topics, type=pa.string())
    partitions = pa.array(batch.partitions.astype(np.uint16))
    offsets = pa.array(batch.offsets.astype(np.uint64))
    taken = once.raw.take(pa.array(of))
    event_ids = taken.column("event_id").combine_chunks()
    broken = np.flatnonzero(taken.column("event_type").combine_chunks().to_numpy(zero_copy_only=False)
                            == UNDECODABLE)
    if broken.size:  # an undecodable message is named by its own coordinates
        ids = event_ids.to_pylist()
        for i in broken.tolist():
            ids[i] = f"{batch.topics[i]}:{batch.partitions[i]}:{batch.offsets[i]}"
        event_ids = pa.array(ids, pa.string())
    raw = pa.Table.from_arrays([
        topics, partitions, offsets, pa.array(batch.keys, type=pa.binary()),
        taken.column("event_type"), event_ids, taken.column("ts"), taken.column("value"),
        pa.array(batch.kafka_ts_ms, type=pa.timestamp("ms", tz="UTC")),
    ], schema=RAW_SCHEMA)
    out = ArchiveRows(raw)
    for name, table in once.typed:
        row = np.full(m, -1, dtype=np.int64)  # a first's row in this table, if it has one
        row[table.column("kafka_offset").to_numpy()] = np.arange(table.num_rows, dtype=np.int64)
        where = row[of]
        mine = np.flatnonzero(where >= 0)
        rows = table.take(pa.array(where[mine]))
        coords = [topics.take(pa.array(mine)), partitions.take(pa.array(mine)), offsets.take(pa.array(mine))]
        out.typed.append((name, pa.Table.from_arrays(coords + rows.columns[3:], names=table.column_names)))
    for kind, count in zip(*_value_counts(raw.column("event_type")), strict=True):
        out.counts[kind] = count
    for name, table in out.typed:
        if name == specs()["PublicTrade"].name:
            _trade_spans(table, out.trade_spans)
    return out


def _value_counts(column: pa.ChunkedArray) -> tuple[list[str], list[int]]:
    counted = column.combine_chunks().value_counts()
    return counted.field("values").to_pylist(), counted.field("counts").to_pylist()

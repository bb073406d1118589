"""A batch whose messages repeat earlier values decodes each value once, into the rows decoding all gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from schemas.codec import default_codec
from streams.archive.batch import RawBatch
from streams.archive.decode import ArchiveRows, decode_batch, decode_repeats
from tests.unit.archive.samples import sample_events


def _sorted(rows: ArchiveRows) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    raw = sorted(rows.raw.to_pylist(), key=lambda r: (r["topic"], r["partition"], r["offset"]))
    typed: dict[str, list[dict[str, Any]]] = {}
    for name, table in rows.typed:
        typed.setdefault(name, []).extend(table.to_pylist())
    for name in typed:
        typed[name].sort(key=lambda r: (r["kafka_topic"], r["kafka_partition"], r["kafka_offset"]))
    return raw, typed


def test_repeated_values_give_the_rows_of_decoding_every_message() -> None:
    codec = default_codec()
    values = [codec.encode(e) for e in sample_events()] + [b"\xc3\x01not an event", b""]
    # each value first in one topic, then again in another, some a third time, in an interleaved order
    records, first = [], []
    at: dict[int, int] = {}
    order = [*range(len(values)), *range(0, len(values), 2), *range(len(values) - 1, -1, -3)]
    for i, v in enumerate(order):
        topic = "run.venue.journal" if i < len(values) else f"run.strategy.journal.{i % 3}"
        records.append((topic, i % 4, i, f"k{v}".encode(), values[v], 1_000 + v))
        first.append(at.setdefault(v, i))
    batch = RawBatch.from_records(records)
    once, every = decode_repeats(batch, np.array(first)), decode_batch(batch)
    assert _sorted(once) == _sorted(every)
    assert once.counts == every.counts and once.trade_spans == every.trade_spans
    assert once.raw.schema == every.raw.schema and len(first) > len(values)
    for (name, table), (other, expected) in zip(sorted(once.typed, key=lambda t: t[0]),
                                                sorted(every.typed, key=lambda t: t[0]), strict=True):
        assert (name, table.schema) == (other, expected.schema)


def test_a_batch_without_repeats_is_decoded_as_is() -> None:
    values = [default_codec().encode(e) for e in sample_events()[:6]]
    batch = RawBatch.from_records(("t", 0, i, b"", v, 0) for i, v in enumerate(values))
    assert _sorted(decode_repeats(batch, np.arange(len(values)))) == _sorted(decode_batch(batch))
    assert isinstance(decode_repeats(batch, np.arange(len(values))).raw, pa.Table)

"""For any events the contract allows, the bulk path gives the codec's values, row for row."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.codec import default_codec
from streams.archive.batch import RawBatch
from streams.archive.decode import decode_batch
from streams.archive.tables import specs
from tests.unit.archive.samples import as_row, events


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), min_size=1, max_size=40))
def test_typed_rows_equal_the_codec_decoding(batch_events: list[Any]) -> None:
    codec = default_codec()
    values = [codec.encode(e) for e in batch_events]
    rows = decode_batch(RawBatch.from_records(("t", 0, i, b"", v, 0) for i, v in enumerate(values)))
    typed: dict[int, dict[str, Any]] = {}
    for name, table in rows.typed:
        for row in table.to_pylist():
            typed[row.pop("kafka_offset")] = {
                "table": name,
                **{k: v for k, v in row.items() if not k.startswith("kafka_")},
            }
    for i, value in enumerate(values):
        decoded = codec.decode(value)
        assert typed[i] == {"table": specs()[type(decoded).__name__].name, **as_row(decoded)}
    raw = rows.raw
    assert raw.column("event_id").to_pylist() == [codec.decode(v).event_id for v in values]
    assert raw.column("ts").to_pylist() == [codec.decode(v).ts for v in values]
    assert pa.compute.all(
        pa.compute.equal(raw.column("offset"), pa.array(range(len(values)), pa.uint64()))
    ).as_py()

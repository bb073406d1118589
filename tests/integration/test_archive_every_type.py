"""Every event type of the contract lands in its typed table with the values it was sent with."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from schemas.codec import default_codec
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import get_client
from streams.archive.tables import specs
from streams.archive.writer import ArchiveWriter
from tests.unit.archive.samples import as_row, sample_events

pytestmark = pytest.mark.integration


def _text(value: Any, kind: pa.DataType) -> Any:
    """Arrow results hold String columns as bytes: text fields decode, bytes fields stay."""
    if value is None:
        return None
    if pa.types.is_string(kind):
        return value.decode()
    if pa.types.is_list(kind):
        return [{f.name: _text(v[f.name], f.type) for f in kind.value_type} for v in value]
    return value


def test_typed_rows_read_back_equal_the_events(clickhouse_dsn: str, namespace: str) -> None:
    client = get_client(clickhouse_dsn)
    codec = default_codec()
    events = sample_events()
    topic = f"{namespace}.every"
    ArchiveWriter(client).write(
        RawBatch.from_records((topic, 0, i, b"k", codec.encode(e), 0) for i, e in enumerate(events))
    )
    for i, event in enumerate(events):
        spec = specs()[type(event).__name__]
        rows = client.query_arrow(
            f"SELECT {', '.join(spec.field_names)} FROM {spec.name} FINAL"
            " WHERE kafka_topic = {t:String} AND kafka_offset = {o:UInt64}",
            parameters={"t": topic, "o": i},
            use_strings=False,
        ).to_pylist()
        assert len(rows) == 1, spec.name
        expected = as_row(event)
        for column in spec.columns:
            got = _text(rows[0][column.name], column.arrow_type)
            assert got == expected[column.name], (spec.name, column.name)
    raw = client.query(
        "SELECT event_type, event_id, ts FROM archive_messages FINAL"
        " WHERE topic = {t:String} ORDER BY offset",
        parameters={"t": topic},
    ).result_rows
    assert raw == [(type(e).__name__, e.event_id, e.ts) for e in events]

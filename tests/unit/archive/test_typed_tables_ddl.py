"""The committed DDL is generated from the event classes: one table per event type."""

from __future__ import annotations

import dataclasses
import re

from schemas.events import EVENT_TYPES
from streams.archive.clickhouse import ddl_statements
from streams.archive.tables import DDL_PATH, render, specs


def test_committed_ddl_matches_the_classes() -> None:
    assert DDL_PATH.read_text() == render(), "run: python -m streams.archive.tables"


def test_one_table_per_event_type_with_its_fields_and_the_coordinates() -> None:
    statements = {
        re.search(r"CREATE TABLE IF NOT EXISTS (\w+)", s).group(1): s  # type: ignore[union-attr]
        for s in ddl_statements()
        if s.startswith("CREATE TABLE")
    }
    for cls in EVENT_TYPES:
        spec = specs()[cls.__name__]
        body = statements[spec.name]
        for name in (
            "kafka_topic",
            "kafka_partition",
            "kafka_offset",
            *(f.name for f in dataclasses.fields(cls)),
        ):
            assert re.search(rf"^\s+{name} ", body, re.M), (spec.name, name)
        assert "ENGINE = ReplacingMergeTree" in body
        assert body.rstrip().endswith("kafka_topic, kafka_partition, kafka_offset)")


def test_market_tables_sort_by_book_first_and_alias_their_times() -> None:
    spec = specs()["PublicTrade"]
    assert spec.order_by == ("venue", "pair", "kafka_topic", "kafka_partition", "kafka_offset")
    assert specs()["OrderFilled"].order_by == ("kafka_topic", "kafka_partition", "kafka_offset")
    body = next(s for s in ddl_statements() if f"EXISTS {spec.name}\n" in s)
    assert "receive_time DateTime64(6, 'UTC') ALIAS fromUnixTimestamp64Micro(recv_ts)" in body
    assert "taker_side LowCardinality(Nullable(String))" in body


def test_fields_added_after_the_first_release_are_added_to_existing_tables() -> None:
    assert specs()["BookDelta"].added == ("prev_seq",)
    assert (
        "ALTER TABLE archive_book_delta ADD COLUMN IF NOT EXISTS prev_seq Nullable(Int64)" in ddl_statements()
    )

"""The typed archive tables, one per event type, derived from the event classes (pure).

Each table holds the event's own fields as typed columns (nested lists such as
book levels as ``Array(Tuple(...))``) plus the Kafka coordinates
``kafka_topic``/``kafka_partition``/``kafka_offset`` (prefixed, because
``DeadLetter`` has fields named ``topic``, ``partition`` and ``offset``).

Deduplication: ``ReplacingMergeTree`` collapses rows with equal sorting keys,
and every sorting key ends with the Kafka coordinates. Market tables sort by
``(venue, pair, kafka_topic, kafka_partition, kafka_offset)`` so that reads of
a venue/pair are index range scans; venue and pair are fields of the message
at those coordinates, so the key still identifies one Kafka message and a
redelivered message collapses onto its first copy. Read with ``FINAL``.

``python -m streams.archive.tables`` writes ``infra/clickhouse/002_typed_archive.sql``;
a test fails while the committed file and the classes disagree. Fields added
after a type's first released schema also get an idempotent
``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` so an existing archive follows.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from schemas.codec import RELEASED_DIR
from schemas.events import EVENT_TYPES, NESTED

DDL_PATH = Path(__file__).resolve().parents[2] / "infra" / "clickhouse" / "002_typed_archive.sql"

COORDINATES = ("kafka_topic", "kafka_partition", "kafka_offset")

LOW_CARDINALITY = frozenset({
    "venue", "pair", "side", "taker_side", "order_type", "liquidity", "reason", "currency",
    "fee_currency", "hold_currency", "base", "quote", "kind", "bucket", "account", "principal",
})
"""String fields with few distinct values: stored as ``LowCardinality``."""

MARKET_TYPES = ("BookSnapshot", "BookDelta", "PublicTrade", "BookStatusChanged", "MarketListed")
"""Events of one venue and pair that producers journal into ``venue.journal``."""


@dataclass(frozen=True, slots=True)
class Column:
    """One event field as a ClickHouse column and an Arrow field."""

    name: str
    ch_type: str
    arrow_type: pa.DataType
    nested: type | None = None  # the record class of a list-of-records field


@dataclass(frozen=True, slots=True)
class TableSpec:
    """The typed archive table of one event class."""

    cls: type
    name: str
    columns: tuple[Column, ...]
    order_by: tuple[str, ...]
    added: tuple[str, ...]  # fields absent from the first released schema

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def is_market(self) -> bool:
        return self.cls.__name__ in MARKET_TYPES

    def arrow_schema(self) -> pa.Schema:
        """Coordinates then fields, as the writer builds its Arrow batches."""
        coords = [pa.field("kafka_topic", pa.string()), pa.field("kafka_partition", pa.uint16()),
                  pa.field("kafka_offset", pa.uint64())]
        return pa.schema(coords + [pa.field(c.name, c.arrow_type) for c in self.columns])


def snake(name: str) -> str:
    """``BookSnapshot`` -> ``book_snapshot``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def table_name(cls: type) -> str:
    return f"archive_{snake(cls.__name__)}"


def _scalar(tp: Any, name: str) -> tuple[str, pa.DataType]:
    if tp is bool:
        return "Bool", pa.bool_()
    if tp is int:
        return "Int64", pa.int64()
    if tp is bytes:
        return "String", pa.binary()
    if tp is str:
        return ("LowCardinality(String)" if name in LOW_CARDINALITY else "String"), pa.string()
    raise TypeError(f"no column type for {tp}")


def _column(name: str, tp: Any) -> Column:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        ch, arrow = _scalar(inner, name)
        if ch.startswith("LowCardinality("):
            return Column(name, f"LowCardinality(Nullable({ch[15:-1]}))", arrow)
        return Column(name, f"Nullable({ch})", arrow)
    if origin is list:
        (item,) = typing.get_args(tp)
        if item not in NESTED:
            raise TypeError(f"{name}: only lists of nested records are archived, not {tp}")
        hints = typing.get_type_hints(item)
        parts = [(f.name, *_scalar(hints[f.name], f.name)) for f in dataclasses.fields(item)]
        ch = "Array(Tuple(" + ", ".join(f"{n} {t}" for n, t, _ in parts) + "))"
        arrow = pa.list_(pa.struct([pa.field(n, a) for n, _, a in parts]))
        return Column(name, ch, arrow, nested=item)
    return Column(name, *_scalar(tp, name))


def _first_released_fields(cls: type) -> set[str] | None:
    versions = sorted(
        (int(m.group(1)), p) for p in RELEASED_DIR.glob(f"{cls.__name__}.v*.avsc")
        if (m := re.fullmatch(rf"{cls.__name__}\.v(\d+)\.avsc", p.name))
    )
    if not versions:
        return None
    return {f["name"] for f in json.loads(versions[0][1].read_text())["fields"]}


def spec_for(cls: type) -> TableSpec:
    """The table of one event class."""
    hints = typing.get_type_hints(cls)
    columns = tuple(_column(f.name, hints[f.name]) for f in dataclasses.fields(cls))
    names = {c.name for c in columns}
    order = ("venue", "pair", *COORDINATES) if {"venue", "pair"} <= names and cls.__name__ in MARKET_TYPES \
        else COORDINATES
    first = _first_released_fields(cls)
    added = tuple(c.name for c in columns if first is not None and c.name not in first)
    return TableSpec(cls, table_name(cls), columns, order, added)


@cache
def specs() -> dict[str, TableSpec]:
    """Event class name -> its table spec, for every event of the contract."""
    return {cls.__name__: spec_for(cls) for cls in EVENT_TYPES}


def create_statement(spec: TableSpec) -> str:
    names = {c.name for c in spec.columns}
    lines = ["    kafka_topic     LowCardinality(String)",
             "    kafka_partition UInt16",
             "    kafka_offset    UInt64"]
    lines += [f"    {c.name} {c.ch_type}" for c in spec.columns]
    if "ts" in names:
        lines.append("    event_time DateTime64(6, 'UTC') ALIAS fromUnixTimestamp64Micro(ts)")
    if "recv_ts" in names:
        lines.append("    receive_time DateTime64(6, 'UTC') ALIAS fromUnixTimestamp64Micro(recv_ts)")
    if spec.is_market and "ts" in names:
        lines.append("    INDEX ts_range ts TYPE minmax GRANULARITY 1")
    doc = (spec.cls.__doc__ or "").strip().splitlines()[0]
    return (
        f"-- {spec.cls.__name__}: {doc}\n"
        f"CREATE TABLE IF NOT EXISTS {spec.name}\n(\n" + ",\n".join(lines) + "\n)\n"
        "ENGINE = ReplacingMergeTree\n"
        f"ORDER BY ({', '.join(spec.order_by)});\n"
    )


def render() -> str:
    """The whole DDL file."""
    parts = [
        "-- Generated by `python -m streams.archive.tables` from schemas/events.py: do not edit.\n"
        "-- One table per event type: typed fields plus the Kafka coordinates; times are\n"
        "-- microseconds since the epoch (event_time / receive_time are ALIAS views of them).\n"
        "-- Re-delivered messages collapse on their coordinates: read with FINAL.\n"
    ]
    for spec in specs().values():
        statement = create_statement(spec)
        for name in spec.added:
            column = next(c for c in spec.columns if c.name == name)
            statement += (f"ALTER TABLE {spec.name} ADD COLUMN IF NOT EXISTS "
                          f"{column.name} {column.ch_type};\n")
        parts.append(statement)
    return "\n".join(parts)


def main() -> None:
    DDL_PATH.write_text(render())
    print(f"wrote {len(specs())} tables to {DDL_PATH}")


if __name__ == "__main__":
    main()

"""A report's answer: named columns, rows of plain values, and what was checked (pure, with exports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schemas.units import US


@dataclass(frozen=True, slots=True)
class AuditTable:
    """One report's rows. Values are str, int, bool or None (amounts as exact decimal text)."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(["" if v is None else v for v in r] for r in self.rows)
        return out.getvalue()

    def to_parquet(self) -> bytes:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = {name: pa.array([r[i] for r in self.rows]) if self.rows else pa.array([], pa.string())
                  for i, name in enumerate(self.columns)}
        table = pa.table(arrays)
        meta = {b"title": self.title.encode(), **{f"summary.{k}".encode(): str(v).encode()
                                                  for k, v in self.summary.items()}}
        table = table.replace_schema_metadata(meta)
        out = io.BytesIO()
        pq.write_table(table, out)
        return out.getvalue()

    def to_text(self, limit: int | None = None) -> str:
        """An aligned table for a terminal, then the summary."""
        shown = self.rows if limit is None else self.rows[:limit]
        cells = [list(self.columns)] + [["" if v is None else str(v) for v in r] for r in shown]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = [self.title, ""]
        for n, row in enumerate(cells):
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        if limit is not None and len(self.rows) > limit:
            lines.append(f"... {len(self.rows) - limit} more rows (export them with --format csv)")
        if self.summary:
            lines.append("")
            lines.extend(f"{k}: {v}" for k, v in self.summary.items())
        return "\n".join(lines)


def iso(ts_us: int | None) -> str | None:
    """Microseconds since the epoch as ISO 8601 UTC, to the microsecond."""
    if ts_us is None:
        return None
    return datetime.fromtimestamp(ts_us / US, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def coordinates(topic: str, partition: int, offset: int) -> str:
    return f"{topic}:{partition}:{offset}"


def first_by_id(items: Sequence[Any], key: Any) -> list[Any]:
    """Items with a new ``key(item)`` only: a re-sent output counts once."""
    seen: set[Any] = set()
    out = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out

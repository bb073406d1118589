"""Write batches of messages to ClickHouse: the raw table and the typed tables (I/O shell).

One Arrow insert per table touched by a batch. ``optimize_on_insert`` is off:
duplicates come from re-deliveries across batches, never within one, so
collapsing them at insert time costs without gaining; ``FINAL`` and background
merges collapse them.

Pipelining: decoding is Python (numpy) work and inserting is ClickHouse work
that releases the GIL, so ``submit`` decodes a batch in the caller's thread and
inserts it in a background thread while the caller decodes the next one; at
most one batch is in flight. ``write`` does both in the caller's thread. When
the client came from ``get_client``, the typed tables are inserted over a
second connection while the raw table is inserted over the first: ClickHouse
runs the two at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyarrow as pa

from floor.clickhouse import ClickHouse
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import second_client
from streams.archive.decode import ArchiveRows, decode_batch, decode_repeats

RAW_TABLE = "archive_messages"
INSERT_SETTINGS = {"optimize_on_insert": 0}

AfterInsert = Callable[[ArchiveRows], None]
"""Called in the writer's thread once a batch is in ClickHouse (a candle refresh, say)."""


class ArchiveWriter:
    """Writes message batches into ``archive_messages`` and the per-event-type tables."""

    def __init__(self, client: ClickHouse, after_insert: AfterInsert | None = None, *,
                 parallel: bool = True) -> None:
        self.client = client
        self.after_insert = after_insert
        self.inserts = 0  # batches inserted, and the time they took (for the metrics)
        self.insert_seconds = 0.0
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[ArchiveRows] | None = None
        self._typed_client = second_client(client) if parallel else None

    def write(self, batch: RawBatch, first: np.ndarray | None = None) -> ArchiveRows:
        """Archive every message of ``batch`` now; what was written. ``first``: which messages repeat an
        earlier one's value (``decode_repeats``), decoded once."""
        return self._insert(_decode(batch, first))

    def submit(self, batch: RawBatch, first: np.ndarray | None = None) -> Future[ArchiveRows]:
        """Decode ``batch`` here and insert it in the background, after the batch before it.

        Waits for the previous batch's insert first (re-raising its error), so a
        caller that commits a batch's offsets once its future is done commits in order.
        """
        rows = _decode(batch, first)
        self.wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-insert")
        self._pending = self._pool.submit(self._insert, rows)
        return self._pending

    def wait(self) -> ArchiveRows | None:
        """Wait for the batch in flight, if any; its rows (or its error, raised)."""
        pending, self._pending = self._pending, None
        return pending.result() if pending is not None else None

    def write_all(self, batches: Iterable[RawBatch]) -> list[ArchiveRows]:
        """Archive many batches, decoding each while the one before is inserted."""
        done: list[Future[ArchiveRows]] = [self.submit(batch) for batch in batches]
        self.wait()
        return [f.result() for f in done]

    def close(self) -> None:
        """Finish the batch in flight and stop the background thread."""
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None

    def _insert(self, rows: ArchiveRows) -> ArchiveRows:
        started = time.perf_counter()
        try:
            return self._insert_rows(rows)
        finally:
            self.inserts += 1
            self.insert_seconds += time.perf_counter() - started

    def _insert_rows(self, rows: ArchiveRows) -> ArchiveRows:
        merged: dict[tuple[str, pa.Schema], list[pa.Table]] = {}
        for name, table in rows.typed:
            merged.setdefault((name, table.schema), []).append(table)
        typed = [(name, pa.concat_tables(tables)) for (name, _), tables in merged.items()]
        if self._typed_client is None or not typed or not rows.raw.num_rows:
            _insert_tables(self.client, typed)
            _insert_tables(self.client, [(RAW_TABLE, rows.raw)])
        else:  # a thread per batch (cheap next to its inserts): nothing to close when only ``write`` is used
            failed: list[BaseException] = []
            typed_client = self._typed_client

            def insert_typed() -> None:
                try:
                    _insert_tables(typed_client, typed)
                except BaseException as exc:  # re-raised in this thread below
                    failed.append(exc)

            side = threading.Thread(target=insert_typed, name="archive-typed")
            side.start()
            try:
                _insert_tables(self.client, [(RAW_TABLE, rows.raw)])
            finally:
                side.join()
            if failed:
                raise failed[0]
        if self.after_insert is not None:
            self.after_insert(rows)
        return rows


def _decode(batch: RawBatch, first: np.ndarray | None) -> ArchiveRows:
    return decode_batch(batch) if first is None else decode_repeats(batch, first)


def _insert_tables(client: ClickHouse, tables: list[tuple[str, pa.Table]]) -> None:
    for name, table in tables:
        if table.num_rows:
            client.insert_arrow(name, table, settings=INSERT_SETTINGS)

"""Stored runs: a run's row in the ``runs`` table and its messages in ``archive_messages``.

A backtest writes every message of its inboxes (``venue.journal``,
``ledger.journal``, ``strategy.journal``) and outputs (``venue.events``,
``ledger.events``, ``strategy.events``) through ``RunArchive``, under the topics
of the run's namespace, with the partition and offset the engine gave them:
the rows the archive sink would have written had the run gone through Kafka.
So ``cryptick replay --source <namespace>`` and ``cryptick parity RUN``
re-publish them like any archived namespace.

The backtest hosts its runs as the strategy agent does (``StartRun`` in each
run's ``strategy.journal``), so a Kafka replay re-publishes all three inboxes
(``RUN_INBOXES``) and the outputs digest covers all three output topics
(``RUN_OUTPUTS``): fills, order events, wallet movements and the strategy's
own outputs.

A run's id derives from its configuration, so storing the same run again
first deletes its archived messages, then writes them afresh.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from floor.clickhouse import ClickHouse
from replay.engine import BacktestConfig, RunResult
from replay.parity import OutputDigest, described_digest
from replay.report import Metrics, Report
from replay.sources import JournalSink
from schemas.codec import default_codec
from schemas.events import Allocation
from schemas.topics import (
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    RUN_OUTPUTS,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_EVENTS,
    VENUE_JOURNAL,
    partition_of,
    qualified,
)
from streams.archive.batch import RawBatch
from streams.archive.writer import ArchiveWriter
from streams.ledger.projections import WalletSetView
from streams.money import to_decimal_str, to_fixed

RUN_TOPICS = (VENUE_JOURNAL, LEDGER_JOURNAL, STRATEGY_JOURNAL, VENUE_EVENTS, LEDGER_EVENTS, STRATEGY_EVENTS)
ARCHIVE_COLUMNS = ["topic", "partition", "offset", "key", "event_type", "event_id", "ts", "value", "kafka_ts"]
"""The ``archive_messages`` columns the archive sink fills (``archived_at`` takes its default)."""
RUN_COLUMNS = ["run_id", "strategy", "params", "mode", "namespace", "source", "start_ts", "end_ts",
               "balances", "final_balances", "order_latency_us", "report_latency_us", "status",
               "outputs_sha256", "outputs_count", "messages", "report", "created_at"]
MODES = ("backtest", "paper")
STATUSES = ("done", "stopped", "failed")  # a backtest is done; a paper run stopped or failed


# --- the run's messages -----------------------------------------------------------------


def _delete_topics(client: ClickHouse, topics: list[str]) -> None:
    """Every archived row of ``topics``: raw and typed (the tables of the types they hold: a run stored
    the first time costs one query)."""
    from streams.archive.tables import specs

    held = client.query("SELECT DISTINCT event_type FROM archive_messages WHERE topic IN {t:Array(String)}",
                        parameters={"t": topics}).result_rows
    if not held:
        return
    client.command("DELETE FROM archive_messages WHERE topic IN {t:Array(String)}", parameters={"t": topics})
    tables = specs()
    for spec in (tables[name] for (name,) in held if name in tables):
        client.command(f"DELETE FROM {spec.name} WHERE kafka_topic IN {{t:Array(String)}}",
                       parameters={"t": topics})


class RunArchive:
    """A ``JournalSink`` that writes a run's messages to ``archive_messages`` and the typed tables (as the
    archive sink writes a live namespace's, so audit queries read a backtest as they read a paper run),
    ``batch`` rows at a time.

    Partitions and offsets are numbered as ``MemoryJournal`` numbers them (the
    partition of the key on the logical topic, offsets from 0 per partition).
    ``forward`` also receives the messages of the topics it wants, in the order they
    were appended (batch by batch: read it after ``close``). Call ``close()`` after
    the run to write the last rows and wait for them; if the run or ``close``
    fails, ``discard()``.

    What storing costs the engine: it hands each message's event (``append_item``)
    and does not encode it; appending only numbers the message. A full batch is
    encoded at once (``streams.archive.encode``: the bytes ``Codec.encode`` writes),
    with each event appended to several topics (a market event to the venue's inbox
    and the runs') encoded and decoded for the typed tables once
    (``decode_repeats``); the broker time is the event's, read from the event. The
    ClickHouse inserts, which release the GIL, run in a background thread over a
    connection of the archive's own (``lend_client``) while the run goes on; the
    next ``flush`` (and ``close``) waits for the batch before and raises its error,
    so a failed insert fails the run. Without a connection of its own a batch is
    inserted at once. (Encoding and decoding stay in the engine's thread: in a
    writer thread they only competed with the engine for the GIL, and the run took
    longer.)
    """

    def __init__(self, client: ClickHouse, namespace: str, forward: JournalSink | None = None,
                 batch: int = 20_000) -> None:
        from streams.archive.clickhouse import lend_client
        from streams.archive.encode import BulkEncoder

        if not namespace:
            raise ValueError("a run is archived under its own namespace, not the live one")
        self.client = client
        self.namespace = namespace
        self.forward = forward
        self.batch = batch
        self.counts: dict[str, int] = {t: 0 for t in RUN_TOPICS}
        self._next: dict[tuple[str, int], list[int]] = {}  # (topic, partition) -> [its next offset]
        self._slots: dict[tuple[str, str], _Slot] = {}
        self._pending: list[tuple[_Slot, int, Any, bytes | None]] = []
        self._outputs: list[tuple[str, bytes, bytes, str, str]] = []
        self._forwarded = {t: forward is not None and forward.wants(t) for t in RUN_TOPICS}
        self._encoder = BulkEncoder()
        self._writer: ArchiveWriter | None = None
        _delete_topics(client, [qualified(t, namespace) for t in RUN_TOPICS])
        self._insert_client = lend_client(client)

    def wants(self, topic: str) -> bool:
        return topic in self.counts

    def append(self, topic: str, key: str, value: bytes) -> None:
        self.append_item(topic, key, default_codec().decode(value), value)

    def append_item(self, topic: str, key: str, item: Any, value: bytes | None) -> None:
        """Append ``item`` (an event or a strategy record; ``value`` its encoding, if made) to ``topic``."""
        slot = self._slots.get((topic, key))
        if slot is None:
            slot = self._slot(topic, key)
        counter = slot.next
        offset = counter[0]
        counter[0] = offset + 1
        self._pending.append((slot, offset, item, value))
        if len(self._pending) >= self.batch:
            self.flush()

    def _slot(self, topic: str, key: str) -> _Slot:
        k = key.encode()
        part = partition_of(topic, k)
        slot = self._slots[(topic, key)] = _Slot(
            topic, qualified(topic, self.namespace), part, k, key, self._next.setdefault((topic, part), [0]),
            topic in RUN_OUTPUTS, self._forwarded[topic])
        return slot

    def flush(self) -> None:
        """Encode the rows appended since the last flush and hand them to the writer: inserted in the
        background (after the batch before them, whose error this raises), or at once without a
        connection of its own."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        batch, first = self._batch(pending)
        if self._writer is None:
            self._writer = ArchiveWriter(self._insert_client or self.client, parallel=False)
        if self._insert_client is None:
            self._writer.write(batch, first)
        else:
            self._writer.submit(batch, first)

    def _batch(self, pending: list[tuple[_Slot, int, Any, bytes | None]]) -> tuple[RawBatch, np.ndarray]:
        """The rows, and for each the first row of the same event: a message appended to several topics
        (a market event to the venue's inbox and the runs') is encoded and decoded once."""
        from streams.archive.encode import encode_all

        seen: dict[int, int] = {}
        first = np.fromiter((seen.setdefault(id(item), i) for i, (_, _, item, _) in enumerate(pending)),
                            dtype=np.int64, count=len(pending))
        todo = [pending[i][2] for i in seen.values() if pending[i][3] is None]
        made = dict(zip(map(id, todo), encode_all(self._encoder, todo), strict=True))
        values = [made[id(item)] if value is None else value for _, _, item, value in pending]
        counts = self.counts
        for (slot, _, item, _), value in zip(pending, values, strict=True):
            counts[slot.topic] += 1
            if slot.output:
                self._outputs.append((slot.topic, slot.key, value, item.event_id, type(item).__name__))
            if slot.forwarded:
                assert self.forward is not None
                self.forward.append(slot.topic, slot.text_key, value)
        n = len(pending)
        return RawBatch(
            topics=[slot.qualified for slot, _, _, _ in pending],
            partitions=np.fromiter((slot.partition for slot, _, _, _ in pending), dtype=np.int64, count=n),
            offsets=np.fromiter((offset for _, offset, _, _ in pending), dtype=np.int64, count=n),
            keys=[slot.key for slot, _, _, _ in pending],
            values=values,
            # no broker: the event time stands for the broker's
            kafka_ts_ms=np.fromiter((item.ts for _, _, item, _ in pending), dtype=np.int64, count=n) // 1000,
        ), first

    def close(self) -> None:
        """Write the last rows and wait until every row is in ClickHouse (raising an insert's error)."""
        try:
            self.flush()
            if self._writer is not None:
                self._writer.close()
        finally:
            self._stop()

    def _stop(self) -> None:
        from streams.archive.clickhouse import give_back

        if self._insert_client is not None:
            give_back(self._insert_client)
            self._insert_client = None
            self._writer = None

    def discard(self) -> None:
        """Forget the run: its rows not yet written, and those written (a run stopped half-way)."""
        self._pending = []
        if self._writer is not None:
            with contextlib.suppress(Exception):  # the run failed already; what was inserted goes below
                self._writer.close()
        self._stop()
        _delete_topics(self.client, [qualified(t, self.namespace) for t in RUN_TOPICS])

    def outputs(self) -> OutputDigest:
        """The digest of the run's three output topics, as a Kafka replay's is taken."""
        return described_digest(self._outputs)


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where a (topic, key)'s messages go: the archived topic, the key's partition, its offset counter."""

    topic: str
    qualified: str
    partition: int
    key: bytes
    text_key: str
    next: list[int]
    output: bool
    forwarded: bool


# --- the run's row ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holding:
    """One currency on one venue of a run's wallet set (fixed-point)."""

    venue: str
    currency: str
    balance: int
    available: int
    hold: int


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A run as the ``runs`` table holds it."""

    run_id: str
    strategy: str
    params: tuple[tuple[str, str], ...]
    mode: str
    namespace: str
    start_ts: int
    end_ts: int
    balances: tuple[Allocation, ...]
    final_balances: tuple[Holding, ...]
    order_latency_us: int
    report_latency_us: int
    outputs_sha256: str
    outputs_count: int
    created_at: datetime
    status: str = "done"
    source: Mapping[str, Any] = field(default_factory=dict)
    messages: Mapping[str, int] = field(default_factory=dict)
    report: Report | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; choose from {', '.join(MODES)}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; choose from {', '.join(STATUSES)}")


def holdings(view: WalletSetView | None) -> tuple[Holding, ...]:
    """A wallet set's balances as holdings, sorted by venue and currency."""
    if view is None:
        return ()
    return tuple(Holding(venue, currency, b.balance, b.available, b.hold)
                 for (venue, currency), b in sorted(view.balances.items()))


def backtest_run(result: RunResult, report: Report, config: BacktestConfig, archive: RunArchive,
                 source: Mapping[str, Any], created_at: datetime) -> StoredRun:
    """The row of a finished backtest run whose messages went through ``archive``."""
    spec, outputs = result.spec, archive.outputs()
    return StoredRun(
        spec.run_id, spec.strategy, spec.params, spec.mode, archive.namespace, config.start_ts, config.end_ts,
        spec.allocations, holdings(result.final), config.latency.order_us, config.latency.report_us,
        outputs.sha256, outputs.total, created_at, "done", dict(source), dict(archive.counts), report)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def report_to_json(report: Report) -> str:
    return _dumps(asdict(report))


def report_from_json(text: str) -> Report:
    d = json.loads(text)

    def curve(points: Sequence[Sequence[Any]]) -> tuple[tuple[int, float], ...]:
        return tuple((int(ts), float(v)) for ts, v in points)

    return Report(
        d["run_id"], d["strategy"], tuple((str(k), str(v)) for k, v in d["params"]), d["start_ts"],
        d["end_ts"], Metrics(**d["result"]), Metrics(**d["hodl"]), d["fees_usd"], d["traded_usd"],
        d["turnover"], d["orders"], d["fills"], d["rejected"], d["cancels"], curve(d["equity"]),
        curve(d["benchmark"]), d.get("market_return"), tuple(d.get("notes", ())))


def _row(run: StoredRun) -> list[Any]:
    return [
        run.run_id, run.strategy, _dumps(dict(run.params)), run.mode, run.namespace, _dumps(dict(run.source)),
        run.start_ts, run.end_ts,
        _dumps([{"venue": a.venue, "currency": a.currency, "amount": to_decimal_str(a.amount)}
                for a in run.balances]),
        _dumps([{"venue": h.venue, "currency": h.currency, "balance": to_decimal_str(h.balance),
                 "available": to_decimal_str(h.available), "hold": to_decimal_str(h.hold)}
                for h in run.final_balances]),
        run.order_latency_us, run.report_latency_us, run.status, run.outputs_sha256, run.outputs_count,
        _dumps(dict(run.messages)), "" if run.report is None else report_to_json(run.report),
        run.created_at,
    ]


def _from_row(row: Sequence[Any]) -> StoredRun:
    r = dict(zip(RUN_COLUMNS, row, strict=True))
    created = r["created_at"]
    return StoredRun(
        run_id=r["run_id"], strategy=r["strategy"],
        params=tuple(sorted(json.loads(r["params"]).items())), mode=r["mode"], namespace=r["namespace"],
        start_ts=int(r["start_ts"]), end_ts=int(r["end_ts"]),
        balances=tuple(Allocation(a["venue"], a["currency"], to_fixed(a["amount"]))
                       for a in json.loads(r["balances"])),
        final_balances=tuple(Holding(h["venue"], h["currency"], to_fixed(h["balance"]),
                                     to_fixed(h["available"]), to_fixed(h["hold"]))
                             for h in json.loads(r["final_balances"])),
        order_latency_us=int(r["order_latency_us"]), report_latency_us=int(r["report_latency_us"]),
        outputs_sha256=r["outputs_sha256"], outputs_count=int(r["outputs_count"]),
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC), status=r["status"],
        source=json.loads(r["source"]), messages=json.loads(r["messages"]),
        report=report_from_json(r["report"]) if r["report"] else None,
    )


def save_run(client: ClickHouse, run: StoredRun) -> None:
    """Write (or replace) the run's row."""
    client.insert("runs", [_row(run)], column_names=RUN_COLUMNS)


def list_runs(client: ClickHouse, limit: int = 100, mode: str | None = None, reports: bool = True
              ) -> list[StoredRun]:
    """The latest ``limit`` runs, newest first (ties by run id); only those of ``mode`` if given; without
    their reports (``report`` None: not read, not parsed) for a listing."""
    columns = ", ".join(c if reports or c != "report" else "'' AS report" for c in RUN_COLUMNS)
    where = "" if mode is None else " WHERE mode = {m:String}"
    rows = client.query(f"SELECT {columns} FROM runs FINAL{where} ORDER BY created_at DESC, run_id"
                        " LIMIT {n:UInt32}", parameters={"n": limit, "m": mode or ""}).result_rows
    return [_from_row(row) for row in rows]


REPORT_FIGURES = ("start_value", "end_value", "total_return", "max_drawdown")  # of a report's result


def run_metrics(client: ClickHouse, limit: int = 100, mode: str | None = None
                ) -> dict[str, tuple[float, float, float, float]]:
    """Run id -> its report's (start value, end value, total return, max drawdown) for the latest ``limit``
    runs (of ``mode`` if given) that have a report: read from the stored JSON, no report parsed."""
    where = "report != ''" + ("" if mode is None else " AND mode = {m:String}")
    figures = ", ".join(f"JSONExtractFloat(report, 'result', '{f}')" for f in REPORT_FIGURES)
    rows = client.query(f"SELECT run_id, {figures} FROM runs FINAL WHERE {where} ORDER BY created_at DESC, "
                        "run_id LIMIT {n:UInt32}", parameters={"n": limit, "m": mode or ""}).result_rows
    return {str(r[0]): (float(r[1]), float(r[2]), float(r[3]), float(r[4])) for r in rows}


def get_run(client: ClickHouse, run_id: str) -> StoredRun | None:
    """The run ``run_id``, or None if none is stored."""
    rows = client.query(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs FINAL WHERE run_id = {{r:String}}",
                        parameters={"r": run_id}).result_rows
    return _from_row(rows[0]) if rows else None


def run_ids_starting(client: ClickHouse, ref: str, limit: int = 6) -> list[str]:
    """The stored runs whose id starts with ``ref`` (at most ``limit``), in id order."""
    rows = client.query("SELECT DISTINCT run_id FROM runs WHERE startsWith(run_id, {r:String})"
                        " ORDER BY run_id LIMIT {n:UInt32}", parameters={"r": ref, "n": limit}).result_rows
    return [str(r[0]) for r in rows]


def find_run(client: ClickHouse, ref: str) -> StoredRun:
    """The run whose id is ``ref`` or the one run whose id starts with it; LookupError says what to type."""
    run = get_run(client, ref)
    if run is not None:
        return run
    ids = run_ids_starting(client, ref)
    if len(ids) == 1:
        found = get_run(client, ids[0])
        assert found is not None
        return found
    if not ids:
        raise LookupError(f"no stored run {ref!r}; `cryptick runs` lists them")
    raise LookupError(f"{ref!r} matches several runs ({', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''});"
                      " give more of the id")

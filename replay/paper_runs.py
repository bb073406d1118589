"""Paper runs as the archive knows them: what started them, their states, orders, fills, wallet; parity.

A paper run has no row in ``runs`` (it is not a finished computation but a
process on the strategy agent): everything about it is in the archived topics
of the namespace it ran in — its ``StartRun`` and ``RunStateChanged`` records,
its orders on ``strategy.events``, its fills on ``venue.events``, its wallet
set's postings on ``ledger.events``. Paper runs of one namespace share the
virtual exchange, so parity is checked for the namespace: its archived inboxes
(venue, ledger, strategy) replayed in-process against its archived outputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from floor.clickhouse import ClickHouse
from replay.inprocess import replay_from_archive
from replay.ledger_history import balances_at
from replay.paper_report import paper_report
from replay.parity import OutputDigest, archived_outputs
from replay.report import Report
from replay.runs import Holding, StoredRun
from schemas.codec import default_codec
from schemas.events import Allocation, Event, RunStateChanged, StartRun
from schemas.topics import (
    RUN_INBOXES,
    RUN_OUTPUTS,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    is_release_of,
    qualified,
)
from strategies.run import RunSpec

ENDED = ("stopped", "failed")


@dataclass(frozen=True, slots=True)
class PaperRun:
    run_id: str
    strategy: str
    params: tuple[tuple[str, str], ...]
    namespace: str
    account: str
    wallet_set_id: str
    allocations: tuple[Allocation, ...]
    started_ts: int
    states: tuple[tuple[str, str, int], ...]  # (state, detail, ts), in order

    @property
    def status(self) -> str:
        return self.states[-1][0] if self.states else "requested"

    @property
    def ended_ts(self) -> int | None:
        return self.states[-1][2] if self.states and self.status in ENDED else None


def has_hosted_runs(client: ClickHouse, namespace: str) -> bool:
    """Does the namespace's archived ``strategy.journal`` hold runs started by a ``StartRun`` (paper runs,
    and backtests, which host their runs the same way), so the strategy agent can replay them?"""
    rows = client.query("SELECT count() FROM archive_messages WHERE topic = {t:String}"
                        " AND event_type = 'StartRun'",
                        parameters={"t": qualified(STRATEGY_JOURNAL, namespace)}).result_rows
    return int(rows[0][0]) > 0


def namespace_of(topic: str, logical: str) -> str | None:
    """The namespace of an archived topic name (``''`` live), or None if it is not ``logical``."""
    if topic == logical:
        return ""
    suffix = "." + logical
    return topic[: -len(suffix)] if topic.endswith(suffix) else None


def _records(client: ClickHouse, event_type: str, run_id: str | None) -> list[tuple[str, Any]]:
    where = " AND key = {k:String}" if run_id is not None else ""
    rows = client.query(
        "SELECT topic, value FROM archive_messages FINAL WHERE event_type = {e:String}" + where +
        " ORDER BY ts, topic, partition, offset",
        parameters={"e": event_type, "k": run_id or ""}, column_formats={"value": "bytes"}).result_rows
    decode = default_codec().decode
    return [(str(topic), decode(value)) for topic, value in rows]


def paper_runs(client: ClickHouse, run_id: str | None = None) -> list[PaperRun]:
    """Every archived paper run (or one), newest first."""
    states: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for topic, e in _records(client, "RunStateChanged", run_id):
        ns = namespace_of(topic, STRATEGY_EVENTS)
        if ns is not None and isinstance(e, RunStateChanged):
            key = (ns, e.run_id)
            if (e.state, e.detail, e.ts) not in states.get(key, []):
                states.setdefault(key, []).append((e.state, e.detail, e.ts))
    runs: dict[tuple[str, str], PaperRun] = {}
    for topic, e in _records(client, "StartRun", run_id):
        ns = namespace_of(topic, STRATEGY_JOURNAL)
        if ns is None or not isinstance(e, StartRun) or e.mode != "paper" or (ns, e.run_id) in runs:
            continue
        params = json.loads(e.params_json) if e.params_json else {}
        runs[(ns, e.run_id)] = PaperRun(e.run_id, e.strategy, tuple(sorted(params.items())), ns, e.account,
                                        e.wallet_set_id, tuple(e.allocations), e.ts,
                                        tuple(states.get((ns, e.run_id), ())))
    return sorted(runs.values(), key=lambda r: (-r.started_ts, r.run_id))


def find_paper_run(client: ClickHouse, ref: str) -> PaperRun | None:
    """The paper run ``ref`` (or the one whose id starts with it); None if there is none; LookupError if
    the prefix is ambiguous."""
    exact = paper_runs(client, ref)
    if exact:
        return exact[0]
    found = [r for r in paper_runs(client) if r.run_id.startswith(ref)]
    if len({r.run_id for r in found}) > 1:
        raise LookupError(f"{ref!r} matches several paper runs ({', '.join(r.run_id for r in found[:5])});"
                          " give more of the id")
    return found[0] if found else None


def activity(client: ClickHouse, run: PaperRun) -> dict[str, int]:
    """Counts of the run's orders, cancels, fills and rejections in the archive."""
    rows = client.query(
        "SELECT event_type, count() FROM archive_messages FINAL WHERE topic IN {t:Array(String)}"
        " AND key IN {k:Array(String)} AND event_type IN {e:Array(String)} GROUP BY event_type",
        parameters={"t": [qualified(t, run.namespace) for t in (STRATEGY_EVENTS, STRATEGY_JOURNAL)],
                    "k": [run.run_id],
                    "e": ["OrderRequested", "CancelRequested", "OrderFilled", "OrderRejected"]}).result_rows
    return {str(k): int(n) for k, n in rows}


def final_balances(client: ClickHouse, run: PaperRun) -> tuple[Holding, ...]:
    """The run's wallet set as the run left it, per (venue, currency): balance, available, hold (a release
    that gave it back to the pool afterwards is left out)."""
    buckets: dict[tuple[str, str], dict[str, int]] = {}
    for (_wallet, venue, currency, bucket), amount in balances_at(
            client, run.namespace, run.account, 2**62, wallet=run.wallet_set_id,
            leave_out=lambda cause: is_release_of(run.run_id, cause)).items():
        buckets.setdefault((venue, currency), {})[bucket] = amount
    out = []
    for (v, c), b in sorted(buckets.items()):
        available, hold = b.get("available", 0), b.get("hold", 0)
        if available or hold:
            out.append(Holding(v, c, available + hold, available, hold))
    return tuple(out)


def run_messages(client: ClickHouse, run: PaperRun) -> tuple[list[Event], list[Event]]:
    """The run's inbox and outputs (key = run id), each in journal order."""
    decode = default_codec().decode
    out: list[list[Event]] = []
    for topic in (STRATEGY_JOURNAL, STRATEGY_EVENTS):
        rows = client.query(
            "SELECT value FROM archive_messages FINAL WHERE topic = {t:String} AND key = {k:String}"
            " ORDER BY partition, offset",
            parameters={"t": qualified(topic, run.namespace), "k": run.run_id},
            column_formats={"value": "bytes"}).result_rows
        out.append([decode(value) for (value,) in rows])
    return out[0], out[1]


def spec_of(run: PaperRun) -> RunSpec:
    return RunSpec(run.run_id, run.strategy, run.params, run.allocations, 0, run.ended_ts, "paper",
                   run.account)


def report_of(client: ClickHouse, run: PaperRun) -> Report:
    """The run's report (``replay.paper_report``) from its archived inbox; raises ValueError without data."""
    inbox, outputs = run_messages(client, run)
    return paper_report(spec_of(run), inbox, outputs, run.ended_ts)


def stored(client: ClickHouse, run: PaperRun, report: Report) -> StoredRun:
    """The ``runs`` row of an ended paper run (no latency: its hops were real)."""
    return StoredRun(
        run.run_id, run.strategy, run.params, "paper", run.namespace, report.start_ts, report.end_ts,
        run.allocations, final_balances(client, run), 0, 0,
        "", 0, datetime.fromtimestamp(run.started_ts / 1_000_000, UTC), run.status,
        {"feed": "kafka", "namespace": run.namespace or "live"}, {}, report)


@dataclass(frozen=True, slots=True)
class NamespaceParity:
    namespace: str
    archived: OutputDigest
    replayed: OutputDigest

    @property
    def identical(self) -> bool:
        return self.archived.sha256 == self.replayed.sha256


def paper_parity(client: ClickHouse, namespace: str) -> NamespaceParity:
    """The namespace's archived outputs against its archived inboxes replayed in-process."""
    return NamespaceParity(namespace, archived_outputs(client, namespace, RUN_OUTPUTS),
                           replay_from_archive(client, namespace, RUN_INBOXES))

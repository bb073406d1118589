"""Prometheus metrics of a worker's agents, read off the processors when scraped.

The hot path pays for nothing it does not already do: each ``InboxProcessor`` keeps plain counters per
inbox partition (messages in, outputs out, the last message's time), a dead-letter count per reason and
a processing-time histogram in fixed buckets; a scrape turns them into metric families
(``AgentCollector``). The runtime that consumes the inbox tells the collector each partition's end
offset (``highwater``) from time to time, so the consumer lag is known in messages and in seconds.

Names follow Prometheus's conventions (``_total`` counters, ``_seconds`` units); labels are bounded:
the inbox topic, its output topic, the partition and a reason class, never an order, account or run.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from schemas.events import CancelRejected, CommandRejected, OrderDone, OrderRejected

BUCKETS = (0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
           0.1, 0.25, 0.5, 1.0, 2.5)
"""Upper bounds (seconds) of the processing-time histogram: one message takes tens of microseconds."""

REASONED: frozenset[type] = frozenset({OrderRejected, CommandRejected, CancelRejected, OrderDone})
"""Outputs whose ``reason`` is a code from a fixed set (a bounded label): counted by it."""

DEAD_LETTER_REASONS = ("undecodable", "foreign", "failed")
"""Why an input became a dead letter: its bytes are no event, its event type does not belong on the
inbox, or the engine (or encoding its outputs) failed on it."""


@dataclass(slots=True)
class Timings:
    """A histogram in fixed buckets, cheap to observe (one bisect, two adds) and read when scraped."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds

    def buckets(self) -> list[tuple[str, float]]:
        out, running = [], 0
        for bound, n in zip((*map(str, BUCKETS), "+Inf"), self.counts, strict=True):
            running += n
            out.append((bound, float(running)))
        return out


@dataclass(slots=True)
class InboxCounters:
    """What one processor counted, per inbox partition."""

    events_in: dict[int, int] = field(default_factory=dict)
    events_out: dict[int, int] = field(default_factory=dict)
    last_ts_ms: dict[int, int] = field(default_factory=dict)  # the broker time of the last message
    redelivered: int = 0
    dead_letters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEAD_LETTER_REASONS, 0))
    rebuild_seconds: float = 0.0
    snapshots_taken: int = 0
    snapshots_loaded: int = 0  # engines resumed from a snapshot (a restart, a rebuild after a failure)
    snapshot_seconds: float = 0.0  # time spent taking snapshots (pickling, on the processing thread)
    timings: Timings = field(default_factory=Timings)
    outputs: dict[type, int] = field(default_factory=dict)  # output events by type
    reasons: dict[tuple[type, str], int] = field(default_factory=dict)  # REASONED outputs by reason

    def count_outputs(self, outputs: Iterable[Any]) -> None:
        """Count ``outputs`` (``Outgoing``) by event type, and the rejections and ends by their reason."""
        by_type, by_reason = self.outputs, self.reasons
        for o in outputs:
            event = o.event
            if event is None:
                continue
            cls = type(event)
            by_type[cls] = by_type.get(cls, 0) + 1
            if cls in REASONED:
                key = (cls, event.reason)
                by_reason[key] = by_reason.get(key, 0) + 1


class Watched:
    """A processor the collector reads, with the end offsets of its inbox partitions."""

    __slots__ = ("highwater", "processor", "start", "updated")

    def __init__(self, processor: Any) -> None:
        self.processor = processor
        self.highwater: dict[int, int] = {}
        self.start: dict[int, int] = {}
        self.updated = 0.0

    def set_highwater(self, partition: int, end: int, start: int | None = None) -> None:
        """The partition's end offset; ``start``: where its consumer starts reading, for a partition
        assigned and not processed yet (its lag is ``end - start`` until its first message)."""
        self.highwater[partition] = end
        if start is not None:
            self.start[partition] = start
        self.updated = time.time()

    def needs_start(self, partition: int) -> bool:
        """Whether the runtime should say where ``partition``'s consumer starts: nothing processed yet."""
        done = getattr(self.processor, "next_offset", None)
        return done is not None and partition not in done and partition not in self.start

    def forget(self, partition: int) -> None:
        """The partition was revoked: its lag is no longer this worker's."""
        self.highwater.pop(partition, None)
        self.start.pop(partition, None)


class AgentCollector(Collector):
    """The metric families of the watched processors, built when Prometheus scrapes."""

    def __init__(self) -> None:
        self._watched: list[Watched] = []
        self._lock = threading.Lock()

    def watch(self, processor: Any) -> Watched:
        """Read ``processor`` (an ``InboxProcessor``) from now on; the runtime feeds the returned
        handle the inbox's end offsets."""
        w = Watched(processor)
        with self._lock:
            self._watched.append(w)
        return w

    def watched(self) -> list[Watched]:
        with self._lock:
            return list(self._watched)

    def collect(self) -> Iterable[Any]:
        labels = ["inbox", "output", "partition"]
        events_in = CounterMetricFamily("cryptick_agent_events_in", "Inbox messages processed (each "
                                        "offset once; redeliveries not counted).", labels=labels)
        events_out = CounterMetricFamily("cryptick_agent_events_out", "Output messages produced.",
                                         labels=labels)
        lag = GaugeMetricFamily("cryptick_agent_consumer_lag_messages", "Inbox messages after the last one "
                                "processed, at the inbox's last known end.", labels=labels)
        lag_s = GaugeMetricFamily("cryptick_agent_consumer_lag_seconds", "Age of the last message "
                                  "processed while more wait (0 when caught up).", labels=labels)
        redelivered = CounterMetricFamily("cryptick_agent_redeliveries", "Messages recognised as "
                                          "redelivered (offset already processed) and skipped.",
                                          labels=["inbox", "output"])
        dead = CounterMetricFamily("cryptick_agent_dead_letters", "Inputs sent to the dead-letter topic, "
                                   "by reason.", labels=["inbox", "output", "reason"])
        rebuilds = CounterMetricFamily("cryptick_agent_rebuilds", "Engines rebuilt from their inbox "
                                       "(a restart mid-log or a failure mid-change).",
                                       labels=["inbox", "output"])
        rebuild_s = CounterMetricFamily("cryptick_agent_rebuild_seconds", "Time spent rebuilding "
                                        "engines from their inbox.", labels=["inbox", "output"])
        snaps = CounterMetricFamily("cryptick_agent_snapshots", "Engine snapshots taken (a restart resumes "
                                    "from the latest and the inbox after it).", labels=["inbox", "output"])
        snaps_loaded = CounterMetricFamily("cryptick_agent_snapshots_loaded", "Engines resumed from a "
                                           "snapshot.", labels=["inbox", "output"])
        snap_s = CounterMetricFamily("cryptick_agent_snapshot_seconds", "Time spent taking snapshots.",
                                     labels=["inbox", "output"])
        outputs = CounterMetricFamily("cryptick_agent_outputs", "Output events by type (fills, orders "
                                      "opened and done, wallet movements, discrepancies, ...).",
                                      labels=["inbox", "output", "type"])
        outcomes = CounterMetricFamily("cryptick_agent_outcomes", "Rejections (orders, commands, cancels) "
                                       "and orders' ends by their reason code.",
                                       labels=["inbox", "output", "type", "reason"])
        seconds = HistogramMetricFamily("cryptick_agent_processing_seconds", "Time to decode one inbox "
                                        "message, run the engine and encode its outputs.",
                                        labels=["inbox", "output"])
        now_ms = time.time() * 1000
        own: list[Any] = []
        for w in self.watched():
            p = w.processor
            c: InboxCounters = p.counters
            agent = [p.inbox, p.output_topic]
            for partition, n in sorted(c.events_in.items()):
                at = [*agent, str(partition)]
                events_in.add_metric(at, n)
                events_out.add_metric(at, c.events_out.get(partition, 0))
            for partition, end in sorted(w.highwater.items()):
                at = [*agent, str(partition)]
                done = p.next_offset.get(partition, w.start.get(partition))
                if done is None:  # assigned, nothing processed and its start not known yet
                    continue
                behind = max(0, end - done)
                lag.add_metric(at, behind)
                last = c.last_ts_ms.get(partition)
                lag_s.add_metric(at, max(0.0, (now_ms - last) / 1000) if behind and last else 0.0)
            redelivered.add_metric(agent, c.redelivered)
            for reason, n in c.dead_letters.items():
                dead.add_metric([*agent, reason], n)
            rebuilds.add_metric(agent, p.rebuilds)
            rebuild_s.add_metric(agent, c.rebuild_seconds)
            snaps.add_metric(agent, c.snapshots_taken)
            snaps_loaded.add_metric(agent, c.snapshots_loaded)
            snap_s.add_metric(agent, c.snapshot_seconds)
            seconds.add_metric(agent, c.timings.buckets(), c.timings.total)
            for name, n in sorted((cls.__name__, n) for cls, n in dict(c.outputs).items()):
                outputs.add_metric([*agent, name], n)
            reasons = dict(c.reasons)
            for (name, reason), n in sorted(((cls.__name__, str(r)), n) for (cls, r), n in reasons.items()):
                outcomes.add_metric([*agent, name, reason], n)
            families = getattr(p.observer, "families", None)  # an agent's own metrics
            if families is not None:
                own.extend(families(agent))
        yield from (events_in, events_out, lag, lag_s, redelivered, dead, rebuilds, rebuild_s, snaps,
                    snaps_loaded, snap_s, seconds, outputs, outcomes, *own)


def process_registry(*collectors: Collector) -> CollectorRegistry:
    """A registry of the process's own metrics (CPU, memory, GC) and ``collectors``."""
    from prometheus_client import GC_COLLECTOR, PLATFORM_COLLECTOR, PROCESS_COLLECTOR

    registry = CollectorRegistry(auto_describe=True)
    for c in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR, *collectors):
        registry.register(c)
    return registry


def agent_registry() -> tuple[CollectorRegistry, AgentCollector]:
    """A registry with the agents' collector (and the process's own metrics)."""
    agents = AgentCollector()
    return process_registry(agents), agents


def serve(port: int, registry: CollectorRegistry, host: str = "127.0.0.1") -> Any:
    """``/metrics`` on ``host:port`` in a daemon thread (port 0: any free port; ``server.server_port``
    says which)."""
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server


def partitions_of(assignment: Iterable[Any]) -> Iterator[tuple[str, int]]:
    """(topic, partition) of a consumer's assignment, whether confluent-kafka's or Faust's."""
    for tp in assignment:
        yield str(tp.topic), int(tp.partition)

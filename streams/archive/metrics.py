"""The archive sink's Prometheus metrics, wherever it runs (in the API with ``--archive``, or alone as
``cryptick archive --follow``): rows written, lag behind each topic, inserts and their time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector


def archive_families(sink: Any, alive: bool) -> Iterable[Any]:
    """The metric families of an ``ArchiveSink``, read now."""
    yield CounterMetricFamily("cryptick_archive_rows_written", "Messages this archive sink wrote.",
                              value=sink.archived)
    yield GaugeMetricFamily("cryptick_archive_up", "1 while the archive sink runs.", value=1 if alive else 0)
    lag = GaugeMetricFamily("cryptick_archive_lag_messages", "Messages on a topic not archived yet.",
                            labels=["topic"])
    for topic, behind in sorted(sink.lag().items()):
        lag.add_metric([topic], behind)
    yield lag
    yield CounterMetricFamily("cryptick_archive_inserts", "Batches inserted into ClickHouse.",
                              value=sink.writer.inserts)
    yield CounterMetricFamily("cryptick_archive_insert_seconds", "Time spent inserting batches into "
                              "ClickHouse.", value=sink.writer.insert_seconds)


class ArchiveCollector(Collector):
    def __init__(self, sink: Any, alive: Callable[[], bool]) -> None:
        self.sink = sink
        self.alive = alive

    def collect(self) -> Iterable[Any]:
        yield from archive_families(self.sink, self.alive())

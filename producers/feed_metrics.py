"""The feed process's Prometheus metrics, read off its connectors when scraped: per venue, whether its
session is up, the frames received, malformed and refused by the venue, connections and resnapshots, the
age of the last frame; and the events journaled to Kafka."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector


class FeedCollector(Collector):
    def __init__(self) -> None:
        self._connectors: list[Any] = []
        self._sinks: list[Any] = []
        self._lock = threading.Lock()

    def watch(self, connectors: Sequence[Any], sink: Any = None) -> None:
        """Read these ``FeedConnector``s (and the ``JournalSink`` they write to) from now on."""
        with self._lock:
            self._connectors.extend(connectors)
            if sink is not None:
                self._sinks.append(sink)

    def collect(self) -> Iterable[Any]:
        with self._lock:
            connectors, sinks = list(self._connectors), list(self._sinks)
        labels = ["venue"]
        connected = GaugeMetricFamily("cryptick_feed_connected", "1 while the venue's session is open and "
                                      "delivering.", labels=labels)
        frames = CounterMetricFamily("cryptick_feed_messages", "Frames received from the venue.",
                                     labels=labels)
        malformed = CounterMetricFamily("cryptick_feed_malformed_messages", "Frames that could not be parsed "
                                        "(skipped; a book they touched goes stale).", labels=labels)
        refused = CounterMetricFamily("cryptick_feed_venue_errors", "Errors the venue itself sent.",
                                      labels=labels)
        sessions = CounterMetricFamily("cryptick_feed_connections", "Sessions opened (the first and every "
                                       "reconnection).", labels=labels)
        resnapshots = CounterMetricFamily("cryptick_feed_resnapshots", "Reconnections to resnapshot a book "
                                          "that went stale (a sequence gap, a checksum mismatch).",
                                          labels=labels)
        age = GaugeMetricFamily("cryptick_feed_last_message_age_seconds", "Seconds since the venue's last "
                                "frame.", labels=labels)
        now = time.time()
        for c in connectors:
            venue, st = [c.feed.venue], c.stats
            connected.add_metric(venue, 1 if c.connected else 0)
            frames.add_metric(venue, st.messages)
            malformed.add_metric(venue, st.malformed)
            refused.add_metric(venue, st.venue_errors)
            sessions.add_metric(venue, st.connections)
            resnapshots.add_metric(venue, st.resnapshots)
            if st.last_message_s is not None:
                age.add_metric(venue, max(0.0, now - st.last_message_s))
        yield from (connected, frames, malformed, refused, sessions, resnapshots, age)
        yield CounterMetricFamily("cryptick_feed_events_journaled", "Events put on venue.journal.",
                                  value=sum(s.sent for s in sinks))

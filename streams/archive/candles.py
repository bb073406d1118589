"""Candle refreshes for archived trades, several batches at a time (I/O shell).

A refresh costs a few queries whatever it covers (about 0.1 s), so refreshing
after every batch of a busy sink costs more than the batch's insert. Instead
the trade spans of inserted batches are merged, and refreshed once they are
``every`` seconds old, or when the sink goes idle or closes. The sink commits
a batch's offsets only once its candles are refreshed (``refreshed`` counts
those batches), so a crash still re-delivers every trade whose candles may be
stale, and the refresh after it recomputes them from the deduplicated trades.
"""

from __future__ import annotations

import threading
import time

from floor.clickhouse import ClickHouse
from streams.archive.decode import ArchiveRows

Spans = dict[tuple[str, str], tuple[int, int]]


def merge_spans(into: Spans, spans: Spans) -> None:
    """Widen ``into`` by ``spans`` (per book: the first and last trade time)."""
    for book, (lo, hi) in spans.items():
        old = into.get(book)
        into[book] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))


class CandleRefresh:
    """Merges the trade spans of inserted batches and refreshes their candles together."""

    def __init__(self, client: ClickHouse, every: float = 1.0, enabled: bool = True) -> None:
        self.client = client
        self.every = every
        self.enabled = enabled
        self.inserted = 0  # batches inserted
        self.refreshed = 0  # of those, the batches whose candles are fresh
        self._spans: Spans = {}
        self._since: float | None = None
        self._lock = threading.Lock()

    def after_insert(self, rows: ArchiveRows) -> None:
        """The writer's hook (its thread): note a batch, and refresh if the oldest unrefreshed is due."""
        with self._lock:
            self.inserted += 1
            if self.enabled and rows.trade_spans:
                merge_spans(self._spans, rows.trade_spans)
                if self._since is None:
                    self._since = time.monotonic()
            if not self._spans or time.monotonic() - (self._since or 0.0) >= self.every:
                self._refresh()

    def refresh(self) -> None:
        """Refresh every pending span now (the sink calls it when idle or closing)."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        if self._spans:
            from streams.market.store import refresh_candles

            refresh_candles(self.client, self._spans)
        self._spans, self._since = {}, None
        self.refreshed = self.inserted

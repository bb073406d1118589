"""Read replicas of the agents' state, for the API to serve.

The API never decides: it folds the same inboxes through the same pure engines
the agents run (outputs discarded), so its view of balances and books is the
agents' state, by construction. A background thread follows the inboxes; reads
take a lock. ``outcome`` returns what the engines decided for a command, once
the replica has processed it (read-your-writes for the routes that post).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from schemas.events import Event
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, partition_of, qualified
from streams.ledger.engine import Ledger
from streams.matching.book import L2Book
from streams.matching.engine import MatchingEngine
from streams.runtime.inbox import InboxProcessor

log = logging.getLogger(__name__)

RECENT_OUTCOMES = 10_000


class AgentViews:
    """Follows ``ledger.journal`` and ``venue.journal`` of a namespace through the engines."""

    def __init__(self, bootstrap: str, namespace: str) -> None:
        from streams.ledger.agent import processor as ledger_processor
        from streams.matching.agent import processor as matching_processor

        self.bootstrap = bootstrap
        self.namespace = namespace
        self._procs: dict[str, InboxProcessor] = {
            qualified(LEDGER_JOURNAL, namespace): ledger_processor(),
            qualified(VENUE_JOURNAL, namespace): matching_processor(),
        }
        self._lock = threading.Lock()
        self._progress: dict[tuple[str, int], int] = {}  # next offset per (topic, partition)
        self._outcomes: OrderedDict[tuple[str, int, int], list[Event]] = OrderedDict()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="agent-views", daemon=True)
        self.error: str | None = None

    def start(self) -> AgentViews:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        consumer = Consumer({
            "bootstrap.servers": self.bootstrap, "group.id": f"cryptick-api-{uuid.uuid4().hex}",
            "enable.auto.commit": False, "fetch.wait.max.ms": 20,
        })
        try:
            assignment = []
            for topic in self._procs:
                meta = consumer.list_topics(topic, timeout=10).topics[topic]
                assignment += [TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.partitions]
            consumer.assign(assignment)
            while not self._stop.is_set():
                msgs = consumer.consume(num_messages=5000, timeout=0.1)
                if not msgs:
                    continue
                with self._lock:
                    for m in msgs:
                        if m.error() is None:
                            self._apply(m.topic() or "", m.partition() or 0, m.offset() or 0,
                                        m.key(), m.value() or b"")
        except Exception as exc:  # the API reports it on /health rather than dying
            log.exception("agent views stopped")
            self.error = repr(exc)
        finally:
            consumer.close()

    def _apply(self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes) -> None:
        outputs = self._procs[topic].process(partition, offset, key, value)
        self._progress[(topic, partition)] = offset + 1
        if topic.endswith(LEDGER_JOURNAL):
            self._outcomes[(topic, partition, offset)] = [o.event for o in outputs if o.event is not None]
            while len(self._outcomes) > RECENT_OUTCOMES:
                self._outcomes.popitem(last=False)

    # --- reads -------------------------------------------------------------------

    def ledger(self, account: str) -> tuple[Ledger | None, threading.Lock]:
        """The engine holding ``account`` (None before anything of it was seen), and the lock."""
        proc = self._procs[qualified(LEDGER_JOURNAL, self.namespace)]
        engine = proc.engines.get(partition_of(LEDGER_JOURNAL, account.encode()))
        return (engine if isinstance(engine, Ledger) else None), self._lock

    def book(self, venue: str, pair: str) -> L2Book | None:
        proc = self._procs[qualified(VENUE_JOURNAL, self.namespace)]
        key = f"{venue}:{pair}".encode()
        engine = proc.engines.get(partition_of(VENUE_JOURNAL, key))
        if not isinstance(engine, MatchingEngine):
            return None
        book = engine.book(venue, pair)
        return book if book.best_bid() or book.best_ask() else None

    def mids(self) -> dict[tuple[str, str], int]:
        """(base, quote) -> mid price of the freshest book of each pair, over all venues."""
        out: dict[tuple[str, str], int] = {}
        proc = self._procs[qualified(VENUE_JOURNAL, self.namespace)]
        with self._lock:
            for engine in proc.engines.values():
                if not isinstance(engine, MatchingEngine):
                    continue
                for (venue, pair) in engine.markets():
                    book = engine.book(venue, pair)
                    bid, ask = book.best_bid(), book.best_ask()
                    if bid and ask and not book.stale and "-" in pair:
                        base, quote = pair.split("-", 1)
                        out[(base, quote)] = (bid.price + ask.price) // 2
        return out

    def outcome(self, topic: str, partition: int, offset: int, timeout: float = 10.0
                ) -> list[Event] | None:
        """What the engines decided for the message at (topic, partition, offset)."""
        full = qualified(topic, self.namespace)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._progress.get((full, partition), 0) > offset:
                    return self._outcomes.get((full, partition, offset), [])
            time.sleep(0.01)
        return None

"""Read replicas of the agents' state, for the API to serve.

The API never decides: it folds the same inboxes through the same pure engines
the agents run (outputs discarded), so its view of balances and books is the
agents' state, by construction. A background thread follows the inboxes; reads
take a lock. ``outcome`` returns what the engines decided for a command, once
the replica has processed it (read-your-writes for the routes that post).

The replica never dies on one message: a message the engines cannot fold is
dead-lettered by the processor (as the agent does), counted, and reported on
``/health`` with its reason; the replica goes on with the next. Only losing the
broker for good stops it, and ``/health`` says so.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import pickle
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from api.services.order_views import TYPES as ORDER_TYPES
from api.services.order_views import OrdersFold
from api.services.replica_snapshot import EVERY_S, MIN_MESSAGES, load, message_digest, save, snapshot_path
from api.services.run_views import RunsFold
from schemas.codec import default_codec
from schemas.events import (
    EVENT_TYPES,
    AdjustWalletSet,
    CancelRequested,
    CreateWalletSet,
    DeactivateWalletSet,
    DeadLetter,
    DepositFunds,
    Event,
    OrderRequested,
    PublicTrade,
    ServiceNotice,
    WithdrawFunds,
)
from schemas.topics import (
    LEDGER_JOURNAL,
    NOTICES,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_JOURNAL,
    partition_of,
    qualified,
)
from streams.ledger.engine import Ledger
from streams.ledger.markets import MarketRules
from streams.matching.book import L2Book
from streams.matching.engine import MatchingEngine
from streams.runtime.inbox import InboxProcessor

log = logging.getLogger(__name__)

RECENT_OUTCOMES = 10_000
RECENT_COMMANDS = 100_000
"""Command ids remembered with their outcome: a retry within this many commands is answered exactly."""
FOLD_CHUNK = 200
"""Messages folded per hold of the lock: reads and requests wait at most that long."""
COMMAND_TYPES: frozenset[type] = frozenset({
    DepositFunds, WithdrawFunds, CreateWalletSet, AdjustWalletSet, DeactivateWalletSet, OrderRequested,
    CancelRequested})
"""What a client sends to the ledger under its own id: these ids are remembered for retries."""
RUN_EVENT_TYPES = frozenset(c for c in EVENT_TYPES if "run_id" in c.__dataclass_fields__)  # type: ignore[attr-defined]
"""What the runs' read model folds (events of a run); the rest of a run's inbox is skipped undecoded."""
OFFSET_TAIL_BASE = -2000
"""librdkafka's RD_KAFKA_OFFSET_TAIL_BASE: offset ``OFFSET_TAIL_BASE - n`` is n messages before the end."""
RECENT_TRADES = 200
"""Public trades kept per market (``GET /markets/{venue}/{pair}/trades``)."""
RECENT_NOTICES = 1000
"""Services' notices the replica keeps (``GET /logs``); it reads only that many back at start."""
RECENT_PROBLEM_S = 300.0
"""A message the replica could not fold keeps ``/health`` degraded this long."""


_Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


@dataclass(frozen=True, slots=True)
class Seen:
    """The first message with a command id on ``ledger.journal``, and what the engines decided for it."""

    fingerprint: bytes
    partition: int
    offset: int
    events: list[Event]
    account: str


@dataclass(slots=True)
class ReplicaStatus:
    """How the replica is doing, for ``/health``."""

    alive: bool
    error: str | None
    behind: int  # messages on the inboxes not folded yet
    dead_letters: int
    last_problem: str | None
    last_problem_age_s: float | None
    books: dict[str, tuple[bool, float]] = field(default_factory=dict)  # key -> (stale, seconds since)


BookStatus = tuple[bool, int | None, int | None, float | None]
"""A book as the replica has it: stale, best bid, best ask, seconds since its last message."""


class AgentViews:
    """Follows ``ledger.journal`` and ``venue.journal`` of a namespace through the engines, and the
    strategy inbox and outputs into the runs' read model (``api.services.run_views``)."""

    def __init__(self, bootstrap: str, namespace: str, snapshots: Path | None = None,
                 snapshot_every_s: float = EVERY_S, snapshot_min: int = MIN_MESSAGES) -> None:
        from strategies.topology import LEDGER, MATCHING, Configs
        from streams.runtime.shell import processor

        self.bootstrap = bootstrap
        self.namespace = namespace
        self._ledger_topic = qualified(LEDGER_JOURNAL, namespace)
        self._venue_topic = qualified(VENUE_JOURNAL, namespace)
        self._procs: dict[str, InboxProcessor] = {
            self._ledger_topic: processor(LEDGER, Configs()),
            self._venue_topic: processor(MATCHING, Configs()),
        }
        self._run_topics = {qualified(STRATEGY_JOURNAL, namespace): True,
                            qualified(STRATEGY_EVENTS, namespace): False}  # topic -> is the inbox
        self._notices_topic = qualified(NOTICES, namespace)
        self.notices: collections.deque[ServiceNotice] = collections.deque(maxlen=RECENT_NOTICES)
        self._trades: dict[str, collections.deque[PublicTrade]] = {}  # venue:PAIR -> its latest
        self._feeds: dict[str, tuple[str, str, int]] = {}  # venue -> (state, notice, ts) of its feed
        self.runs = RunsFold()
        self.orders = OrdersFold()
        self._lock = threading.Lock()
        self._progress: dict[tuple[str, int], int] = {}  # next offset per (topic, partition)
        self._ends: dict[tuple[str, int], int] = {}  # high watermarks, as last fetched
        self._outcomes: OrderedDict[tuple[str, int, int], list[Event]] = OrderedDict()
        self._commands: OrderedDict[str, Seen] = OrderedDict()
        self._book_seen: dict[str, float] = {}  # venue:PAIR -> monotonic time of its last message
        # requests awaiting an outcome: (topic, partition, offset) -> futures, resolved by the fold thread
        self._waiters: dict[tuple[str, int, int], list[_Waiter]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="agent-views", daemon=True)
        self.error: str | None = None
        self.dead_letters = 0
        self._last_problem: tuple[float, str] | None = None
        self._codec = default_codec()
        # snapshots (``api.services.replica_snapshot``): where, the last message folded per partition
        # (its digest proves a snapshot still matches the topics), and how the last start went
        self._snapshot_path = None if snapshots is None else snapshot_path(snapshots, bootstrap, namespace)
        self._last_value: dict[tuple[str, int], bytes] = {}
        self._folded = 0  # messages folded since start or the last snapshot
        self._snapshot_every_s, self._snapshot_min = snapshot_every_s, snapshot_min
        self.started_from: str = "the start of the topics"
        self.from_snapshot = False  # whether the last start resumed from a snapshot
        self.snapshots_written = 0
        self.snapshot_seconds: float | None = None  # time to write the last snapshot
        self.start_s: float | None = None  # seconds from start to caught up

    def start(self) -> AgentViews:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        consumer = Consumer({
            "bootstrap.servers": self.bootstrap, "group.id": f"cryptick-api-{uuid.uuid4().hex}",
            "enable.auto.commit": False, "fetch.wait.max.ms": 10, "fetch.error.backoff.ms": 50,
        })
        try:
            began = time.monotonic()
            resumed = self._restore()
            assignment = []
            for topic in [*self._procs, *self._run_topics, self._notices_topic]:
                meta = consumer.list_topics(topic, timeout=10).topics[topic]
                if meta.error is not None or not meta.partitions:
                    raise RuntimeError(f"topic {topic} does not exist: create the namespace's topics")
                # the notices from their last RECENT_NOTICES on (librdkafka's "offset tail"); the rest whole,
                # or from where a snapshot left them
                tail = OFFSET_TAIL_BASE - RECENT_NOTICES if topic == self._notices_topic else None
                for p in meta.partitions:
                    at = tail if tail is not None else resumed.get((topic, p), OFFSET_BEGINNING)
                    assignment.append(TopicPartition(topic, p, at))
            consumer.assign(assignment)
            last_ends, last_snapshot = 0.0, time.monotonic()
            while not self._stop.is_set():
                # wait for the first message only as long as needed, then take what is already fetched
                first = consumer.poll(0.05)
                msgs = [] if first is None else [first, *consumer.consume(num_messages=5000, timeout=0)]
                now = time.monotonic()
                if now - last_ends > 1.0:
                    self._record_ends(consumer, assignment)
                    last_ends = now
                if self.start_s is None and now - last_ends < 1.0 and self._caught_up():
                    self.start_s = now - began
                    log.info("replica ready in %.1f s (from %s)", self.start_s, self.started_from)
                if self._snapshot_path is not None and now - last_snapshot > self._snapshot_every_s:
                    last_snapshot = now
                    if self._folded >= self._snapshot_min:
                        self._snapshot()
                if not msgs:
                    continue
                self._folded += len(msgs)
                for i in range(0, len(msgs), FOLD_CHUNK):  # the lock in short holds: requests read too
                    with self._lock:
                        for m in msgs[i:i + FOLD_CHUNK]:
                            if m.error() is None:
                                self._apply(m.topic() or "", m.partition() or 0, m.offset() or 0,
                                            m.key(), m.value() or b"", now)
                        if self._waiters:
                            self._wake()
        except Exception as exc:  # the API reports it on /health rather than dying silently
            log.exception("agent views stopped")
            self.error = repr(exc)
        finally:
            with self._lock:  # no request waits for a replica that is gone
                self._wake(everyone=True)
            consumer.close()

    # --- snapshots ----------------------------------------------------------------------

    def _caught_up(self) -> bool:
        with self._lock:
            return bool(self._ends) and all(self._progress.get(tp, 0) >= end for tp, end in self._ends.items()
                                            if tp[0] != self._notices_topic)

    def _state(self) -> dict[str, Any]:
        """Everything the replica has folded (under the lock): engines as their exported state."""
        return {
            "progress": {tp: off for tp, off in self._progress.items() if tp[0] != self._notices_topic},
            "digests": {tp: message_digest(v) for tp, v in self._last_value.items()},
            "procs": {topic: ({p: e.export_state() for p, e in proc.engines.items()},  # type: ignore[union-attr]
                              dict(proc.next_offset), {p: set(s) for p, s in proc.skipped.items()})
                      for topic, proc in self._procs.items()},
            "runs": self.runs, "orders": self.orders, "outcomes": self._outcomes, "commands": self._commands,
            "dead_letters": self.dead_letters, "trades": self._trades,
        }

    def _snapshot(self) -> None:
        """Write the replica's state and offsets (``replica_snapshot``); never stops the replica."""
        assert self._snapshot_path is not None
        try:
            with self._lock:
                state = self._state()
                blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)  # consistent: under the lock
                self._folded = 0
            took = save(self._snapshot_path, blob)
            self.snapshots_written += 1
            self.snapshot_seconds = took
            log.info("replica snapshot written in %.2f s (%d offsets)", took, len(state["progress"]))
        except Exception:
            log.exception("replica snapshot not written")

    def _restore(self) -> dict[tuple[str, int], int]:
        """The offsets to go on from, with the state loaded from a snapshot that still matches; {} (from
        the start) when there is none."""
        from streams.ledger.engine import Ledger, LedgerConfig
        from streams.matching.engine import MatchingConfig

        if self._snapshot_path is None:
            return {}
        got = load(self._snapshot_path, self.bootstrap)
        if got is None:
            return {}
        try:  # everything built first: a snapshot that does not load leaves the replica as it was
            procs = {}
            for topic, (engines, next_offset, skipped) in got["procs"].items():
                ledger = topic == self._ledger_topic
                built = {p: Ledger.from_state(LedgerConfig(), d) if ledger else
                         MatchingEngine.from_state(MatchingConfig(), d) for p, d in engines.items()}
                procs[topic] = (self._procs[topic], built, dict(next_offset), dict(skipped))
            runs, orders, outcomes, commands = got["runs"], got["orders"], got["outcomes"], got["commands"]
            if not (isinstance(runs, RunsFold) and isinstance(orders, OrdersFold)):
                raise TypeError("not a replica's folds")
        except Exception as exc:  # ignored, as if there were none
            log.warning("replica snapshot not loaded (%r): folding from the start", exc)
            return {}
        for proc, built, next_offset, skipped in procs.values():
            proc.engines, proc.next_offset, proc.skipped = built, next_offset, skipped  # type: ignore[assignment]
        self.runs, self.orders, self._outcomes, self._commands = runs, orders, outcomes, commands
        self.dead_letters, self._trades = got["dead_letters"], got["trades"]
        progress: dict[tuple[str, int], int] = got["progress"]
        self._progress.update(progress)
        self.started_from = f"a snapshot of {sum(progress.values()):,} messages"
        self.from_snapshot = True
        return progress

    def _wake(self, everyone: bool = False) -> None:
        """Resolve the futures of the requests whose command the replica has now folded (under the lock)."""
        done = [k for k in self._waiters if everyone or self._progress.get((k[0], k[1]), 0) > k[2]]
        for k in done:
            for loop, fut in self._waiters.pop(k):
                with contextlib.suppress(RuntimeError):  # its loop is closed: nobody waits any more
                    loop.call_soon_threadsafe(_resolve, fut)

    def _record_ends(self, consumer: Consumer, assignment: list[TopicPartition]) -> None:
        ends = {}
        for tp in assignment:
            try:
                _low, high = consumer.get_watermark_offsets(tp, cached=True)
            except Exception:  # not fetched yet
                continue
            if high >= 0:
                ends[(tp.topic, tp.partition)] = high
        with self._lock:
            self._ends.update(ends)

    def _apply(self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes,
               now: float) -> None:
        self._last_value[(topic, partition)] = value
        if topic == self._notices_topic:
            self._progress[(topic, partition)] = offset + 1
            with contextlib.suppress(Exception):  # a notice that does not decode is nobody's problem
                notice = self._codec.decode(value)
                if isinstance(notice, ServiceNotice):
                    self.notices.append(notice)
                    self._feed_notice(notice)
            return
        inbox = self._run_topics.get(topic)
        if inbox is not None:
            self._progress[(topic, partition)] = offset + 1
            cls = self._codec.event_type(value)
            if cls is not None and cls not in RUN_EVENT_TYPES:
                return  # the market events forwarded to a run: no run's read model holds them (not decoded)
            try:
                event = self._codec.decode(value)
            except Exception as exc:  # the strategy agent dead-letters it; the read model skips it
                self._problem(now, f"{topic}[{partition}]@{offset}: {exc!r}")
                return
            (self.runs.inbox if inbox else self.runs.output)(event)
            return
        proc = self._procs[topic]
        try:
            outputs = proc.process(partition, offset, key, value)
        except Exception as exc:  # a fault the processor did not contain: report it, go on
            log.exception("replica could not fold %s[%d]@%d", topic, partition, offset,
                          extra={"topic": topic, "partition": partition, "offset": offset})
            self._problem(now, f"{topic}[{partition}]@{offset}: {exc!r}")
            outputs = []
        self._progress[(topic, partition)] = offset + 1
        for o in outputs:
            if isinstance(o.event, DeadLetter):
                self.dead_letters += 1
                self._problem(now, f"{o.event.event_id}: {o.event.reason}")
        if topic == self._venue_topic:
            if key:
                self._book_seen[key.decode(errors="replace")] = now
                if self._codec.event_type(value) is PublicTrade:
                    with contextlib.suppress(Exception):  # dead-lettered by the processor
                        trade = self._codec.decode(value)
                        assert isinstance(trade, PublicTrade)
                        market = key.decode(errors="replace")
                        trades = self._trades.get(market)
                        if trades is None:
                            trades = self._trades[market] = collections.deque(maxlen=RECENT_TRADES)
                        trades.append(trade)
            return
        # a dead letter stays in the outcome: the command was not applied, and its answer says why
        events: list[Event] = [o.event for o in outputs if o.event is not None]
        self._fold_orders(value, events)
        self._outcomes[(topic, partition, offset)] = events
        while len(self._outcomes) > RECENT_OUTCOMES:
            self._outcomes.popitem(last=False)
        self._index(value, partition, offset, events)

    def _fold_orders(self, value: bytes, events: list[Event]) -> None:
        """An order's life into the orders' read model: the inbox message, then what the ledger decided."""
        if self._codec.event_type(value) in ORDER_TYPES:
            with contextlib.suppress(Exception):  # what does not decode was dead-lettered by the processor
                self.orders.apply(self._codec.decode(value))
        for e in events:
            if type(e) in ORDER_TYPES:
                self.orders.apply(e)

    def _index(self, value: bytes, partition: int, offset: int, events: list[Event]) -> None:
        if self._codec.event_type(value) not in COMMAND_TYPES:
            return  # venue events and listings are not commands anybody retries: keep the window for those
        try:
            command = self._codec.decode(value)
        except Exception:  # dead-lettered above
            return
        if command.event_id in self._commands:
            return  # the first message with an id is the one that counts
        from api.services.commands import fingerprint

        self._commands[command.event_id] = Seen(fingerprint(command), partition, offset, events,
                                                getattr(command, "account", ""))
        while len(self._commands) > RECENT_COMMANDS:
            self._commands.popitem(last=False)

    def _problem(self, now: float, what: str) -> None:
        self._last_problem = (now, what)

    # --- reads -------------------------------------------------------------------

    def order_views(self) -> tuple[OrdersFold, threading.Lock]:
        """The orders' read model and the lock to hold while reading it."""
        return self.orders, self._lock

    def run_views(self) -> tuple[RunsFold, threading.Lock]:
        """The runs' read model and the lock to hold while reading it."""
        return self.runs, self._lock

    def run_owner(self, run_id: str) -> tuple[str, str] | None:
        """A run's account and wallet set, once its start was folded."""
        with self._lock:
            run = self.runs.runs.get(run_id)
            return (run.account, run.wallet_set_id) if run is not None and run.account else None

    def ledger(self, account: str) -> tuple[Ledger | None, threading.Lock]:
        """The engine holding ``account`` (None before anything of it was seen), and the lock."""
        proc = self._procs[self._ledger_topic]
        engine = proc.engines.get(partition_of(LEDGER_JOURNAL, account.encode()))
        return (engine if isinstance(engine, Ledger) else None), self._lock

    def book(self, venue: str, pair: str) -> L2Book | None:
        proc = self._procs[self._venue_topic]
        key = f"{venue}:{pair}".encode()
        engine = proc.engines.get(partition_of(VENUE_JOURNAL, key))
        if not isinstance(engine, MatchingEngine):
            return None
        book = engine.book(venue, pair)
        return book if book.best_bid() or book.best_ask() else None

    def listed(self) -> list[tuple[MarketRules, BookStatus | None]]:
        """Every listed market with its book as the replica has it: (stale, best bid, best ask, seconds
        since its last message), or None while no message of the book was seen."""
        now = time.monotonic()
        with self._lock:
            rules: dict[tuple[str, str], MarketRules] = {}
            for engine in self._procs[self._ledger_topic].engines.values():
                if isinstance(engine, Ledger):
                    rules.update({(r.venue, r.pair): r for r in engine.market_rules()})
            out: list[tuple[MarketRules, BookStatus | None]] = []
            for (venue, pair), r in sorted(rules.items()):
                book, seen = self.book(venue, pair), self._book_seen.get(f"{venue}:{pair}")
                if book is None and seen is None:
                    out.append((r, None))
                    continue
                bid = book.best_bid() if book else None
                ask = book.best_ask() if book else None
                out.append((r, (book.stale if book else True, bid.price if bid else None,
                                ask.price if ask else None, None if seen is None else now - seen)))
            return out

    def markets(self) -> list[tuple[str, str]]:
        """(venue, pair) of every book the replica has seen."""
        proc = self._procs[self._venue_topic]
        with self._lock:
            return sorted({m for e in proc.engines.values() if isinstance(e, MatchingEngine)
                           for m in e.markets()})

    def mids(self) -> dict[tuple[str, str], int]:
        """(base, quote) -> mid price of the freshest book of each pair, over all venues."""
        out: dict[tuple[str, str], int] = {}
        proc = self._procs[self._venue_topic]
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

    def seen(self, command_id: str) -> Seen | None:
        """The first command on ``ledger.journal`` with this id and its outcome, if still remembered."""
        return self._commands.get(command_id)  # one dict read: atomic, no lock to wait for

    async def outcome(self, topic: str, partition: int, offset: int, timeout: float = 10.0
                      ) -> list[Event] | None:
        """What the engines decided for the message at (topic, partition, offset); None if the replica
        has not reached it within ``timeout``. Waits on a future the fold thread resolves."""
        full = qualified(topic, self.namespace)
        key = (full, partition, offset)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._progress.get((full, partition), 0) > offset:
                return self._outcomes.get(key, [])
            if self.error is not None:
                return None
            self._waiters.setdefault(key, []).append((loop, fut))
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            return None
        finally:  # timed out or cancelled (the client went away): no waiter left behind
            with self._lock:
                left = [w for w in self._waiters.get(key, []) if w[1] is not fut]
                if left:
                    self._waiters[key] = left
                else:
                    self._waiters.pop(key, None)
        with self._lock:
            if self._progress.get((full, partition), 0) <= offset:
                return None  # woken because the replica stopped
            return self._outcomes.get(key, [])

    def _feed_notice(self, notice: ServiceNotice) -> None:
        """A venue's feed connected or lost (``producers.exchanges.connect`` says so with the venue)."""
        if notice.service != "feed":
            return
        if notice.message == "feed stopped" or notice.message.startswith("feed stopped:"):
            for venue in list(self._feeds):  # a feed process follows its venues: all of them stopped
                self._feeds[venue] = ("stopped", notice.message, notice.ts)
        elif not notice.venue:
            return
        elif f"{notice.venue} feed connected" in notice.message:
            self._feeds[notice.venue] = ("connected", notice.message, notice.ts)
        elif f"{notice.venue} feed disconnected" in notice.message:
            self._feeds[notice.venue] = ("disconnected", notice.message, notice.ts)

    def feeds(self) -> dict[str, tuple[str, str, int]]:
        """Per venue: the state of its feed as its last notice said (connected, disconnected, stopped),
        the notice, and when."""
        with self._lock:
            return dict(self._feeds)

    def recent_trades(self, venue: str, pair: str) -> list[PublicTrade] | None:
        """A market's latest public trades, oldest first; None if none was seen."""
        with self._lock:
            trades = self._trades.get(f"{venue}:{pair}")
            return None if trades is None else list(trades)

    def recent_notices(self) -> list[ServiceNotice]:
        """The services' latest notices, oldest first."""
        with self._lock:
            return list(self.notices)

    def status(self) -> ReplicaStatus:
        now = time.monotonic()
        with self._lock:
            behind = sum(max(0, end - self._progress.get(tp, 0)) for tp, end in self._ends.items())
            problem = self._last_problem
            books: dict[str, tuple[bool, float]] = {}
            proc = self._procs[self._venue_topic]
            for engine in proc.engines.values():
                if isinstance(engine, MatchingEngine):
                    for venue, pair in engine.markets():
                        key = f"{venue}:{pair}"
                        books[key] = (engine.book(venue, pair).stale, now - self._book_seen.get(key, now))
        return ReplicaStatus(
            alive=self._thread.is_alive() and self.error is None, error=self.error, behind=behind,
            dead_letters=self.dead_letters, last_problem=problem[1] if problem else None,
            last_problem_age_s=now - problem[0] if problem else None, books=books)


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)

"""One consumer per API process follows the output topics and fans every event out to the SSE clients.

Each client has a bounded queue of encoded frames, filled on the event loop: a client that falls
``MAX_PENDING`` frames behind is dropped with a reason (it never slows the others), and comes back with
``Last-Event-ID``. An event's id is the hub's position after it — the next offset of every partition
the hub follows — so a client reconnecting with it is served, from the topics themselves, exactly what
came after: nothing missed, nothing twice, across API restarts too.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from confluent_kafka import Consumer, TopicPartition

from api.services.event_stream import exact, to_json
from schemas.codec import default_codec
from schemas.events import DeadLetter, Event, WalletMovement
from schemas.topics import (
    DEAD_LETTERS,
    DEFAULT_PARTITIONS,
    LEDGER_EVENTS,
    NOTICES,
    STRATEGY_EVENTS,
    VENUE_EVENTS,
    qualified,
)
from streams.runtime.logs import log_once

log = logging.getLogger(__name__)

STREAMS: dict[str, tuple[str, ...]] = {
    "fills": ("OrderFilled",),
    "orders": ("OrderAccepted", "OrderRejected", "OrderOpened", "OrderDone", "CancelRejected"),
    "wallets": ("WalletMovement", "FundsHeld", "HoldReleased", "WalletSetCreated",
                "WalletSetDeactivated", "CommandRejected"),
    "runs": ("RunStateChanged", "UiComponentDeclared", "UiComponentUpdated", "StrategyLogged"),
    "logs": ("StrategyLogged", "ServiceNotice"),
    "notices": ("ServiceNotice",),
    "markets": ("BookStatusChanged",),
    "problems": ("DeadLetter", "BalanceDiscrepancy"),
}
"""What a client may ask for (``kinds``): each kind is a set of event types."""

PUBLIC_TYPES = frozenset({"BookStatusChanged", "ServiceNotice"})
"""What a principal granted some accounts sees beyond them: the markets' and the services' own news."""

HUB_TOPICS = (VENUE_EVENTS, LEDGER_EVENTS, STRATEGY_EVENTS, DEAD_LETTERS, NOTICES)
ALL_TYPES = frozenset(t for types in STREAMS.values() for t in types)

MAX_PENDING = 10_000
"""Frames queued for one client before it is dropped as too slow (``SSE_MAX_PENDING``)."""
MAX_CATCH_UP = 200_000
"""Messages a reconnecting client may be behind; further back it is told to reload (``reset``;
``SSE_MAX_CATCH_UP``)."""
ID_PREFIX = "p1."


def parse_kinds(kinds: str) -> frozenset[str]:
    """'fills,wallets' -> the event type names; ValueError on an unknown kind."""
    names: set[str] = set()
    for kind in (k.strip() for k in kinds.split(",") if k.strip()):
        if kind not in STREAMS:
            raise ValueError(f"unknown stream {kind!r}; choose from {', '.join(STREAMS)}")
        names.update(STREAMS[kind])
    if not names:
        raise ValueError(f"no stream asked for; choose from {', '.join(STREAMS)}")
    return frozenset(names)


def encode_id(position: Sequence[int]) -> str:
    return ID_PREFIX + ".".join(format(o, "x") for o in position)


def decode_id(text: str, slots: int) -> list[int] | None:
    """The position an event id names; None if it was made for other topics (a reset follows);
    ValueError if it is no event id of ours."""
    if not text.startswith(ID_PREFIX):
        raise ValueError("Last-Event-ID is not an event id of this stream")
    parts = text[len(ID_PREFIX):].split(".")
    try:
        position = [int(p, 16) for p in parts]
    except ValueError:
        raise ValueError("Last-Event-ID is not an event id of this stream") from None
    if any(o < 0 or o >= 1 << 63 for o in position):
        raise ValueError("Last-Event-ID holds an offset out of range")
    return position if len(position) == slots else None


def frame(event_type: str, position: Sequence[int] | None, data: str) -> bytes:
    head = f"id: {encode_id(position)}\r\n" if position is not None else ""
    return f"{head}event: {event_type}\r\ndata: {data}\r\n\r\n".encode()


@dataclass(frozen=True, slots=True)
class HubEvent:
    type: str
    account: str
    run_id: str
    wallet_sets: tuple[str, ...]
    slot: int
    offset: int
    position: tuple[int, ...]  # the hub's position after this event: its id
    data: str  # the event as JSON
    frame: bytes


def event_body(event: Event) -> dict[str, Any]:
    """The event as JSON for a client; a dead letter without its poisoned bytes."""
    body = to_json(event)
    return _redacted(body, event.value, event.key) if isinstance(event, DeadLetter) else body


def record_body(cls: type, record: dict[str, Any]) -> dict[str, Any]:
    """``event_body`` of an event from its fields as ``Codec.decode_records`` gives them (no event
    object built: the read of a run's messages shows a thousand at once)."""
    body: dict[str, Any] = {"type": cls.__name__}
    for name, value in record.items():
        body[name] = value.hex() if isinstance(value, bytes) else exact(value)
    return _redacted(body, record["value"], record["key"]) if cls is DeadLetter else body


def _redacted(body: dict[str, Any], value: bytes, key: bytes | None) -> dict[str, Any]:
    """A dead letter's poisoned bytes are for the archive, not for a browser: their size and the key."""
    body["value"] = f"{len(value)} bytes"
    body["key"] = (key or b"").decode(errors="replace")
    return body


def _wallet_sets(event: Event) -> tuple[str, ...]:
    if isinstance(event, WalletMovement):
        return tuple({leg.wallet for leg in event.legs if leg.wallet not in ("pool", "external")})
    ws = getattr(event, "wallet_set_id", "")
    return (ws,) if ws else ()


@dataclass(eq=False)
class Subscriber:
    """One SSE client: what it asked for and the frames waiting for it."""

    hub: EventHub
    loop: asyncio.AbstractEventLoop
    types: frozenset[str]
    account: str = ""
    run: str = ""
    granted: frozenset[str] | None = None  # the accounts its principal may see; None: every one
    start: list[int] = field(default_factory=list)  # the hub's position when it joined: fed live from here
    floor: list[int] | None = None  # resumed: skip what it had already (offset below its position)
    ahead: bool = False  # its position is past the hub's somewhere: ids are merged with it
    pending: collections.deque[bytes] = field(default_factory=collections.deque)  # chunks of frames
    waiting: int = 0  # events in ``pending``
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: str | None = None
    sent: int = 0
    settled: bool = False  # every batch now is past its start: it shares its group's frames

    def matches(self, ev: HubEvent) -> bool:
        """Its kinds, account and run, within its principal's accounts."""
        if ev.type not in self.types:
            return False
        if self.granted is not None and ev.account not in self.granted and \
                (ev.account or ev.type not in PUBLIC_TYPES):
            return False
        if self.account and ev.account != self.account:
            return False
        if self.run and ev.run_id != self.run:
            ws = self.hub.run_wallet_set(self.run)
            if not ws or ws not in ev.wallet_sets:
                return False
        return True

    def wants(self, ev: HubEvent, live: bool = True) -> bool:
        """Whether to send ``ev``; ``live``: from the hub (not the catch-up), so only from ``start`` and
        not what a resumed client had."""
        if live and (ev.offset < self.start[ev.slot]
                     or (self.floor is not None and ev.offset < self.floor[ev.slot])):
            return False
        return self.matches(ev)

    def offer(self, batch: Sequence[HubEvent]) -> None:
        """The events of ``batch`` it wants, one by one (a resumed client, or its first batches)."""
        frames = []
        for ev in batch:
            if self.wants(ev):
                if self.ahead and self.floor is not None:
                    merged = [max(a, b) for a, b in zip(ev.position, self.floor, strict=True)]
                    frames.append(frame(ev.type, merged, ev.data))
                else:
                    frames.append(ev.frame)
        self.push(b"".join(frames), len(frames))

    def push(self, chunk: bytes, events: int) -> None:
        if self.dropped or not events:
            return
        self.pending.append(chunk)
        self.waiting += events
        if self.waiting > self.hub.max_pending:
            self.dropped = (f"too slow: more than {self.hub.max_pending:,} events waiting for this client; "
                            "reconnect with Last-Event-ID to resume where it stopped")
            self.pending.clear()
            self.waiting = 0
            self.hub.dropped_clients += 1
            self.hub.unsubscribe(self)
        self.wake.set()

    def take(self) -> bytes:
        chunk = b"".join(self.pending)
        self.sent += self.waiting
        self.pending.clear()
        self.waiting = 0
        self.wake.clear()
        return chunk


class EventHub:
    """Follows ``venue.events``, ``ledger.events``, ``strategy.events`` and the dead letters of a
    namespace from their ends, decodes each message once and hands it to every subscriber."""

    def __init__(self, bootstrap: str, namespace: str,
                 run_lookup: Callable[[str], tuple[str, str] | None] = lambda _run: None,
                 max_pending: int = MAX_PENDING, max_catch_up: int = MAX_CATCH_UP) -> None:
        self.bootstrap = bootstrap
        self.max_pending = max_pending
        self.max_catch_up = max_catch_up
        self.namespace = namespace
        self.slots: list[tuple[str, int]] = [
            (qualified(t, namespace), p) for t in HUB_TOPICS for p in range(DEFAULT_PARTITIONS[t])]
        self._slot_of = {s: i for i, s in enumerate(self.slots)}
        self._run_lookup = run_lookup  # run id -> (account, wallet set id), from the API's replica
        self._runs: dict[str, tuple[str, str]] = {}  # learnt from the events themselves
        self._published: list[int] = []  # where the consumer thread is (under the lock)
        self._loop_position: dict[asyncio.AbstractEventLoop, list[int]] = {}  # delivered on each loop
        self._subs: dict[asyncio.AbstractEventLoop, set[Subscriber]] = {}
        self._subs_lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="event-hub", daemon=True)
        self._codec = default_codec()
        self.error: str | None = None
        self.events = 0
        self.dropped_clients = 0  # dropped as too slow since the start (the metrics)

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> EventHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self.error is None

    async def ready(self, timeout: float = 15.0) -> bool:
        return self._ready.is_set() or await asyncio.to_thread(self._ready.wait, timeout)

    # --- subscribers ---------------------------------------------------------------

    def subscribe(self, types: frozenset[str], account: str = "", run: str = "",
                  since: list[int] | None = None, granted: frozenset[str] | None = None
                  ) -> tuple[Subscriber, list[int]]:
        """Register a client (on its event loop); returns it and the position from which it is fed
        live. With ``since``, events before that position are skipped; the caller catches up on
        ``since`` .. the returned position from the topics."""
        loop = asyncio.get_running_loop()
        sub = Subscriber(self, loop, types, account, run, granted)
        with self._subs_lock:
            # a loop's first client starts where the consumer is (all before was sent to nobody on this
            # loop); the others where this loop's deliveries are (a batch on its way reaches them too)
            if loop not in self._subs:
                self._subs[loop] = set()
                self._loop_position[loop] = list(self._published)
            self._subs[loop].add(sub)
            sub.start = list(self._loop_position[loop])
        if since is not None:
            sub.floor = since
            sub.ahead = any(s > p for s, p in zip(since, sub.start, strict=True))
        return sub, list(sub.start)

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._subs_lock:
            subs = self._subs.get(sub.loop)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.loop]
                    del self._loop_position[sub.loop]

    @property
    def clients(self) -> int:
        with self._subs_lock:
            return sum(len(s) for s in self._subs.values())

    def run_wallet_set(self, run_id: str) -> str:
        return self._run_info(run_id)[1]

    def _run_info(self, run_id: str) -> tuple[str, str]:
        known = self._runs.get(run_id)
        if known is None:
            known = self._run_lookup(run_id)
            if known is None or not known[0]:
                return "", ""
            self._runs[run_id] = known
        return known

    # --- the consumer thread ------------------------------------------------------

    def _follow(self, consumer: Consumer) -> None:
        highs = []
        for topic, p in self.slots:
            _low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            highs.append(max(high, 0))
        consumer.assign([TopicPartition(t, p, o) for (t, p), o in zip(self.slots, highs, strict=True)])
        position = list(highs)
        with self._subs_lock:
            self._published = list(highs)
        self._ready.set()
        while not self._stop.is_set():
            first = consumer.poll(0.05)
            if first is None:
                continue
            msgs = [m for m in [first, *consumer.consume(2000, timeout=0)] if m.error() is None]
            with self._subs_lock:  # atomic with ``subscribe``: a client joining now starts after these
                if not self._subs:  # nobody listens: move on without decoding a thing
                    for m in msgs:
                        position[self._slot_of[(m.topic() or "", m.partition() or 0)]] = (m.offset() or 0) + 1
                    self._published = list(position)
                    continue
            batch: list[HubEvent] = []
            for m in msgs:
                slot = self._slot_of[(m.topic() or "", m.partition() or 0)]
                offset = m.offset() or 0
                position[slot] = offset + 1
                ev = self._hub_event(m.value() or b"", slot, offset, position)
                if ev is not None:
                    batch.append(ev)
            self.events += len(batch)
            self._publish(batch, list(position))

    def _hub_event(self, value: bytes, slot: int, offset: int, position: Sequence[int]) -> HubEvent | None:
        cls = self._codec.event_type(value)
        if cls is None or cls.__name__ not in ALL_TYPES:
            return None
        try:
            event = self._codec.decode(value)
        except Exception as exc:  # not ours to judge: the archive keeps it; a stream skips it
            log_once(log, logging.WARNING, f"undecodable:{cls.__name__}", "a %s the streams cannot decode is "
                     "skipped (the archive keeps it)", cls.__name__, exc=exc)
            return None
        account = getattr(event, "account", "")
        run_id = getattr(event, "run_id", "")
        wallet_sets = _wallet_sets(event)
        if run_id:
            if account and wallet_sets and run_id not in self._runs:
                self._runs[run_id] = (account, wallet_sets[0])
            elif not account:
                account = self._run_info(run_id)[0]
        data = orjson.dumps(event_body(event)).decode()
        name = cls.__name__
        pos = tuple(position)
        return HubEvent(name, account, run_id, wallet_sets, slot, offset, pos, data, frame(name, pos, data))

    def _publish(self, batch: list[HubEvent], position: list[int]) -> None:
        with self._subs_lock:
            self._published = position
            loops = list(self._subs)
        for loop in loops:
            with contextlib.suppress(RuntimeError):  # its loop closed: its clients are gone
                loop.call_soon_threadsafe(self._deliver, loop, batch, position)

    def _deliver(self, loop: asyncio.AbstractEventLoop, batch: list[HubEvent], position: list[int]) -> None:
        """On the event loop: the batch to each of its subscribers, and the delivered position."""
        with self._subs_lock:
            subs = list(self._subs.get(loop, ()))
            if loop in self._loop_position:
                self._loop_position[loop] = [max(a, b) for a, b in zip(self._loop_position[loop], position,
                                                                        strict=True)]
        if not batch:
            return
        lows: dict[int, int] = {}
        for ev in batch:  # in order per partition: the first of a slot is its lowest
            lows.setdefault(ev.slot, ev.offset)
        shared: dict[tuple[frozenset[str], str, str, frozenset[str] | None], tuple[bytes, int]] = {}
        for sub in subs:
            if sub.dropped:
                continue
            if not sub.ahead and (sub.settled or all(o >= sub.start[slot] for slot, o in lows.items())):
                # past its start (and a resumed client not ahead of the hub): what it gets depends on its
                # filters alone, so clients with the same filters share one chunk per batch
                sub.settled = True
                key = (sub.types, sub.account, sub.run, sub.granted)
                got = shared.get(key)
                if got is None:
                    frames = [ev.frame for ev in batch if sub.matches(ev)]
                    got = shared[key] = (b"".join(frames), len(frames))
                sub.push(*got)
            else:
                sub.offer(batch)

    def _main(self) -> None:
        consumer = Consumer({
            "bootstrap.servers": self.bootstrap, "group.id": f"cryptick-sse-{uuid.uuid4().hex}",
            "enable.auto.commit": False, "fetch.wait.max.ms": 10, "fetch.error.backoff.ms": 50,
        })
        try:
            self._follow(consumer)
        except Exception as exc:  # reported on /health; the streams answer 503
            log.exception("event hub stopped")
            self.error = repr(exc)
        finally:
            consumer.close()


# --- catching up a resumed client from the topics ------------------------------------


def behind(since: Sequence[int], until: Sequence[int]) -> int:
    return sum(max(0, u - s) for s, u in zip(since, until, strict=True))


def catch_up(hub: EventHub, sub: Subscriber, since: list[int], until: list[int],
             chunk: int = 2000) -> Generator[list[bytes], None, None]:
    """The frames of what ``sub`` wants between ``since`` and ``until`` (exclusive), read from the
    topics in chunks (run it in a thread); ids continue from ``since``."""
    todo = {i: (s, u) for i, (s, u) in enumerate(zip(since, until, strict=True)) if s < u}
    if not todo:
        return
    consumer = Consumer({
        "bootstrap.servers": hub.bootstrap, "group.id": f"cryptick-sse-resume-{uuid.uuid4().hex}",
        "enable.auto.commit": False,
    })
    try:
        consumer.assign([TopicPartition(*hub.slots[i], s) for i, (s, _u) in todo.items()])
        cursor = list(since)
        deadline = time.monotonic() + 60
        while todo:
            if time.monotonic() > deadline:
                raise TimeoutError("catching up took over 60 s")
            frames: list[bytes] = []
            for m in consumer.consume(chunk, timeout=0.5):
                if m.error() is not None:
                    continue
                slot = hub._slot_of[(m.topic() or "", m.partition() or 0)]
                offset = m.offset() or 0
                if slot not in todo or offset >= todo[slot][1]:
                    continue
                cursor[slot] = offset + 1
                if offset + 1 >= todo[slot][1]:
                    del todo[slot]
                ev = hub._hub_event(m.value() or b"", slot, offset, cursor)
                if ev is not None and sub.wants(ev, live=False):
                    frames.append(ev.frame)
            if frames:
                yield frames
    finally:
        consumer.close()

"""Append commands to the agents' inboxes and report what was decided.

Delivery is asynchronous and concurrent: each request produces its message and
waits on its own delivery report (a background thread polls the producer), so
sixteen clients do not queue behind one ``flush``. A command the broker did not
confirm in time raises :class:`CommandNotDelivered` with its id: it may still be
delivered later (the producer keeps trying), so the client retries with the same
id, which the ledger applies once.

Ids are idempotency keys. Before producing, the replica is asked whether the id
was seen: the same content answers the original outcome; other content under the
same id answers a conflict (409) — the ledger would ignore it, and the client
must not believe it was applied. Content is all but the command's time: a retry
stamped a moment later is the same command.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from api.services.views import AgentViews, Seen
from floor.kafka import producer
from schemas import units
from schemas.codec import encode
from schemas.events import Event
from schemas.topics import LEDGER_JOURNAL, partition_of, qualified

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 900_000
"""Under the broker's default ``message.max.bytes`` (1 MB) with room for the key and headers."""
DELIVERY_TIMEOUT_S = 5.0


class CommandNotDelivered(RuntimeError):
    """Kafka did not confirm the command in time (it may still arrive): retry with the same id."""

    def __init__(self, command_id: str, why: str) -> None:
        super().__init__(why)
        self.command_id = command_id


class CommandTooLarge(ValueError):
    """The encoded command is over the broker's message size."""


def fingerprint(command: Event) -> bytes:
    """What makes a retry the same command: its content without its time (``ts``). A command is stamped
    with the time the API took it; sent again under its id a moment later, it is the same command."""
    return hashlib.blake2b(encode(dataclasses.replace(command, ts=0)), digest_size=16).digest()


now_us = units.now_us
"""The wall clock in µs: when the API took a command that has no market time of its own (a deposit,
a withdrawal, a wallet set's creation, adjustment or release)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    event_id: str
    partition: int
    offset: int
    events: list[Event] | None  # None: not processed yet within the wait
    duplicate: bool = False  # the id was applied before with the same content; events are the original's
    conflict: Seen | None = None  # the id was used before for other content: the original


class _Delivery:
    __slots__ = ("done", "error", "offset")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: KafkaError | None = None
        self.offset = -1

    def __call__(self, err: KafkaError | None, msg: Message) -> None:
        self.error = err
        if err is None:
            self.offset = msg.offset() or 0
        self.done.set()


class _AsyncDelivery:
    """A delivery report handed to an asyncio future (the producer's poll thread calls it)."""

    __slots__ = ("future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[tuple[KafkaError | None, int]] = loop.create_future()

    def _set(self, result: tuple[KafkaError | None, int]) -> None:
        if not self.future.done():
            self.future.set_result(result)

    def __call__(self, err: KafkaError | None, msg: Message) -> None:
        with contextlib.suppress(RuntimeError):  # the request's loop is closed: nobody waits any more
            self.loop.call_soon_threadsafe(self._set, (err, -1 if err is not None else msg.offset() or 0))


class CommandBus:
    def __init__(self, bootstrap: str, namespace: str, views: AgentViews) -> None:
        self.namespace = namespace
        self.views = views
        self._producer: Producer = producer(bootstrap, **{"linger.ms": 0, "message.timeout.ms": 120_000})
        self._stop = threading.Event()
        self.observe: Callable[[str, Outcome | None, float], None] | None = None
        """Told each command's type, outcome (None: not delivered) and seconds to it."""
        self._poller = threading.Thread(target=self._poll, name="command-bus", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                self._producer.poll(0.05)
            except Exception:  # a callback failed: log it, keep serving delivery reports
                log.exception("delivery report failed")

    def close(self) -> None:
        self._stop.set()
        self._poller.join(2)
        self._producer.flush(5)

    def _enqueue(self, topic: str, key: str, command: Event, value: bytes,
                 on_delivery: Callable[[KafkaError | None, Message], None]) -> int:
        """Hand the encoded command to the producer (the broker's confirmation comes to ``on_delivery``);
        its partition. Too large, or refused at once (the send queue full, Kafka's error): raised."""
        if len(value) > MAX_MESSAGE_BYTES:
            raise CommandTooLarge(f"the command is {len(value):,} bytes encoded; the limit is "
                                  f"{MAX_MESSAGE_BYTES:,}")
        k = key.encode()
        partition = partition_of(topic, k)
        try:
            self._producer.produce(qualified(topic, self.namespace), value=value, key=k, partition=partition,
                                   on_delivery=on_delivery)
        except BufferError:
            raise CommandNotDelivered(command.event_id, "the API's send queue is full") from None
        except KafkaException as exc:
            raise CommandNotDelivered(command.event_id, f"Kafka refused it: {exc.args[0].str()}") from None
        return partition

    def _produce(self, topic: str, key: str, command: Event, timeout: float = DELIVERY_TIMEOUT_S
                 ) -> tuple[int, int]:
        delivery = _Delivery()
        partition = self._enqueue(topic, key, command, encode(command), delivery)
        if not delivery.done.wait(timeout):
            raise CommandNotDelivered(command.event_id, f"the broker did not confirm within {timeout:.0f} s")
        if delivery.error is not None:
            raise CommandNotDelivered(command.event_id, f"the broker refused it: {delivery.error.str()}")
        return partition, delivery.offset

    async def _produce_async(self, topic: str, key: str, command: Event, value: bytes,
                             timeout: float = DELIVERY_TIMEOUT_S) -> tuple[int, int]:
        delivery = _AsyncDelivery(asyncio.get_running_loop())
        partition = self._enqueue(topic, key, command, value, delivery)
        try:
            error, offset = await asyncio.wait_for(asyncio.shield(delivery.future), timeout)
        except TimeoutError:
            raise CommandNotDelivered(command.event_id,
                                      f"the broker did not confirm within {timeout:.0f} s") from None
        if error is not None:
            raise CommandNotDelivered(command.event_id, f"the broker refused it: {error.str()}")
        return partition, offset

    async def send_async(self, account: str, command: Event, wait: float = 10.0) -> Outcome:
        """``send`` without a thread: the request waits on futures the producer and the replica resolve.
        The time to its outcome goes to ``observe`` (the API's metrics), undelivered ones too."""
        started = time.perf_counter()
        try:
            outcome = await self._send_async(account, command, wait)
        except CommandNotDelivered:
            if self.observe is not None:
                self.observe(type(command).__name__, None, time.perf_counter() - started)
            raise
        if self.observe is not None:
            self.observe(type(command).__name__, outcome, time.perf_counter() - started)
        return outcome

    async def _send_async(self, account: str, command: Event, wait: float) -> Outcome:
        value = encode(command)
        mark = fingerprint(command)
        seen = self.views.seen(command.event_id)
        if seen is not None:
            return self._known(command.event_id, account, mark, seen)
        partition, offset = await self._produce_async(LEDGER_JOURNAL, account, command, value)
        events = await self.views.outcome(LEDGER_JOURNAL, partition, offset, wait)
        if events == [] and (seen := self.views.seen(command.event_id)) is not None \
                and (seen.partition, seen.offset) != (partition, offset):
            return self._known(command.event_id, account, mark, seen)  # raced with its first copy
        return Outcome(command.event_id, partition, offset, events)

    async def append_async(self, topic: str, key: str, command: Event) -> None:
        """``append`` for a coroutine."""
        await self._produce_async(topic, key, command, encode(command))

    def append(self, topic: str, key: str, command: Event) -> None:
        """Append ``command`` to an inbox (a run's ``strategy.journal``) without waiting for an answer."""
        self._produce(topic, key, command)

    @staticmethod
    def _known(event_id: str, account: str, mark: bytes, seen: Seen) -> Outcome:
        if seen.account != account:  # another account's command: its outcome is not this caller's to read
            return Outcome(event_id, seen.partition, seen.offset, [], conflict=Seen(b"", -1, -1, [], ""))
        if seen.fingerprint != mark:
            return Outcome(event_id, seen.partition, seen.offset, seen.events, conflict=seen)
        return Outcome(event_id, seen.partition, seen.offset, seen.events, duplicate=True)

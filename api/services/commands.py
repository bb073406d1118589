"""Append commands to the ledger's inbox and report what was decided."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from confluent_kafka import KafkaError, Message, Producer

from api.services.views import AgentViews
from schemas.codec import encode
from schemas.events import Event
from schemas.topics import LEDGER_JOURNAL, partition_of, qualified
from streams.runtime.kafka import producer


class CommandNotDelivered(RuntimeError):
    """Kafka did not take the command."""


@dataclass(frozen=True, slots=True)
class Outcome:
    event_id: str
    partition: int
    offset: int
    events: list[Event] | None  # None: not processed yet within the wait


class CommandBus:
    def __init__(self, bootstrap: str, namespace: str, views: AgentViews) -> None:
        self.namespace = namespace
        self.views = views
        self._producer: Producer = producer(bootstrap, **{"linger.ms": 0})
        self._lock = threading.Lock()

    def append(self, topic: str, key: str, command: Event) -> None:
        """Append ``command`` to an inbox (a run's ``strategy.journal``) without waiting for an answer."""
        errors: list[KafkaError] = []

        def on_delivery(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                errors.append(err)

        k = key.encode()
        with self._lock:
            self._producer.produce(qualified(topic, self.namespace), value=encode(command), key=k,
                                   partition=partition_of(topic, k),
                                   on_delivery=on_delivery)
            left = self._producer.flush(10)
        if errors or left:
            raise CommandNotDelivered(str(errors[0]) if errors else "no delivery report within 10 s")

    def send(self, account: str, command: Event, wait: float = 10.0) -> Outcome:
        """Append ``command`` to ``ledger.journal`` under ``account``; the engines' decision."""
        key = account.encode()
        partition = partition_of(LEDGER_JOURNAL, key)
        delivered: list[Message] = []
        errors: list[KafkaError] = []

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            (errors.append(err) if err is not None else delivered.append(msg))

        with self._lock:
            self._producer.produce(qualified(LEDGER_JOURNAL, self.namespace), value=encode(command),
                                   key=key, partition=partition, on_delivery=on_delivery)
            self._producer.flush(10)
        if errors or not delivered:
            raise CommandNotDelivered(str(errors[0]) if errors else "no delivery report within 10 s")
        offset = delivered[0].offset() or 0
        events = self.views.outcome(LEDGER_JOURNAL, partition, offset, wait)
        return Outcome(command.event_id, partition, offset, events)

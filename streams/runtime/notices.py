"""Services' notices on Kafka: the project's log records (info and up) as ``ServiceNotice`` events.

A long-running process (feed, worker, API, archive) installs ``NoticeHandler``
on the root logger; the records of the project's own loggers then go to
``notices.v1`` of its namespace as well as to the terminal: a feed connected or
lost, a malformed message skipped, a dead letter written, a worker's engine
rebuilt, an archive sink stopped. The API's replica keeps the latest
(``GET /logs``) and its event hub streams them (``/streams/events?kinds=logs``).

The handler never blocks and never raises into the code that logs: the
producer's queue is bounded, a record it cannot queue is counted as lost, and
a burst is cut at ``RATE`` a second (the records cut are counted in the next
notice that goes out). Records logged while it produces (the Kafka client's
own) are not sent again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from confluent_kafka import KafkaException, Producer

from schemas.codec import default_codec
from schemas.events import ServiceNotice
from schemas.topics import NOTICES, qualified

PACKAGES = ("producers", "streams", "api", "cryptick", "replay", "strategies")
"""The loggers whose records become notices (their own names and the names under them)."""
RATE = 20.0  # notices a second, on average
BURST = 100  # ... and at once
LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning", logging.ERROR: "error",
          logging.CRITICAL: "critical"}
MAX_MESSAGE = 4000


class NoticeHandler(logging.Handler):
    """Sends the project's log records to the namespace's notices topic."""

    cryptick_keep = True  # streams.runtime.logs.configure leaves it in place

    def __init__(self, bootstrap: str, namespace: str, service: str, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.topic = qualified(NOTICES, namespace)
        self.service = service
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self._producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50,
                                   "queue.buffering.max.messages": 10_000, "message.timeout.ms": 30_000,
                                   "enable.idempotence": False})
        self._encode = default_codec().encode
        self._busy = threading.local()
        self._tokens = float(BURST)
        self._refilled = time.monotonic()
        self.cut = 0  # records over the rate, not sent (told in the next notice)
        self.lost = 0  # records the producer could not take

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".", 1)[0] in PACKAGES and super().filter(record)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "on", False):
            return
        self._busy.on = True
        try:
            if not self._take():
                self.cut += 1
                return
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            if self.cut:
                message += f" [{self.cut} notices before this one were cut: over {RATE:.0f}/s]"
                self.cut = 0
            now = time.time_ns() // 1000
            notice = ServiceNotice(event_id=uuid.uuid4().hex, service=self.service, process=self.process,
                                   level=LEVELS.get(record.levelno, record.levelname.lower()),
                                   logger=record.name, message=message[:MAX_MESSAGE],
                                   venue=str(getattr(record, "venue", "") or ""), ts=now)
            self._producer.produce(self.topic, key=self.service.encode(), value=self._encode(notice))
            self._producer.poll(0)
        except (BufferError, KafkaException, ValueError, TypeError):
            self.lost += 1
        finally:
            self._busy.on = False

    def _take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(float(BURST), self._tokens + (now - self._refilled) * RATE)
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def close(self) -> None:
        try:
            self._producer.flush(5)
        finally:
            super().close()


def install(bootstrap: str, namespace: str, service: str) -> NoticeHandler:
    """Send this process's notices (the project's loggers at info and up) to ``notices.v1``; the
    project's loggers log info from now on (the terminal shows what it showed before: its own
    handlers keep their levels)."""
    handler = NoticeHandler(bootstrap, namespace, service)
    root = logging.getLogger()
    shown = max(root.level, logging.WARNING) if root.level else logging.WARNING
    for existing in root.handlers:  # the terminal shows what it showed before
        if existing.level == logging.NOTSET:
            existing.setLevel(root.level or logging.WARNING)
    if not root.handlers:  # nothing printed before but Python's last resort: warnings and up
        console = logging.StreamHandler()
        console.setLevel(shown)
        console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
    root.addHandler(handler)
    for package in PACKAGES:
        logger = logging.getLogger(package)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
    return handler


def uninstall(handler: NoticeHandler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()

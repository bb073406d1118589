"""Turn one inbox message into output messages: decode, run the engine, encode.

This is the part of every agent shell that is not Faust: it owns one engine per
inbox partition, recognises redelivered offsets, rebuilds an engine's state
after a restart by replaying its inbox partition up to where processing
resumes, and sends bad input to the dead-letter topic with the reason.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from schemas.codec import Codec, DecodeError, default_codec
from schemas.events import DeadLetter, Event
from schemas.topics import DEAD_LETTERS
from streams.core import Engine, Forward, KeyedEngine

log = logging.getLogger(__name__)

History = Callable[[int, int], Iterable[tuple[int, bytes | None, bytes]]]
"""(partition, end offset) -> the inbox messages (offset, key, value) before ``end``."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str  # logical topic name (unqualified)
    key: bytes
    value: bytes
    event: Event | None = None  # what ``value`` encodes, for in-process readers (no decode again)


@dataclass(slots=True)
class InboxProcessor:
    """Processes the messages of one inbox topic for all of its assigned partitions."""

    inbox: str
    engine_factory: Callable[[], Engine | KeyedEngine]
    accepts: frozenset[type]
    output_topic: str
    key_of: Callable[[Event], str]
    history: History | None = None
    source: str = ""  # the inbox's full topic name (with namespace), for dead letters
    codec: Codec = field(default_factory=default_codec)
    keyed: bool = False  # the engine is a KeyedEngine: it gets each message's key and bytes
    dead_letters: bool = True  # False when another agent on the same inbox reports its bad messages
    engines: dict[int, Engine | KeyedEngine] = field(default_factory=dict)
    next_offset: dict[int, int] = field(default_factory=dict)
    processed: int = 0
    dead_lettered: int = 0

    def engine(self, partition: int, offset: int) -> Engine | KeyedEngine:
        """The partition's engine, rebuilt from its inbox history if work resumes mid-log."""
        engine = self.engines.get(partition)
        if engine is None:
            engine = self.engine_factory()
            if offset > 0 and self.history is not None:
                n = 0
                for _off, key, value in self.history(partition, offset):
                    event = self._decode_quietly(value)
                    if event is not None and type(event) in self.accepts:
                        with contextlib.suppress(Exception):  # dead-lettered when first seen
                            self._handle(engine, key, event, value)
                    n += 1
                log.warning("resumed %s[%d] at offset %d: rebuilt from %d inbox messages",
                            self.source or self.inbox, partition, offset, n)
            self.engines[partition] = engine
            self.next_offset[partition] = offset
        return engine

    def forget(self, partition: int) -> None:
        """Drop a partition's engine (its partition was revoked); rebuilt if it comes back."""
        self.engines.pop(partition, None)
        self.next_offset.pop(partition, None)

    def _decode_quietly(self, value: bytes) -> Event | None:
        try:
            return self.codec.decode(value)
        except DecodeError:
            return None

    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                timestamp_ms: int = 0) -> list[Outgoing]:
        """Outputs for one inbox message; [] for a redelivered offset."""
        engine = self.engine(partition, offset)
        if offset < self.next_offset[partition]:
            return []
        self.next_offset[partition] = offset + 1
        self.processed += 1
        raw = value or b""
        try:
            event = self.codec.decode(raw)
        except DecodeError as exc:
            return self._dead_letter(partition, offset, key, raw, str(exc), timestamp_ms)
        if type(event) not in self.accepts:
            reason = f"{type(event).__name__} does not belong on {self.inbox}"
            return self._dead_letter(partition, offset, key, raw, reason, timestamp_ms)
        try:
            outputs = self._handle(engine, key, event, raw)
        except Exception as exc:
            log.exception("engine failed on %s[%d]@%d", self.inbox, partition, offset)
            reason = f"processing failed: {exc!r}"
            return self._dead_letter(partition, offset, key, raw, reason, timestamp_ms)
        encode = self.codec.encode
        if not self.keyed:
            return [Outgoing(self.output_topic, self.key_of(e).encode(), encode(e), e)  # type: ignore[arg-type]
                    for e in outputs]
        return [Outgoing(o.topic, o.key.encode(), o.value, o.event) if type(o) is Forward
                else Outgoing(self.output_topic, self.key_of(o).encode(), encode(o), o)  # type: ignore[arg-type]
                for o in outputs]

    def _handle(self, engine: Engine | KeyedEngine, key: bytes | None, event: Event, value: bytes
                ) -> Sequence[Event | Forward]:
        if self.keyed:
            return engine.handle_keyed((key or b"").decode(), event, value)  # type: ignore[union-attr]
        return engine.handle(event)  # type: ignore[union-attr]

    def _dead_letter(self, partition: int, offset: int, key: bytes | None, value: bytes,
                     reason: str, timestamp_ms: int) -> list[Outgoing]:
        self.dead_lettered += 1
        if not self.dead_letters:
            return []
        topic = self.source or self.inbox
        letter = DeadLetter(
            event_id=f"{topic}:{partition}:{offset}", topic=topic, partition=partition,
            offset=offset, key=key, value=value, reason=reason, ts=timestamp_ms * 1000,
        )
        log.warning("dead letter %s: %s", letter.event_id, reason)
        return [Outgoing(DEAD_LETTERS, key or b"", self.codec.encode(letter), letter)]

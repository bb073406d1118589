"""Turn one inbox message into output messages: decode, run the engine, encode.

This is the part of every agent shell that is not Faust: it owns one engine per
inbox partition, recognises redelivered offsets, rebuilds an engine's state
after a restart by replaying its inbox partition up to where processing
resumes, and sends bad input to the dead-letter topic with the reason.

One rule, live and in every rebuild: an input is applied only together with
its encoded outputs. A ``SplitEngine`` (the ledger) decides, the outputs are
encoded, then it applies; if deciding or encoding fails nothing has changed.
Any other engine changes as it handles; if handling or encoding fails after
that, the partition's engine is rebuilt from its inbox history without that
offset (and without the ones skipped before it). Either way the input becomes
a dead letter with the reason: nothing is committed without its outputs or a
dead letter, and a restart rebuild skips the same inputs, so it reproduces the
live state. Without a history (in-process readers) an engine that failed
mid-change cannot be rebuilt: that is logged as an error and counted.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from schemas.codec import Codec, DecodeError, default_codec
from schemas.events import DeadLetter, Event
from schemas.topics import DEAD_LETTERS
from streams.core import Engine, Forward, KeyedEngine, SplitEngine
from streams.runtime.metrics import BUCKETS, InboxCounters
from streams.runtime.snapshots import Snapshot, SnapshotStore, dumps, fingerprint, loads

_clock = time.perf_counter
_bucket = bisect.bisect_left

log = logging.getLogger(__name__)

DEAD_LETTER_BYTES = 64 * 1024
"""A dead letter carries at most this much of the input's key and value: a message near the broker's
size limit would otherwise make a letter over it, which the worker could never send (a crash loop)."""

History = Callable[[int, int, int], Iterable[tuple[int, bytes | None, bytes]]]
"""(partition, start offset, end offset) -> the inbox messages (offset, key, value) in [start, end)."""


class Outgoing(NamedTuple):
    """One output message. A tuple, not a frozen dataclass: one is made per output, and a frozen
    dataclass costs about twice as much to build (as ``streams.core.Forward``)."""

    topic: str  # logical topic name (unqualified)
    key: bytes
    value: bytes
    event: Event | None = None  # what ``value`` encodes, for in-process readers (no decode again)


class _Changed(Exception):  # a signal, not an error of its own
    """Processing failed after the engine changed: the engine must be rebuilt without the input."""


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
    skipped: dict[int, set[int]] = field(default_factory=dict)
    """Per partition, the offsets left out of its engine: they failed after changing it."""
    processed: int = 0
    dead_lettered: int = 0
    rebuilds: int = 0
    diverged: int = 0  # engines that failed mid-change with no history to rebuild them from
    counters: InboxCounters = field(default_factory=InboxCounters)
    """Per partition, what was processed and produced, and how long it took (``streams.runtime.metrics``
    reads them when scraped)."""
    observer: Callable[[Any, Event, list[Outgoing]], None] | None = None
    """Called with the engine, the input and its outputs after each live input (never while rebuilding):
    an agent's own metrics (``streams.matching.agent.MatchingTally``)."""
    snapshots: SnapshotStore | None = None
    """Where the partitions' snapshots are kept (``streams.runtime.snapshots``); with ``history``, an engine
    resumes from its latest snapshot and the inbox after it."""
    snapshot_every: int = 0
    """Inputs of a partition between two of its snapshots (``take_snapshots``); 0: none are taken."""
    bases: dict[int, Snapshot] = field(default_factory=dict)
    """Per partition, the latest snapshot loaded or taken: where a rebuild starts."""
    _version: str = ""  # the snapshots' fingerprint (of the code and the engine factory), once known
    _split: bool | None = None  # whether the engines are SplitEngines (known from the first one)
    _observer_failures: set[str] = field(default_factory=set)

    def engine(self, partition: int, offset: int) -> Engine | KeyedEngine:
        """The partition's engine, rebuilt from its inbox history if work resumes mid-log."""
        engine = self.engines.get(partition)
        if engine is None:
            resume = offset
            if offset > 0 and self.history is not None:
                base = self._stored(partition)
                if base is not None and base.offset >= offset:
                    # taken after its outputs were delivered: the inputs before it come again as
                    # redelivered (committed later than the snapshot was saved), their outputs are out
                    engine, resume = self._restore(partition, base), base.offset
                    self.counters.snapshots_loaded += 1
                    log.warning("resumed %s[%d] at offset %d from a snapshot at %d (%d inputs redelivered)",
                                self.source or self.inbox, partition, offset, base.offset,
                                base.offset - offset, extra=self._at(partition, offset))
                else:
                    engine = self._rebuild(partition, offset, base)
            else:
                engine = self._new_engine()
            self.engines[partition] = engine
            self.next_offset[partition] = resume
        return engine

    def forget(self, partition: int) -> None:
        """Drop a partition's engine (its partition was revoked); rebuilt if it comes back."""
        self.engines.pop(partition, None)
        self.next_offset.pop(partition, None)
        self.skipped.pop(partition, None)
        self.bases.pop(partition, None)

    # --- snapshots ----------------------------------------------------------------------

    def snapshot_key(self, partition: int) -> str:
        return f"{self.source or self.inbox}/{self.output_topic}/{partition}"

    def _fingerprint(self) -> str:
        if not self._version:
            self._version = fingerprint(self.engine_factory)
        return self._version

    def _stored(self, partition: int) -> Snapshot | None:
        """The partition's latest stored snapshot, if the same code and configuration took it."""
        if self.snapshots is None:
            return None
        try:
            snap = self.snapshots.latest(self.snapshot_key(partition))
        except Exception:  # a store that cannot answer costs the snapshot, never the partition
            log.exception("no snapshot of %s[%d]: the store failed", self.source or self.inbox, partition)
            return None
        if snap is None:
            return None
        if snap.version != self._fingerprint():
            log.info("the snapshot of %s[%d] at %d is of other code or configuration: not used",
                     self.source or self.inbox, partition, snap.offset)
            return None
        return snap

    def _restore(self, partition: int, base: Snapshot) -> Engine | KeyedEngine:
        """The snapshot's engine; its left-out offsets become the partition's (the caller counts the
        load once it is used)."""
        engine: Engine | KeyedEngine = loads(base.state)
        if self._split is None:
            self._split = not self.keyed and isinstance(engine, SplitEngine)
        self.skipped.setdefault(partition, set()).update(base.skipped)
        self.bases[partition] = base
        return engine

    def take_snapshots(self, force: bool = False) -> list[tuple[str, Snapshot]]:
        """(key, snapshot) of each partition that processed ``snapshot_every`` inputs since its last one
        (``force``: of every partition with inputs since). The runtime saves them once the outputs of
        every input they cover are delivered (never before: a snapshot must not be ahead of them)."""
        if self.snapshots is None or (self.snapshot_every <= 0 and not force):
            return []
        seen = self.counters.events_in
        taken: list[tuple[str, Snapshot]] = []
        for partition, engine in self.engines.items():
            offset = self.next_offset[partition]
            base = self.bases.get(partition)
            since = offset - (base.offset if base is not None else 0)
            if since <= 0 or (not force and since < self.snapshot_every) or not seen.get(partition):
                continue
            started = time.perf_counter()
            try:
                snap = Snapshot(offset, dumps(engine), frozenset(self.skipped.get(partition, ())),
                                self._fingerprint())
            except Exception:  # e.g. a strategy holding something that does not pickle: no snapshot
                log.exception("no snapshot of %s[%d] at %d: snapshots of %s stop", self.source or self.inbox,
                              partition, offset, self.inbox, extra=self._at(partition, offset))
                self.snapshots = None  # the next would fail alike, at the same cost
                return taken
            self.bases[partition] = snap
            self.counters.snapshots_taken += 1
            self.counters.snapshot_seconds += time.perf_counter() - started
            taken.append((self.snapshot_key(partition), snap))
        return taken

    def save_snapshots(self, taken: Sequence[tuple[str, Snapshot]]) -> None:
        """Save snapshots from ``take_snapshots`` (their inputs' outputs delivered); a failure is logged."""
        if self.snapshots is None:
            return
        for key, snap in taken:
            try:
                self.snapshots.save(key, snap)
            except Exception:
                log.exception("snapshot %s at %d not saved", key, snap.offset)

    def _new_engine(self) -> Engine | KeyedEngine:
        engine = self.engine_factory()
        if self._split is None:
            self._split = not self.keyed and isinstance(engine, SplitEngine)
        return engine

    def _rebuild(self, partition: int, end: int, base: Snapshot | None) -> Engine | KeyedEngine:
        """An engine fed the partition's inbox before ``end`` under the live rule: an input that fails
        after changing the engine is skipped, and the replay starts over without it. It starts from
        ``base`` (a snapshot of the partition; ignored if after ``end``), else from a new engine."""
        assert self.history is not None
        started = time.perf_counter()
        if base is not None and base.offset > end:
            base = None
        skip = self.skipped.setdefault(partition, set())
        if base is not None:
            skip.update(base.skipped)
        start = base.offset if base is not None else 0
        while True:
            engine = self._restore(partition, base) if base is not None else self._new_engine()
            n, again = 0, False
            for off, key, value in self.history(partition, start, end):
                n += 1
                if off in skip:
                    continue
                event = self._decode_quietly(value)
                if event is None or type(event) not in self.accepts:
                    continue
                try:
                    self._run(engine, key, event, value)
                except _Changed:
                    skip.add(off)  # dead-lettered when first seen
                    again = True
                    break
                except Exception:  # nothing changed; dead-lettered when first seen
                    pass
            if not again:
                break
        self.rebuilds += 1
        if base is not None:  # once, however often the replay started over from it
            self.counters.snapshots_loaded += 1
        self.counters.rebuild_seconds += time.perf_counter() - started
        since = f"a snapshot at {start} and " if base is not None else ""
        log.warning("resumed %s[%d] at offset %d: rebuilt from %s%d inbox messages (%d left out)",
                    self.source or self.inbox, partition, end, since, n, len(skip),
                    extra=self._at(partition, end))
        return engine

    def _decode_quietly(self, value: bytes) -> Event | None:
        try:
            return self.codec.decode(value)
        except DecodeError:
            return None

    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                timestamp_ms: int = 0, decoded: Event | None = None) -> list[Outgoing]:
        """Outputs for one inbox message; [] for a redelivered offset. ``decoded``: the value as another
        shell of the same inbox decoded it (``streams.runtime.direct.Together``), not decoded again."""
        engine = self.engines.get(partition)
        if engine is None:
            engine = self.engine(partition, offset)  # a rebuild is timed apart, in rebuild_seconds
        started = _clock()
        c = self.counters
        if offset < self.next_offset[partition]:
            c.redelivered += 1
            return []
        self.next_offset[partition] = offset + 1
        self.processed += 1
        out = self._process(engine, partition, offset, key, value or b"", timestamp_ms, decoded)
        seen = c.events_in
        seen[partition] = seen.get(partition, 0) + 1
        if out:
            c.events_out[partition] = c.events_out.get(partition, 0) + len(out)
            c.count_outputs(out)
        c.last_ts_ms[partition] = timestamp_ms
        took = _clock() - started
        timings = c.timings
        timings.counts[_bucket(BUCKETS, took)] += 1  # Timings.observe, inlined: this runs per message
        timings.total += took
        return out

    def _process(self, engine: Engine | KeyedEngine, partition: int, offset: int, key: bytes | None,
                 raw: bytes, timestamp_ms: int, decoded: Event | None = None) -> list[Outgoing]:
        if decoded is not None:
            event = decoded
        else:
            try:
                event = self.codec.decode(raw)
            except DecodeError as exc:
                return self._dead_letter(partition, offset, key, raw, str(exc), timestamp_ms,
                                         kind="undecodable")
        if type(event) not in self.accepts:
            reason = f"{type(event).__name__} does not belong on {self.inbox}"
            return self._dead_letter(partition, offset, key, raw, reason, timestamp_ms, kind="foreign")
        cause: BaseException | None
        try:
            out = self._run(engine, key, event, raw)
        except _Changed as changed:
            cause = changed.__cause__
            self._recover(partition, offset)
        except Exception as failed:  # nothing changed
            cause = failed
        else:
            if self.observer is not None:
                self._observe(engine, event, out)
            return out
        log.error("engine failed on %s[%d]@%d", self.inbox, partition, offset, exc_info=cause,
                  extra=self._at(partition, offset))
        reason = f"processing failed: {cause!r}"
        return self._dead_letter(partition, offset, key, raw, reason, timestamp_ms, own=True, kind="failed")

    def _at(self, partition: int, offset: int) -> dict[str, object]:
        """A log record's context: where in the inbox."""
        return {"topic": self.source or self.inbox, "partition": partition, "offset": offset}

    def _observe(self, engine: Engine | KeyedEngine, event: Event, out: list[Outgoing]) -> None:
        """Tell the observer; its failure costs a metric, never the message (logged once per kind)."""
        try:
            self.observer(engine, event, out)  # type: ignore[misc]
        except Exception as exc:
            kind = type(exc).__name__
            if kind not in self._observer_failures:
                self._observer_failures.add(kind)
                log.exception("the %s agent's metrics failed on %s (%s); the message was processed",
                              self.inbox, type(event).__name__, kind)

    def _run(self, engine: Engine | KeyedEngine, key: bytes | None, event: Event, value: bytes
             ) -> list[Outgoing]:
        """The encoded outputs of one input, the engine moved on with them; raises ``_Changed``
        (from the failure) if it failed after the engine changed, the failure itself if before."""
        if self._split:
            outputs = engine.decide(event)  # type: ignore[union-attr]
            encoded = self._encode(outputs)
            try:
                engine.apply(event, outputs)  # type: ignore[union-attr]
            except Exception as exc:
                raise _Changed from exc
            return encoded
        try:
            if self.keyed:
                return self._encode(engine.handle_keyed((key or b"").decode(), event, value))  # type: ignore[union-attr]
            return self._encode(engine.handle(event))  # type: ignore[union-attr]
        except Exception as exc:
            raise _Changed from exc

    def _encode(self, outputs: Sequence[Event | Forward]) -> list[Outgoing]:
        encode, topic, key_of = self.codec.encode, self.output_topic, self.key_of
        if not self.keyed:
            return [Outgoing(topic, key_of(e).encode(), encode(e), e)  # type: ignore[arg-type]
                    for e in outputs]
        return [Outgoing(o.topic, o.key.encode(), o.value, o.event) if type(o) is Forward
                else Outgoing(topic, key_of(o).encode(), encode(o), o)  # type: ignore[arg-type]
                for o in outputs]

    def _recover(self, partition: int, offset: int) -> None:
        """The engine changed on an input that then failed: rebuild it without that input."""
        self.skipped.setdefault(partition, set()).add(offset)
        if self.history is None:
            self.diverged += 1
            log.error("%s[%d]@%d failed after changing the engine and there is no inbox history to "
                      "rebuild it from: its state may no longer match its outputs",
                      self.source or self.inbox, partition, offset, extra=self._at(partition, offset))
            return
        self.engines[partition] = self._rebuild(partition, offset + 1, self.bases.get(partition))

    def _dead_letter(self, partition: int, offset: int, key: bytes | None, value: bytes,
                     reason: str, timestamp_ms: int, own: bool = False, kind: str = "failed"
                     ) -> list[Outgoing]:
        """``own``: this processor's failure, reported even where another reports bad messages;
        ``kind``: the reason's class, for the metrics."""
        self.dead_lettered += 1
        if not self.dead_letters and not own:
            return []
        self.counters.dead_letters[kind] += 1
        topic = self.source or self.inbox
        event_id = f"{topic}:{partition}:{offset}"
        if not self.dead_letters:  # another agent may dead-letter the same message: a distinct id
            event_id += f":{self.output_topic}"
        if len(value) > DEAD_LETTER_BYTES or (key is not None and len(key) > DEAD_LETTER_BYTES):
            # a letter must fit where the input did, with its reason: keep the start, say what was cut
            reason += (f" (the letter keeps the first {DEAD_LETTER_BYTES:,} bytes of a {len(value):,}-byte "
                       f"value; the original is at {topic}[{partition}]@{offset})")
            value, key = value[:DEAD_LETTER_BYTES], key[:DEAD_LETTER_BYTES] if key is not None else None
        letter = DeadLetter(
            event_id=event_id, topic=topic, partition=partition,
            offset=offset, key=key, value=value, reason=reason[:4000], ts=timestamp_ms * 1000,
        )
        log.warning("dead letter %s: %s", letter.event_id, reason, extra=self._at(partition, offset))
        return [Outgoing(DEAD_LETTERS, key or b"", self.codec.encode(letter), letter)]

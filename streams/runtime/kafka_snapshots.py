"""The workers' snapshot store on Kafka: a compacted topic per namespace (``schemas.topics.SNAPSHOTS``).

A snapshot may be larger than a Kafka message, so it is written as chunks
(``<key>|<generation>|<i>``) followed by a manifest under the engine's key (its
offset, left-out offsets, fingerprint, chunk count, size and SHA-256). Compaction
keeps the latest manifest per engine; the chunks of the generation it replaces are
deleted by tombstones once the new manifest is sent. Loading reads the topic once
(it holds a few snapshots per engine) and takes, per engine, the latest manifest
whose chunks are all there and match its digest; anything else (a chunk lost, a
manifest that does not parse) is as if there were no snapshot: the engine is
rebuilt from its inbox. One partition: the chunks and their manifest stay in order.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from dataclasses import dataclass

from confluent_kafka import KafkaError, Message

from floor.kafka import create_topics, produce, producer, read_topic
from schemas.topics import snapshot_topic
from streams.runtime.snapshots import Snapshot

log = logging.getLogger(__name__)

CHUNK = 512 * 1024
"""Bytes per chunk: under the broker's default message size (1 MB) with room for the batch's overhead."""


@dataclass(frozen=True, slots=True)
class _Manifest:
    generation: str
    chunks: int
    size: int
    sha256: str
    offset: int
    skipped: tuple[int, ...]
    version: str

    def encode(self) -> bytes:
        return json.dumps({"generation": self.generation, "chunks": self.chunks, "size": self.size,
                           "sha256": self.sha256, "offset": self.offset, "skipped": list(self.skipped),
                           "version": self.version}).encode()

    @classmethod
    def decode(cls, value: bytes) -> _Manifest:
        d = json.loads(value)
        return cls(str(d["generation"]), int(d["chunks"]), int(d["size"]), str(d["sha256"]), int(d["offset"]),
                   tuple(int(o) for o in d["skipped"]), str(d["version"]))


def _chunk_key(key: str, generation: str, i: int) -> bytes:
    return f"{key}|{generation}|{i}".encode()


class KafkaSnapshots:
    """``SnapshotStore`` on the namespace's snapshot topic (created if missing)."""

    def __init__(self, bootstrap: str, namespace: str = "", chunk: int = CHUNK) -> None:
        spec = snapshot_topic(namespace)
        self.bootstrap, self.topic, self.chunk = bootstrap, spec.name, chunk
        create_topics(bootstrap, [spec])
        self._producer = producer(bootstrap, **{"linger.ms": 20, "compression.type": "lz4"})
        self._loaded: dict[str, Snapshot] | None = None
        self._generations: dict[str, _Manifest] = {}  # key -> the manifest last written or read
        self._lock = threading.Lock()
        self.failed: KafkaError | None = None
        self.saved = 0

    def latest(self, key: str) -> Snapshot | None:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded.get(key)

    def _load(self) -> dict[str, Snapshot]:
        manifests: dict[str, _Manifest] = {}
        chunks: dict[bytes, bytes] = {}
        for r in read_topic(self.bootstrap, self.topic):
            if r.key is None:
                continue
            if b"|" in r.key:
                if r.value:
                    chunks[r.key] = r.value
                else:  # a tombstone: the chunk is gone
                    chunks.pop(r.key, None)
                continue
            key = r.key.decode()
            try:
                manifests[key] = _Manifest.decode(r.value)
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("snapshot manifest of %s unreadable (%r): not used", key, exc)
                manifests.pop(key, None)
        loaded = {}
        for key, m in manifests.items():
            parts = [chunks.get(_chunk_key(key, m.generation, i)) for i in range(m.chunks)]
            if any(p is None for p in parts):
                log.warning("snapshot of %s at %d incomplete: not used", key, m.offset)
                continue
            state = b"".join(parts)  # type: ignore[arg-type]
            if len(state) != m.size or hashlib.sha256(state).hexdigest() != m.sha256:
                log.warning("snapshot of %s at %d does not match its digest: not used", key, m.offset)
                continue
            loaded[key] = Snapshot(m.offset, state, frozenset(m.skipped), m.version)
            self._generations[key] = m
        return loaded

    def save(self, key: str, snapshot: Snapshot) -> None:
        """Send the snapshot (chunks, manifest, then tombstones for the chunks it replaces); sent in the
        background: ``flush`` waits for it."""
        state = snapshot.state
        generation = uuid.uuid4().hex[:12]
        n = max(1, -(-len(state) // self.chunk))
        m = _Manifest(generation, n, len(state), hashlib.sha256(state).hexdigest(), snapshot.offset,
                      tuple(sorted(snapshot.skipped)), snapshot.version)
        for i in range(n):
            self._send(_chunk_key(key, generation, i), state[i * self.chunk:(i + 1) * self.chunk])
        self._send(key.encode(), m.encode())
        with self._lock:
            old = self._generations.get(key)
            self._generations[key] = m
            if self._loaded is not None:
                self._loaded[key] = snapshot
        if old is not None and old.generation != generation:
            for i in range(old.chunks):
                self._send(_chunk_key(key, old.generation, i), None)
        self._producer.poll(0)
        self.saved += 1

    def _send(self, key: bytes, value: bytes | None) -> None:
        produce(self._producer, self.topic, value, key, 0, self._delivered)

    def _delivered(self, err: KafkaError | None, _msg: Message) -> None:
        if err is not None:  # a snapshot lost costs restart time, never correctness (its digest fails)
            if self.failed is None:
                log.error("a snapshot was not delivered to %s: %s", self.topic, err)
            self.failed = err

    def flush(self, timeout: float = 30.0) -> int:
        """Wait for the snapshots sent; how many messages are still undelivered."""
        return int(self._producer.flush(timeout))

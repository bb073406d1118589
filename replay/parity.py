"""Compare the outputs of two runs of the agents by content hash.

Outputs of one key (a book ``venue:PAIR``, an account) come from one engine in
one order, so they are compared key by key, in order; across keys Kafka
interleaves partitions by arrival, which no run controls. A message re-sent
after a worker restart carries the same deterministic ``event_id`` and counts
once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from floor.clickhouse import ClickHouse
from floor.kafka import read_topic
from replay.archive_reader import topic_messages
from schemas.codec import default_codec
from schemas.topics import OUTPUTS, qualified


@dataclass(slots=True)
class OutputDigest:
    """Ordered, deduplicated outputs per (topic, key), and their hash."""

    per_key: dict[tuple[str, bytes], list[bytes]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # event type -> count
    duplicates: int = 0

    @property
    def sha256(self) -> str:
        h = hashlib.sha256()
        for (topic, key) in sorted(self.per_key):
            h.update(topic.encode() + b"\x00" + key + b"\x00")
            for value in self.per_key[(topic, key)]:
                h.update(len(value).to_bytes(4, "big") + value)
        return h.hexdigest()

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.per_key.values())


def digest(messages: Iterable[tuple[str, bytes, bytes]]) -> OutputDigest:
    """Digest of (logical topic, key, value) messages in journal order."""
    codec = default_codec()

    def described() -> Iterable[tuple[str, bytes, bytes, str, str]]:
        for topic, key, value in messages:
            event = codec.decode(value)
            yield topic, key, value, event.event_id, type(event).__name__

    return described_digest(described())


def described_digest(messages: Iterable[tuple[str, bytes, bytes, str, str]]) -> OutputDigest:
    """``digest`` of messages whose event id and type name are known (topic, key, value, id, type name)."""
    per_key: dict[tuple[str, bytes], list[bytes]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()  # (topic, event id): the ledger passes a run's cancel on unchanged
    counts: dict[str, int] = defaultdict(int)
    dups = 0
    for topic, key, value, event_id, kind in messages:
        if (topic, event_id) in seen:
            dups += 1
            continue
        seen.add((topic, event_id))
        per_key[(topic, key)].append(value)
        counts[kind] += 1
    return OutputDigest(dict(per_key), dict(sorted(counts.items())), dups)


def kafka_outputs(bootstrap: str, namespace: str, topics: tuple[str, ...] = OUTPUTS) -> OutputDigest:
    def gen() -> Iterable[tuple[str, bytes, bytes]]:
        for name in topics:
            for r in read_topic(bootstrap, qualified(name, namespace)):
                yield name, r.key or b"", r.value

    return digest(gen())


def archived_outputs(client: ClickHouse, namespace: str, topics: tuple[str, ...] = OUTPUTS) -> OutputDigest:
    def gen() -> Iterable[tuple[str, bytes, bytes]]:
        for name in topics:
            for m in topic_messages(client, qualified(name, namespace)):
                yield name, m.key, m.value

    return digest(gen())

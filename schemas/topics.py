"""Topic names (with version suffixes), partition counts and keys."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

VENUE_JOURNAL = "venue.journal.v1"
VENUE_EVENTS = "venue.events.v1"
LEDGER_JOURNAL = "ledger.journal.v1"
LEDGER_EVENTS = "ledger.events.v1"
STRATEGY_JOURNAL = "strategy.journal.v1"
STRATEGY_EVENTS = "strategy.events.v1"
DEAD_LETTERS = "deadletters.v1"

INBOXES = (VENUE_JOURNAL, LEDGER_JOURNAL)
"""Topics whose order defines an agent's state: what a replay re-publishes."""

OUTPUTS = (VENUE_EVENTS, LEDGER_EVENTS)


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int


DEFAULT_PARTITIONS: dict[str, int] = {
    VENUE_JOURNAL: 4,
    VENUE_EVENTS: 4,
    LEDGER_JOURNAL: 2,
    LEDGER_EVENTS: 2,
    STRATEGY_JOURNAL: 2,
    STRATEGY_EVENTS: 2,
    DEAD_LETTERS: 1,
}


def qualified(name: str, namespace: str = "") -> str:
    """The topic ``name`` inside a namespace (a run, a replay); "" is the live namespace."""
    return f"{namespace}.{name}" if namespace else name


def all_topics(namespace: str = "") -> list[TopicSpec]:
    return [TopicSpec(qualified(n, namespace), p) for n, p in DEFAULT_PARTITIONS.items()]


def venue_key(venue: str, pair: str) -> str:
    """Key of ``venue.journal``: one book (and its virtual orders) per key."""
    return f"{venue}:{pair}"


def partition_for(key: bytes, partitions: int) -> int:
    """The partition of ``key``: explicit and client-independent (CRC-32), so every
    producer (confluent-kafka, Faust, replay) sends one key to one inbox partition."""
    return zlib.crc32(key) % partitions


def partition_of(topic: str, key: bytes) -> int:
    """Partition of ``key`` on a logical topic, with its default partition count."""
    return partition_for(key, DEFAULT_PARTITIONS[topic])

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
NOTICES = "notices.v1"
"""Services' notices (``ServiceNotice``): feeds connected or lost, workers' partitions, problems."""

SNAPSHOTS = "snapshots.v1"
"""The workers' engine snapshots (``streams.runtime.snapshots``): compacted, the latest per engine; not an
event topic (nothing archives or routes it), so not among ``DEFAULT_PARTITIONS``."""
SNAPSHOT_TOPIC_CONFIG = {
    "cleanup.policy": "compact",
    "segment.ms": "600000",  # rolled every 10 min, so old snapshots can be compacted away
    "min.cleanable.dirty.ratio": "0.1",
    "delete.retention.ms": "600000",  # tombstones of replaced chunks kept 10 min
}

INBOXES = (VENUE_JOURNAL, LEDGER_JOURNAL)
"""Topics whose order defines an agent's state: what a replay re-publishes."""

OUTPUTS = (VENUE_EVENTS, LEDGER_EVENTS)

RUN_INBOXES = (*INBOXES, STRATEGY_JOURNAL)
RUN_OUTPUTS = (*OUTPUTS, STRATEGY_EVENTS)
"""With strategy runs hosted by the strategy agent (paper mode), their inbox and outputs too."""


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    config: tuple[tuple[str, str], ...] = ()  # topic-level settings (e.g. compaction)


DEFAULT_PARTITIONS: dict[str, int] = {
    VENUE_JOURNAL: 4,
    VENUE_EVENTS: 4,
    LEDGER_JOURNAL: 4,
    LEDGER_EVENTS: 4,
    STRATEGY_JOURNAL: 4,
    STRATEGY_EVENTS: 4,
    DEAD_LETTERS: 1,
    NOTICES: 1,
}
"""Partitions per logical topic: every producer maps a key onto them (``partition_of``), so a topic must
have exactly this many (``floor.kafka.check_partitions`` refuses one that does not)."""


def qualified(name: str, namespace: str = "") -> str:
    """The topic ``name`` inside a namespace (a run, a replay); "" is the live namespace."""
    return f"{namespace}.{name}" if namespace else name


def all_topics(namespace: str = "") -> list[TopicSpec]:
    return [TopicSpec(qualified(n, namespace), p) for n, p in DEFAULT_PARTITIONS.items()]


def snapshot_topic(namespace: str = "") -> TopicSpec:
    return TopicSpec(qualified(SNAPSHOTS, namespace), 1, tuple(sorted(SNAPSHOT_TOPIC_CONFIG.items())))


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


def every_partition(topic: str) -> range:
    """The partitions of a logical topic: what every inbox needs (a market's listing: the ledger checks
    each account's orders against it, wherever the account's key maps) goes to each of them."""
    return range(DEFAULT_PARTITIONS[topic])


# --- a run's keys: the ids a run gives its wallet set and its commands. Wallet events name their run
# (``run_id``); the routers read a run from these ids only for events written before that field. ------


def run_wallet_set(run_id: str) -> str:
    """The wallet set of a run: ``<run id>:ws``."""
    return f"{run_id}:ws"


def run_of_wallet_set(wallet_set_id: str) -> str | None:
    """The run owning a wallet set named by ``run_wallet_set``, or None for other wallet sets."""
    return wallet_set_id[:-3] if wallet_set_id.endswith(":ws") and len(wallet_set_id) > 3 else None


def run_create_command(run_id: str) -> str:
    """The id of the ``CreateWalletSet`` command that makes a run's wallet set: ``<run id>:create``."""
    return f"{run_id}:create"


def run_release_command(run_id: str, attempt: int = 1) -> str:
    """The id of the ``DeactivateWalletSet`` that returns an ended run's wallet set to the pool:
    ``<run id>:release``, then ``<run id>:release:<n>`` for the n-th attempt."""
    return f"{run_id}:release" + (f":{attempt}" if attempt > 1 else "")


def is_release_of(run_id: str, command_id: str) -> bool:
    """Whether ``command_id`` is one of the run's release commands (any attempt)."""
    return run_of_command(command_id) == run_id and not command_id.endswith(":create")


def run_of_command(command_id: str) -> str | None:
    """The run whose wallet-set command this is (``run_create_command``, ``run_release_command``), or None."""
    if command_id.endswith(":create") and len(command_id) > 7:
        return command_id[:-7]
    head, sep, tail = command_id.rpartition(":release")
    if sep and head and (tail == "" or (tail[:1] == ":" and tail[1:].isdigit())):
        return head
    return None

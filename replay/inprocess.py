"""Replay recorded inboxes through the engines in this process (no Kafka agents).

The same inbox shell and engines the Faust agents run, fed each inbox partition
in offset order: the outputs must equal what the agents produced live.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from floor.clickhouse import ClickHouse
from floor.kafka import end_offsets, read_partition
from replay.parity import OutputDigest, digest
from schemas.topics import DEAD_LETTERS, INBOXES, qualified
from streams.runtime.inbox import InboxProcessor

Source = Iterable[tuple[int, int, bytes | None, bytes]]  # partition, offset, key, value


def processors() -> dict[str, InboxProcessor]:
    """The topology's agents whose outputs a replay compares, per inbox (the market fan-out's forwards are
    in the recorded strategy inboxes already)."""
    from strategies.topology import LEDGER, MATCHING, STRATEGIES, Configs
    from streams.runtime.shell import processor

    return {n.inbox: processor(n, Configs()) for n in (MATCHING, LEDGER, STRATEGIES)}


def run(inboxes: dict[str, Source]) -> Iterator[tuple[str, bytes, bytes]]:
    """Outputs (logical topic, key, value) of every inbox, partition by partition."""
    procs = processors()
    for inbox, messages in inboxes.items():
        proc = procs[inbox]
        for partition, offset, key, value in messages:
            for out in proc.process(partition, offset, key, value):
                yield out.topic, out.key, out.value


def kafka_source(bootstrap: str, topic: str) -> Source:
    for p, end in end_offsets(bootstrap, topic).items():
        for r in read_partition(bootstrap, topic, p, 0, end):
            yield p, r.offset, r.key, r.value


def archive_source(client: ClickHouse, topic: str) -> Source:
    from replay.archive_reader import topic_messages

    for m in topic_messages(client, topic):
        yield m.partition, m.offset, m.key, m.value


def replay_from_kafka(bootstrap: str, namespace: str, inboxes: tuple[str, ...] = INBOXES) -> OutputDigest:
    """Digest of the outputs the engines give on ``namespace``'s recorded ``inboxes``
    (``RUN_INBOXES`` to include the strategy agent's, for paper runs)."""
    sources = {t: kafka_source(bootstrap, qualified(t, namespace)) for t in inboxes}
    return digest(o for o in run(sources) if o[0] != DEAD_LETTERS)


def replay_from_archive(client: ClickHouse, namespace: str, inboxes: tuple[str, ...] = INBOXES
                        ) -> OutputDigest:
    sources = {t: archive_source(client, qualified(t, namespace)) for t in inboxes}
    return digest(o for o in run(sources) if o[0] != DEAD_LETTERS)

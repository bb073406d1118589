"""Read archived messages back from ClickHouse, in journal order, in batches.

Raw messages (bytes and coordinates, per partition) are read here; archived
*market events* of a time range and set of books, decoded and merged in journal
order across books, come from ``streams.archive.reader`` (re-exported below).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from floor.clickhouse import ClickHouse
from streams.archive.reader import ArchivedEvent, market_event_batches, market_events

__all__ = [
    "ArchivedEvent",
    "ArchivedMessage",
    "count",
    "market_event_batches",
    "market_events",
    "messages",
    "partitions",
    "topic_messages",
]


@dataclass(frozen=True, slots=True)
class ArchivedMessage:
    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes


def partitions(client: ClickHouse, topic: str) -> list[int]:
    rows = client.query(
        "SELECT DISTINCT partition FROM archive_messages WHERE topic = {t:String} ORDER BY partition",
        parameters={"t": topic},
    ).result_rows
    return [int(r[0]) for r in rows]


def messages(client: ClickHouse, topic: str, partition: int,
             batch: int = 20_000) -> Iterator[ArchivedMessage]:
    """One partition's messages in offset order, deduplicated, ``batch`` rows per query."""
    after = -1
    while True:
        result = client.query(
            "SELECT offset, key, value FROM archive_messages FINAL"
            " WHERE topic = {t:String} AND partition = {p:UInt16} AND offset > {a:Int64}"
            " ORDER BY offset LIMIT {n:UInt32}",
            parameters={"t": topic, "p": partition, "a": after, "n": batch},
            column_formats={"key": "bytes", "value": "bytes"},
        )
        rows = result.result_rows
        for offset, key, value in rows:
            yield ArchivedMessage(topic, partition, int(offset), key, value)
        if len(rows) < batch:
            return
        after = int(rows[-1][0])


def topic_messages(client: ClickHouse, topic: str) -> Iterator[ArchivedMessage]:
    for p in partitions(client, topic):
        yield from messages(client, topic, p)


def count(client: ClickHouse, topic: str) -> int:
    rows = client.query(
        "SELECT count() FROM archive_messages FINAL WHERE topic = {t:String}", parameters={"t": topic}
    ).result_rows
    return int(rows[0][0])

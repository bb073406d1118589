"""The archive sink on the real broker and ClickHouse: raw and typed tables, and re-deliveries."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from floor.kafka import create_topics, end_offsets
from producers.publish import publish
from producers.scenario import Message
from producers.synthetic import SyntheticConfig, SyntheticFeed
from replay.archive_reader import count, topic_messages
from schemas.codec import default_codec
from schemas.topics import VENUE_JOURNAL, all_topics, qualified, venue_key
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import get_client
from streams.archive.sink import ArchiveSink
from streams.archive.tables import specs
from streams.archive.writer import ArchiveWriter

pytestmark = pytest.mark.integration


def _market(venue: str, steps: int = 150) -> list[Any]:
    feed = SyntheticFeed(SyntheticConfig(venue=venue, bases=("BTC", "ETH"), levels=5))
    return [*feed.listings(), *feed.events(steps)]


def _typed_count(client: Any, table: str, where: str, params: dict[str, Any]) -> int:
    return int(
        client.query(f"SELECT count() FROM {table} FINAL WHERE {where}", parameters=params).result_rows[0][0]
    )


def _drain(client: Any, bootstrap: str, namespace: str, group: str) -> int:
    sink = ArchiveSink(client, bootstrap, [t.name for t in all_topics(namespace)], group_id=group)
    try:
        return sink.drain(idle=1.5)
    finally:
        sink.close()


def test_every_message_lands_raw_and_typed_and_a_second_delivery_changes_nothing(
    kafka_bootstrap: str, clickhouse_dsn: str, namespace: str
) -> None:
    venue = f"syn{namespace}"
    events = _market(venue)
    create_topics(kafka_bootstrap, all_topics(namespace))
    sent = publish(
        kafka_bootstrap, (Message(VENUE_JOURNAL, venue_key(e.venue, e.pair), e) for e in events), namespace
    )
    client = get_client(clickhouse_dsn)
    assert _drain(client, kafka_bootstrap, namespace, f"archive-{namespace}") == sent

    topic = qualified(VENUE_JOURNAL, namespace)
    assert count(client, topic) == sum(end_offsets(kafka_bootstrap, topic).values()) == len(events)
    codec = default_codec()
    assert Counter(type(codec.decode(m.value)).__name__ for m in topic_messages(client, topic)) == Counter(
        type(e).__name__ for e in events
    )
    by_type = Counter(type(e).__name__ for e in events)
    for name, n in by_type.items():
        assert _typed_count(client, specs()[name].name, "kafka_topic = {t:String}", {"t": topic}) == n
    trades = [e for e in events if type(e).__name__ == "PublicTrade"]
    rows = client.query(
        "SELECT event_id, price, size, recv_ts FROM archive_public_trade FINAL"
        " WHERE kafka_topic = {t:String} ORDER BY ts, event_id",
        parameters={"t": topic},
    ).result_rows
    assert rows == sorted(
        ((t.event_id, t.price, t.size, t.recv_ts) for t in trades),
        key=lambda r: (next(t.ts for t in trades if t.event_id == r[0]), r[0]),
    )
    volume_before = client.query(
        "SELECT sum(volume) FROM market_candles FINAL WHERE venue = {v:String} AND width_us = 60000000",
        parameters={"v": venue},
    ).result_rows[0][0]
    assert volume_before == sum(t.size for t in trades)

    # a consumer group that starts over re-delivers every message: nothing is counted twice
    assert _drain(client, kafka_bootstrap, namespace, f"archive-again-{namespace}") == sent
    assert count(client, topic) == len(events)
    for name, n in by_type.items():
        assert _typed_count(client, specs()[name].name, "kafka_topic = {t:String}", {"t": topic}) == n
    assert (
        client.query(
            "SELECT sum(volume) FROM market_candles FINAL WHERE venue = {v:String} AND width_us = 60000000",
            parameters={"v": venue},
        ).result_rows[0][0]
        == volume_before
    )


def test_the_same_batch_written_twice_gives_one_row_each(clickhouse_dsn: str, namespace: str) -> None:
    venue = f"dup{namespace}"
    codec = default_codec()
    topic = f"{namespace}.dup"
    events = _market(venue, steps=20)
    batch = RawBatch.from_records(
        (topic, i % 2, i, venue_key(e.venue, e.pair).encode(), codec.encode(e), 0)
        for i, e in enumerate(events)
    )
    client = get_client(clickhouse_dsn)
    writer = ArchiveWriter(client)
    writer.write(batch)
    writer.write(batch)
    assert count(client, topic) == len(events)
    raw = client.query(
        "SELECT count() FROM archive_messages WHERE topic = {t:String}", parameters={"t": topic}
    ).result_rows[0][0]
    assert raw in (len(events), 2 * len(events))  # the copies may or may not be merged yet
    for name, n in Counter(type(e).__name__ for e in events).items():
        table = specs()[name].name
        assert _typed_count(client, table, "kafka_topic = {t:String}", {"t": topic}) == n
        grouped = client.query(
            f"SELECT max(c) FROM (SELECT count() AS c FROM {table} FINAL"
            " WHERE kafka_topic = {t:String} GROUP BY kafka_partition, kafka_offset)",
            parameters={"t": topic},
        ).result_rows[0][0]
        assert grouped == 1


def test_a_live_trickle_is_archived_as_it_comes_not_held_for_a_full_batch(
    kafka_bootstrap: str, clickhouse_dsn: str, namespace: str
) -> None:
    """A feed sends a message every few milliseconds: the sink must not wait to collect a whole batch
    (50,000) before it archives (it once kept a live feed out of the archive indefinitely)."""
    import threading
    import time

    from floor.kafka import producer
    from schemas.codec import encode

    venue = f"syn{namespace}"
    events = _market(venue, steps=400)
    create_topics(kafka_bootstrap, all_topics(namespace))
    stop = threading.Event()

    def trickle() -> None:
        prod = producer(kafka_bootstrap)
        for e in events:
            if stop.is_set():
                break
            prod.produce(qualified(VENUE_JOURNAL, namespace), key=venue_key(e.venue, e.pair).encode(),
                         value=encode(e))
            prod.poll(0)
            time.sleep(0.005)
        prod.flush(10)

    feeder = threading.Thread(target=trickle)
    sink = ArchiveSink(get_client(clickhouse_dsn), kafka_bootstrap, [t.name for t in all_topics(namespace)],
                       group_id=f"archive-{namespace}")
    try:
        while not sink.assignment():
            sink.poll_batch(timeout=0.2)
        feeder.start()
        started = time.monotonic()
        while sink.archived == 0 and time.monotonic() - started < 10:
            sink.poll_batch(timeout=0.2)
        took = time.monotonic() - started
        assert feeder.is_alive(), "the feed ended first: the test proves nothing"
        assert sink.archived > 0 and took < 3, (sink.archived, took)
    finally:
        stop.set()
        feeder.join(30)
        sink.close()

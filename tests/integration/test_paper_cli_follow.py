"""Following a run from its start command's time (``cryptick paper``, ``wait_for_state``) starts each of its
partitions at the broker's offset for that time, not at offset 0: a long-lived namespace's history (here
the same run key, stamped an hour ago) is not read again."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from cryptick import paper
from floor.kafka import create_topics
from floor.kafka import producer as kafka_producer
from schemas.codec import default_codec
from schemas.events import RunStateChanged, StrategyLogged
from schemas.topics import STRATEGY_EVENTS, all_topics, partition_of, qualified
from schemas.units import US

pytestmark = pytest.mark.integration
RUN = "hodl-0123456789"
OLD = 2_000


def produce(bootstrap: str, namespace: str, events: list[StrategyLogged | RunStateChanged],
            timestamp_ms: int | None = None) -> None:
    key = RUN.encode()
    producer = kafka_producer(bootstrap)  # idempotent: a retried first batch on a new topic keeps its place
    encode = default_codec().encode
    for e in events:
        if timestamp_ms is None:
            producer.produce(qualified(STRATEGY_EVENTS, namespace), encode(e), key,
                             partition=partition_of(STRATEGY_EVENTS, key))
        else:
            producer.produce(qualified(STRATEGY_EVENTS, namespace), encode(e), key,
                             partition=partition_of(STRATEGY_EVENTS, key), timestamp=timestamp_ms)
        producer.poll(0)
    assert producer.flush(30) == 0


def logged(prefix: str, n: int, ts: int) -> list[StrategyLogged | RunStateChanged]:
    return [StrategyLogged(f"{prefix}-{i}", RUN, "info", f"{prefix} {i}", ts) for i in range(n)]


def messages(follower: Iterator[paper.Seen | None], n: int, timeout_s: float = 30) -> list[str]:
    """The log lines of the first ``n`` messages, then whatever else comes before the follower is idle."""
    got: list[str] = []
    deadline = time.monotonic() + timeout_s
    for seen in follower:
        if seen is None:
            if len(got) >= n or time.monotonic() > deadline:
                break
            continue
        assert isinstance(seen.event, StrategyLogged | RunStateChanged)
        got.append(seen.event.message if isinstance(seen.event, StrategyLogged) else seen.event.state)
    return got


def test_a_run_followed_from_its_start_skips_what_the_broker_had_before(kafka_bootstrap: str,
                                                                         namespace: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    now = paper.now_us()
    hour_ago = now - 3600 * US
    produce(kafka_bootstrap, namespace, logged("old", OLD, hour_ago), timestamp_ms=hour_ago // 1000)
    produce(kafka_bootstrap, namespace, logged("new", 3, now))

    since = messages(paper.follow(kafka_bootstrap, namespace, RUN, since_us=now), 3)
    assert since == ["new 0", "new 1", "new 2"]
    everything = messages(paper.follow(kafka_bootstrap, namespace, RUN), OLD + 3)
    assert len(everything) == OLD + 3 and everything[0] == "old 0"  # the partition from offset 0

    changed = RunStateChanged(f"{RUN}:state:running", RUN, "hodl", "running", "subscribed", now)
    produce(kafka_bootstrap, namespace, [changed])
    state = paper.wait_for_state(kafka_bootstrap, namespace, RUN, ("running",), 30, since_us=now)
    assert state == changed


def test_a_follower_from_a_time_nothing_is_stamped_at_yet_starts_at_the_end(kafka_bootstrap: str,
                                                                           namespace: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    now = paper.now_us()
    produce(kafka_bootstrap, namespace, logged("before", 5, now))
    follower = paper.follow(kafka_bootstrap, namespace, RUN, idle_s=1.0, since_us=now + 600 * US)
    assert next(follower) is None  # assigned at the end: nothing yet
    produce(kafka_bootstrap, namespace, logged("after", 2, now))
    assert messages(follower, 2) == ["after 0", "after 1"]

"""Has a consumer group caught up? (for orchestration and tests, not for agents)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from floor.kafka import TRANSIENT, end_offsets

SETTLING = TRANSIENT | {
    KafkaError.NOT_COORDINATOR, KafkaError.COORDINATOR_LOAD_IN_PROGRESS, KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError._TIMED_OUT, KafkaError.REQUEST_TIMED_OUT, KafkaError._ALL_BROKERS_DOWN,
}
"""Errors of a broker (re)starting or a group coordinator moving: not caught up yet, ask again."""


def group_lag(bootstrap: str, group_id: str, topics: Sequence[str]) -> int:
    """Messages on ``topics`` the group has not committed yet."""
    ends = {(t, p): e for t in topics for p, e in end_offsets(bootstrap, t).items()}
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group_id, "enable.auto.commit": False})
    try:
        committed = c.committed([TopicPartition(t, p) for (t, p) in ends], timeout=10)
    finally:
        c.close()
    lag = 0
    for tp in committed:
        done = tp.offset if tp.offset >= 0 else 0
        lag += max(0, ends[(tp.topic, tp.partition)] - done)
    return lag


def wait_caught_up(bootstrap: str, group_id: str, topics: Sequence[str], idle: float = 1.5,
                   timeout: float = 180.0, alive: Callable[[], bool] = lambda: True) -> float:
    """Wait until the group has no lag for ``idle`` seconds; the seconds waited."""
    start = time.monotonic()
    quiet_since: float | None = None
    while True:
        now = time.monotonic()
        if not alive():
            raise RuntimeError(f"the consumer of {group_id} died before catching up")
        if now - start > timeout:
            raise TimeoutError(f"{group_id} still behind on {list(topics)} after {timeout:.0f}s")
        try:
            behind = group_lag(bootstrap, group_id, topics)
        except KafkaException as exc:
            if exc.args[0].code() not in SETTLING:
                raise
            behind = -1  # the broker is settling (e.g. just restarted): not known yet
        if behind == 0:
            quiet_since = quiet_since or now
            if now - quiet_since >= idle:
                return now - start
        else:
            quiet_since = None
        time.sleep(0.25)

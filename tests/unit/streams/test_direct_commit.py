"""The direct runtime's commits: a commit refused while the broker is away or the group is in flux does
not stop the worker; its offsets go with the next commit, for the partitions the worker still holds."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from streams.runtime.direct import DirectWorker


class FakeConsumer:
    def __init__(self, held: list[tuple[str, int]]) -> None:
        self.held = held
        self.refuse: list[int] = []  # error codes of the next commits
        self.committed: list[dict[tuple[str, int], int]] = []

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition(t, p) for t, p in self.held]

    def commit(self, offsets: list[TopicPartition], asynchronous: bool) -> None:
        assert not asynchronous
        if self.refuse:
            raise KafkaException(KafkaError(self.refuse.pop(0)))
        self.committed.append({(tp.topic, tp.partition): tp.offset for tp in offsets})

    def close(self) -> None:
        pass


def worker(consumer: FakeConsumer) -> DirectWorker:
    w = DirectWorker("127.0.0.1:1", "ns", {}, "group")
    w._consumer.close()
    w._consumer = consumer  # type: ignore[assignment]
    return w


@pytest.mark.parametrize("code", [KafkaError._TRANSPORT, KafkaError.COORDINATOR_NOT_AVAILABLE,
                                  KafkaError.UNKNOWN_MEMBER_ID, KafkaError.REBALANCE_IN_PROGRESS])
def test_a_refused_commit_goes_with_the_next(code: int) -> None:
    c = FakeConsumer([("a", 0), ("a", 1)])
    w = worker(c)
    c.refuse = [code]
    w._commit({("a", 0): 10, ("a", 1): 5})
    assert c.committed == []
    w._commit({("a", 0): 12})
    assert c.committed == [{("a", 0): 12, ("a", 1): 5}]
    w._commit({})
    assert len(c.committed) == 1  # nothing left over


def test_offsets_of_partitions_no_longer_held_are_left_to_their_next_owner() -> None:
    c = FakeConsumer([("a", 0), ("a", 1)])
    w = worker(c)
    c.refuse = [KafkaError.UNKNOWN_MEMBER_ID]
    w._commit({("a", 0): 10, ("a", 1): 5})
    c.held = [("a", 1)]  # rejoined with a part of what it held
    w._commit({})
    assert c.committed == [{("a", 1): 5}]


def test_a_late_commit_never_moves_an_offset_back() -> None:
    c = FakeConsumer([("a", 0)])
    w = worker(c)
    c.refuse = [KafkaError._TRANSPORT]
    w._commit({("a", 0): 10})
    w._commit({("a", 0): 7})  # processed again after a rebuild, behind what was delivered before
    assert c.committed == [{("a", 0): 10}]


def test_being_fenced_stops_the_worker() -> None:
    c = FakeConsumer([("a", 0)])
    w = worker(c)
    c.refuse = [KafkaError.FENCED_INSTANCE_ID]
    with pytest.raises(KafkaException):
        w._commit({("a", 0): 10})

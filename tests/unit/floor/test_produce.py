"""``floor.kafka.produce``: a full local queue is waited out, never a message dropped or sent twice."""

from __future__ import annotations

from typing import Any

from floor.kafka import ANY_PARTITION, produce, produce_all


class FullThenFree:
    """A producer whose queue is full for its first ``full`` produce calls; each poll serves reports."""

    def __init__(self, full: int) -> None:
        self.full = full
        self.sent: list[tuple[str, bytes | None, bytes | None, int, Any]] = []
        self.polls: list[float] = []

    def produce(self, topic: str, value: bytes | None = None, key: bytes | None = None,
                partition: int = ANY_PARTITION, on_delivery: Any = None) -> None:
        if self.full:
            self.full -= 1
            raise BufferError("Local: Queue full")
        self.sent.append((topic, key, value, partition, on_delivery))

    def poll(self, timeout: float) -> int:
        self.polls.append(timeout)
        return 0


def test_a_full_queue_is_polled_until_the_message_is_taken_once() -> None:
    prod = FullThenFree(full=3)
    report = object()
    produce(prod, "t", b"v", b"k", 2, report)  # type: ignore[arg-type]
    assert prod.sent == [("t", b"k", b"v", 2, report)]
    assert prod.polls == [0.05, 0.05, 0.05]


def test_produce_all_keeps_order_and_partitions() -> None:
    prod = FullThenFree(full=1)
    n = produce_all(prod, "t", [(b"a", b"1", None), (b"b", b"2", 3)])  # type: ignore[arg-type]
    assert n == 2
    assert [(k, v, p) for _, k, v, p, _ in prod.sent] == [(b"a", b"1", ANY_PARTITION), (b"b", b"2", 3)]

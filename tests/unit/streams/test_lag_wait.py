"""Waiting for a group to catch up rides out a broker that is settling (just restarted, its group
coordinator loading): it asks again; other errors still fail at once."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, KafkaException

from streams.runtime import lag


def answers(monkeypatch: pytest.MonkeyPatch, *replies: int | KafkaError) -> list[int]:
    left = list(replies)
    asked: list[int] = []

    def group_lag(*_: object) -> int:
        asked.append(1)
        reply = left.pop(0) if left else 0
        if isinstance(reply, KafkaError):
            raise KafkaException(reply)
        return reply

    monkeypatch.setattr(lag, "group_lag", group_lag)
    monkeypatch.setattr(lag.time, "sleep", lambda _s: None)
    return asked


def test_a_settling_broker_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = answers(monkeypatch, KafkaError(KafkaError.NOT_COORDINATOR),
                    KafkaError(KafkaError.COORDINATOR_LOAD_IN_PROGRESS), 3, 0)
    lag.wait_caught_up("b", "g", ["t"], idle=0.0, timeout=5)
    assert len(asked) == 4


def test_other_errors_fail_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch, KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED))
    with pytest.raises(KafkaException):
        lag.wait_caught_up("b", "g", ["t"], idle=0.0, timeout=5)

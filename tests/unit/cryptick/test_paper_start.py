"""``cryptick paper`` sends the planned start (``strategies.start``): the deposits delivered first, then the
start with the archived history; nothing when the start is refused or the archive cannot be read."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from cryptick import paper
from schemas.events import SCALE, Allocation, DepositFunds, Event, HistoryLoaded, StartRun
from strategies.candles import Candle

USD = [Allocation("synthetic", "USD", SCALE)]


class Archive:
    def candles(self, venue: str, pair: str, interval_s: int, end_ts: int, limit: int) -> Sequence[Candle]:
        return [Candle(venue, pair, end_ts - 60_000_000, end_ts, 1, 1, 1, 1, 1, 1)]


class Down:
    def candles(self, venue: str, pair: str, interval_s: int, end_ts: int, limit: int) -> Sequence[Candle]:
        raise ConnectionError("archive down")


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, str, Event]]]:
    sent: list[list[tuple[str, str, Event]]] = []
    monkeypatch.setattr(paper, "_send", lambda bootstrap, namespace, messages: sent.append(list(messages)))
    monkeypatch.setattr("floor.kafka.check_partitions", lambda bootstrap, topics: None)
    return sent


def test_the_deposits_go_first_then_the_start_and_its_history(
        batches: list[list[tuple[str, str, Event]]]) -> None:
    spec = paper.start("unused:9092", "ns", "efficient_frontier", {"bases": "BTC,ETH"}, USD, tag="t",
                       history=Archive(), at_us=7)
    assert [[type(e) for _, _, e in batch] for batch in batches] == [
        [DepositFunds], [StartRun, HistoryLoaded, HistoryLoaded]]
    assert {k for batch in batches[1:] for _, k, _ in batch} == {spec.run_id}
    assert batches[1][0][2].ts == 7  # type: ignore[union-attr]


def test_a_refused_start_or_an_unreadable_archive_sends_nothing(
        batches: list[list[tuple[str, str, Event]]]) -> None:
    with pytest.raises(paper.PaperError, match="give at least one --balance VENUE:CURRENCY=AMOUNT"):
        paper.start("unused:9092", "ns", "hodl", {}, [])
    with pytest.raises(ValueError, match="unknown strategy 'nope'"):
        paper.start("unused:9092", "ns", "nope", {}, USD)
    with pytest.raises(ConnectionError):
        paper.start("unused:9092", "ns", "efficient_frontier", {}, USD, history=Down())
    assert batches == []

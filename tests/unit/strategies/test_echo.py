"""Echo logs what it receives."""

from __future__ import annotations

from strategies.echo import EchoParams, EchoStrategy
from strategies.records import ControlMessage, StrategyLogged
from tests.unit.strategies.kit import T0, Harness, S, snapshot, tick, trade


def _logs(out: list[object]) -> list[str]:
    return [o.message for o in out if isinstance(o, StrategyLogged)]


def test_echo_logs_start_books_trades_candles_and_controls() -> None:
    h = Harness(EchoStrategy(EchoParams(book_every=2, trade_every=1)))
    rid = h.run.run_id
    assert _logs(h.feed(snapshot(9000, 9001, ts=T0))) == [f"start {rid} with 10000 USD@synthetic"]
    assert _logs(h.feed(snapshot(9000, 9002, ts=T0 + S))) == ["book BTC-USD bid 9000 ask 9002"]
    assert _logs(h.feed(trade(T0 + 2 * S, 9001.5, 0.25))) == ["trade BTC-USD 0.25 @ 9001.5"]
    assert _logs(h.feed(tick(h.run, T0 + 60 * S))) == [
        f"candle BTC-USD {T0} o 9001.5 h 9001.5 l 9001.5 c 9001.5 v 0.25"]
    assert _logs(h.feed(ControlMessage("c", rid, "x", '{"a":1}', T0 + 61 * S))) == ['control x {"a":1}']

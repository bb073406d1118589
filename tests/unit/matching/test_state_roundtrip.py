"""export_state / from_state mid-stream: the restored engine gives the same later outputs."""

from __future__ import annotations

import json

from schemas.events import SCALE
from streams.matching.engine import MatchingConfig, MatchingEngine

P = SCALE
S = 1_000_000


def _inbox(mk):
    t = mk.T0
    return [
        mk.snapshot(bids=[(99 * P, 4 * P), (98 * P, P)], asks=[(101 * P, P), (102 * P, 4 * P)], seq=1),
        mk.snapshot(bids=[(9 * P, P)], asks=[(11 * P, P)], pair="ETH-USD"),
        mk.accept("q1", "buy", 2 * P, 99 * P, cancel_after_s=30),  # queue 4 ahead
        mk.accept("q2", "buy", P, 99 * P, run_id="run-2"),
        mk.accept("t1", "buy", P, 101 * P, order_type="ioc"),  # consumes 101
        mk.accept("s1", "sell", 3 * P, 103 * P, cancel_after_s=5),
        mk.accept("e1", "sell", P, 12 * P, pair="ETH-USD", cancel_after_s=8),
        mk.trade(99 * P, P, "sell", ts=t + S),  # queue 4 -> 3, pending 1
        mk.delta(("bid", 99 * P, 3 * P), seq=2, ts=t + S),  # the trade: queue stays 3
        mk.delta(("ask", 101 * P, P // 2), seq=3, ts=t + 2 * S),  # works consumed off
        mk.accept("t2", "buy", P, 101 * P, order_type="ioc", run_id="run-2", ts=t + 2 * S),
        mk.trade(99 * P, 2 * P, "sell", ts=t + 3 * S),  # queue 3 -> 1, no fill
        mk.trade(99 * P, 2 * P, "sell", ts=t + 3 * S),  # fills 1 of q1
        mk.tick(t + 6 * S),
        mk.delta(("ask", 103 * P, P), seq=5, ts=t + 6 * S),  # gap: stale
        mk.accept("l1", "buy", P, 100 * P, ts=t + 6 * S),
        mk.cancel("q2", ts=t + 7 * S),
        mk.tick(t + 9 * S, key="*"),
        mk.snapshot(bids=[(99 * P, 2 * P)], asks=[(100 * P, 3 * P)], seq=9, ts=t + 10 * S),
        mk.trade(99 * P, 3 * P, "sell", ts=t + 11 * S),
        mk.cancel("q2", ts=t + 12 * S),
        mk.tick(t + 40 * S),
    ]


def _engine():
    return MatchingEngine(MatchingConfig(queue_position={"bitfinex": False}))


def test_a_restored_engine_continues_identically_from_any_point(mk):
    inbox = _inbox(mk)
    whole = _engine()
    outputs = [whole.handle(ev) for ev in inbox]
    assert sum(map(len, outputs)) > 15  # the stream exercises the engine

    for cut in range(len(inbox) + 1):
        before = _engine()
        for ev in inbox[:cut]:
            before.handle(ev)
        state = json.loads(json.dumps(before.export_state()))
        after = MatchingEngine.from_state(before.config, state)

        assert [after.handle(ev) for ev in inbox[cut:]] == outputs[cut:], f"cut at {cut}"
        assert after.export_state() == whole.export_state()


def test_the_state_is_deterministic_and_json(mk):
    engine = _engine()
    mk.given(engine, *_inbox(mk)[:12])

    state = engine.export_state()

    assert json.loads(json.dumps(state)) == state
    restored = MatchingEngine.from_state(engine.config, state)
    assert restored.export_state() == state
    assert json.dumps(state, sort_keys=True) == json.dumps(engine.export_state(), sort_keys=True)

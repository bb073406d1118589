"""In a run: an invalid control message is a warning with its reason and changes nothing."""

from __future__ import annotations

from strategies.efficient_frontier.params import EfficientFrontierParams
from strategies.efficient_frontier.strategy import EfficientFrontierStrategy
from strategies.records import ControlMessage, StrategyLogged
from tests.unit.strategies.kit import T0, Harness, S, snapshot


def _started() -> tuple[Harness, EfficientFrontierStrategy]:
    strategy = EfficientFrontierStrategy(EfficientFrontierParams(bases=("BTC", "ETH")))
    h = Harness(strategy, pairs=("BTC-USD", "ETH-USD"))
    h.feed(snapshot(9000, 9001, ts=T0))
    return h, strategy


def test_invalid_controls_log_the_reason_and_change_nothing() -> None:
    h, strategy = _started()
    before = strategy.state
    cases = [
        ("custom_weights", '{"weights": {"BTC": 0.5, "ETH": 0.4}}',
         "ignored control on custom_weights: weights sum to 0.9, not 1"),
        ("frontier", '{"point": 99}',
         "ignored control on frontier: unknown frontier point 99: choose 0 to 19"),
        ("controls", '{"action": "confirm"}',
         "ignored confirm: nothing to confirm: no target change is waiting"),
        ("controls", "not json", "ignored control on controls: payload must be a JSON object, got NoneType"),
    ]
    for i, (component, payload, message) in enumerate(cases):
        out = h.feed(ControlMessage(f"c{i}", h.run.run_id, component, payload, T0 + (i + 1) * S))
        assert [(o.level, o.message) for o in out if isinstance(o, StrategyLogged)] == [("warning", message)]
        assert len(out) == 1
    assert strategy.state == before


def test_a_selection_before_the_first_frontier_waits_for_it() -> None:
    h, strategy = _started()
    out = h.feed(ControlMessage("c1", h.run.run_id, "frontier", '{"target": "min_variance"}', T0 + S))
    assert [o.message for o in out if isinstance(o, StrategyLogged)] == [
        "target min_variance applies once the frontier is computed"]
    assert strategy.state.proposed is None and strategy.state.active is None

"""Control messages: parsing with reasons, and the propose / confirm / pause state machine."""

from __future__ import annotations

from strategies.efficient_frontier import controls
from strategies.efficient_frontier.controls import (
    Confirm,
    ControlState,
    Custom,
    Invalid,
    Named,
    Pause,
    Point,
    Resume,
    Risk,
    Select,
    parse_control,
    propose,
)

NAMES = ("BTC", "ETH", "LTC")
A = (("BTC", 0.5), ("ETH", 0.5), ("LTC", 0.0))
B = (("BTC", 0.2), ("ETH", 0.3), ("LTC", 0.5))


def parse(component: str, payload: object) -> object:
    return parse_control(component, payload, NAMES, points=20, max_weight=0.6)


def test_valid_messages() -> None:
    assert parse("frontier", {"point": 3}) == Select(Point(3))
    assert parse("frontier", {"target": "min_variance"}) == Select(Named("min_variance"))
    assert parse("custom_weights", {"weights": {"BTC": 0.5, "ETH": 0.5}}) == Select(Custom(A))
    assert parse("risk", {"volatility": 0.8}) == Select(Risk(0.8))
    assert [parse("controls", {"action": a}) for a in ("confirm", "pause", "resume")] == [
        Confirm(), Pause(), Resume()]


def test_invalid_messages_say_why() -> None:
    cases = {
        ("frontier", '{"point": 20}'): "unknown frontier point 20: choose 0 to 19",
        ("frontier", '{"point": true}'): "unknown frontier point True: choose 0 to 19",
        ("custom_weights", '{"weights": {"BTC": 0.5, "ETH": 0.4}}'): "weights sum to 0.9, not 1",
        ("custom_weights", '{"weights": {"DOGE": 1}}'): "unknown assets DOGE; the universe is BTC, ETH, LTC",
        ("custom_weights", '{"weights": {"BTC": 0.7, "ETH": 0.3}}'): "the weight of BTC is 0.7, above "
                                                                     "max_weight 0.6",
        ("custom_weights", '{"weights": {"BTC": 1.5, "ETH": -0.5}}'): "the weight of BTC is 1.5, above "
                                                                      "max_weight 0.6",
        ("risk", '{"volatility": -1}'): "volatility must be a positive number, got -1",
        ("controls", '{"action": "sell_everything"}'): "unknown action 'sell_everything': choose confirm, "
                                                      "pause or resume",
        ("orders", "{}"): "component 'orders' takes no control messages",
    }
    import json

    for (component, payload), reason in cases.items():
        assert parse(component, json.loads(payload)) == Invalid(reason), (component, payload)
    assert parse("frontier", [1]) == Invalid("payload must be a JSON object, got list")


def test_a_new_target_waits_for_confirmation() -> None:
    state = propose(ControlState(Named("max_sharpe")), Point(2), A, auto_confirm=False, tolerance=0.01)
    assert (state.proposed, state.active, state.selection) == (A, None, Point(2))
    confirmed = controls.apply(state, Confirm())
    assert isinstance(confirmed, ControlState)
    assert (confirmed.proposed, confirmed.active) == (None, A)
    assert controls.apply(confirmed, Confirm()) == Invalid("nothing to confirm: no target change is waiting")


def test_auto_confirm_and_unchanged_targets() -> None:
    state = propose(ControlState(Named("max_sharpe")), Named("max_sharpe"), A, auto_confirm=True,
                    tolerance=0.01)
    assert (state.proposed, state.active) == (None, A)
    nudged = (("BTC", 0.505), ("ETH", 0.495), ("LTC", 0.0))
    same = propose(state, Named("max_sharpe"), nudged, auto_confirm=False, tolerance=0.01)
    assert (same.proposed, same.active) == (None, A)  # within tolerance: no change to confirm
    moved = propose(state, Named("max_sharpe"), B, auto_confirm=False, tolerance=0.01)
    assert (moved.proposed, moved.active) == (B, A)  # keeps trading to A until B is confirmed


def test_pause_and_resume() -> None:
    state = ControlState(Named("max_sharpe"))
    paused = controls.apply(state, Pause())
    assert isinstance(paused, ControlState) and paused.paused
    assert controls.apply(paused, Pause()) == Invalid("already paused")
    resumed = controls.apply(paused, Resume())
    assert isinstance(resumed, ControlState) and not resumed.paused
    assert controls.apply(resumed, Resume()) == Invalid("not paused")

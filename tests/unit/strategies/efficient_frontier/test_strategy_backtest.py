"""A backtest on the synthetic market: the weights converge to the target, nothing trades before a
confirmation when auto_confirm is off, and the report compares the run with HODL."""

from __future__ import annotations

import json

import pytest

from replay.engine import Backtest, BacktestConfig, BacktestResult, RunSetup
from replay.report import build_report, to_text
from replay.sources import MemoryJournal, SyntheticSource
from schemas.codec import default_codec
from schemas.events import SCALE, Allocation, OrderRequested, UiComponentUpdated
from schemas.topics import STRATEGY_EVENTS
from strategies.efficient_frontier.analysis import evaluate
from strategies.efficient_frontier.params import EfficientFrontierParams
from strategies.efficient_frontier.strategy import EfficientFrontierStrategy
from strategies.efficient_frontier.targets import deviation
from strategies.hodl import HodlParams, HodlStrategy
from strategies.records import ControlMessage, StrategyLogged
from strategies.run import new_run

T0 = 1_514_764_800_000_000
MIN = 60_000_000
END = T0 + 80 * MIN
CONFIRM_AT = T0 + 30 * MIN
BASES = ("BTC", "ETH", "LTC", "BCH")
VENUE = "synthetic"


def _params(auto: bool) -> EfficientFrontierParams:
    return EfficientFrontierParams(bases=BASES, candle_interval_s=60, lookback=30, min_candles=10,
                                   max_weight=0.5, recompute_interval_s=4 * 3600, path_interval_s=60,
                                   auto_confirm=auto, cloud_size=200)


Outcome = tuple[BacktestResult, dict[str, EfficientFrontierStrategy], MemoryJournal]


@pytest.fixture(scope="module")
def backtest() -> Outcome:
    auto, manual = EfficientFrontierStrategy(_params(True)), EfficientFrontierStrategy(_params(False))
    usd = [Allocation(VENUE, "USD", 10_000 * SCALE)]
    btc = [Allocation(VENUE, "BTC", SCALE)]
    miner = new_run("efficient_frontier", {"auto_confirm": "true"}, btc, T0, END)
    human = new_run("efficient_frontier", {}, usd, T0, END)
    hodl = new_run("hodl", {}, usd, T0, END)
    confirm = ControlMessage("confirm-1", human.run_id, "controls", json.dumps({"action": "confirm"}),
                             CONFIRM_AT)
    journal = MemoryJournal({STRATEGY_EVENTS})
    result = Backtest(BacktestConfig(T0, END), SyntheticSource(VENUE, BASES, T0, END, step_us=5_000_000),
                      [RunSetup(miner, auto), RunSetup(human, manual, [confirm]),
                       RunSetup(hodl, HodlStrategy(HodlParams(bases=BASES)))], journal).run()
    return result, {miner.run_id: auto, human.run_id: manual}, journal


def _outputs(journal: MemoryJournal, run_id: str) -> list[object]:
    decode = default_codec().decode
    return [decode(m.value) for m in journal.topic(STRATEGY_EVENTS) if m.key == run_id.encode()]


def test_weights_path_converges_to_the_target(backtest: Outcome) -> None:
    result, strategies, journal = backtest
    for run_id, strategy in strategies.items():
        assert strategy.state.active is not None and strategy.converged, run_id
        target = {**dict(strategy.state.active), "USD": 0.0}
        gaps = [deviation(w, target) for _ts, w in strategy.path]
        assert gaps[0] > 0.3  # starts far: all BTC, or all cash
        assert gaps[-1] <= strategy.params.tolerance
        logs = [o.message for o in _outputs(journal, run_id) if isinstance(o, StrategyLogged)]
        assert any(m.startswith("every weight within 1.00% of the target") for m in logs)
    (miner,) = [r for r in result.runs if r.spec.allocations[0].currency == "BTC"]
    assert miner.rejected == 0 and miner.fills > 0


def test_the_risk_slider_is_told_the_level_the_run_is_at(backtest: Outcome) -> None:
    _result, strategies, journal = backtest
    for run_id, strategy in strategies.items():
        risks = [json.loads(o.data_json) for o in _outputs(journal, run_id)
                 if isinstance(o, UiComponentUpdated) and o.component_id == "risk"]
        assert risks and all(r["min"] <= r["volatility"] <= r["max"] for r in risks), run_id
        assert strategy.analysis is not None and strategy.state.active is not None
        target = evaluate(strategy.analysis, dict(strategy.state.active))
        assert target is not None and risks[-1]["volatility"] == round(target.volatility, 6)


def test_no_order_before_confirmation(backtest: Outcome) -> None:
    _result, strategies, journal = backtest
    human = next(r for r, s in strategies.items() if not s.params.auto_confirm)
    outs = _outputs(journal, human)
    orders = [o for o in outs if isinstance(o, OrderRequested)]
    logs = [(o.ts, o.message) for o in outs if isinstance(o, StrategyLogged)]
    proposed = [ts for ts, m in logs if m.startswith("new target proposed")]
    assert proposed and proposed[0] < CONFIRM_AT
    assert orders and min(o.ts for o in orders) == CONFIRM_AT
    assert (CONFIRM_AT, "target confirmed: trading towards it") in logs


def test_the_report_compares_with_hodl(backtest: Outcome) -> None:
    result, _strategies, _journal = backtest
    reports = {r.spec.strategy + ":" + r.spec.allocations[0].currency: build_report(r, T0, END, MIN)
               for r in result.runs}
    miner = reports["efficient_frontier:BTC"]
    assert miner.hodl.start_value == pytest.approx(miner.result.start_value)  # HODL of the 1 BTC
    assert miner.hodl.end_value != miner.result.end_value
    assert "HODL initial" in to_text(miner)
    human, hodl = reports["efficient_frontier:USD"], reports["hodl:USD"]
    assert human.result.start_value == hodl.result.start_value == 10_000.0
    assert human.orders > 0 and hodl.orders > 0

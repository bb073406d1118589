"""Runs start funded before their start; what cannot run says what to change."""

from __future__ import annotations

import pytest

from replay.engine import Backtest, BacktestConfig, BacktestError, RunSetup
from replay.sources import ListSource, NoData
from schemas.events import SCALE, Allocation
from strategies.run import new_run
from tests.unit.replay.kit import T0, S, Script, listing, run_spec, snapshot


def test_the_run_starts_with_its_wallet_funded_and_its_market_listed() -> None:
    seen: list[tuple[int, int, bool]] = []

    def look(ctx: object) -> None:
        from strategies.context import Context

        assert isinstance(ctx, Context)
        seen.append((ctx.wallet().available("USD"), ctx.wallet().available("BTC"),
                     ctx.market("synthetic", "BTC-USD") is not None))

    s = Script({T0: look})
    source = ListSource((listing(),), (snapshot(T0, [(9000, 1)], [(9001, 1)]),))
    Backtest(BacktestConfig(T0, T0 + S), source, [RunSetup(run_spec(btc=0.25), s)]).run()
    assert seen == [(100_000 * SCALE, SCALE // 4, True)]
    assert s.calls[0] == ("start", T0, None)


def test_no_data_for_a_needed_pair() -> None:
    source = ListSource((listing(),), (snapshot(T0, [(9000, 1)], [(9001, 1)]),))
    with pytest.raises(NoData, match="no data for synthetic:ETH-USD from 2018-01-01 00:00:00 to "
                                     "2018-01-01 00:00:01; the source has: synthetic:BTC-USD"):
        Backtest(BacktestConfig(T0, T0 + S), source, [RunSetup(run_spec(), Script(pairs=["ETH-USD"]))]).run()


def test_a_currency_no_listed_pair_can_value() -> None:
    source = ListSource((listing(),), (snapshot(T0, [(9000, 1)], [(9001, 1)]),))
    spec = new_run("script", {}, [Allocation("synthetic", "EUR", SCALE)], T0, T0 + S)
    with pytest.raises(BacktestError, match="cannot value EUR in USD"):
        Backtest(BacktestConfig(T0, T0 + S), source, [RunSetup(spec, Script())]).run()


def test_a_wallet_set_the_ledger_refuses_stops_the_backtest() -> None:
    source = ListSource((listing(),), (snapshot(T0, [(9000, 1)], [(9001, 1)]),))
    spec = new_run("script", {}, [Allocation("synthetic", "USD", 0)], T0, T0 + S)
    with pytest.raises(BacktestError, match="setting up the runs failed: non_positive_amount"):
        Backtest(BacktestConfig(T0, T0 + S), source, [RunSetup(spec, Script())]).run()


def test_empty_range_and_duplicate_runs() -> None:
    with pytest.raises(BacktestError, match="empty time range"):
        BacktestConfig(T0, T0)
    source = ListSource((listing(),), ())
    with pytest.raises(BacktestError, match="share a run id"):
        Backtest(BacktestConfig(T0, T0 + S), source, [RunSetup(run_spec(), Script()),
                                                      RunSetup(run_spec(), Script())])

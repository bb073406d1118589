"""After a backtest the run's own wallet view equals the ledger's projection; figures are exact."""

from __future__ import annotations

from replay.engine import Backtest, BacktestConfig, RunSetup
from replay.sources import SyntheticSource
from schemas.events import SCALE, Allocation
from strategies import registry
from strategies.run import new_run
from tests.unit.replay.kit import MS, T0, P, S, Script, backtest, market_buy, snapshot


def test_the_runs_wallet_view_agrees_with_the_ledger() -> None:
    end = T0 + 600 * S
    allocations = [Allocation("synthetic", "USD", 20_000 * SCALE), Allocation("synthetic", "BTC", SCALE)]
    spec = new_run("demo", {}, allocations, T0, end)
    demo = registry.get("demo").create({"interval_s": "3", "offset_bps": "0"})
    source = SyntheticSource("synthetic", ("BTC",), T0, end)
    bt = Backtest(BacktestConfig(T0, end), source, [RunSetup(spec, demo)])
    result = bt.run()
    run = result.runs[0]
    assert run.fills > 0 and run.final is not None
    runtime = bt.runtime(spec.run_id)
    assert runtime is not None
    seen = runtime.wallet.view().balances  # as the run saw it when it ended, with its last quote's hold
    assert {k: b.balance for k, b in seen.items()} == {k: b.balance for k, b in run.final.balances.items()}
    assert any(b.hold for b in seen.values())


def test_the_end_of_a_backtest_ends_its_runs_as_a_paper_run_ends() -> None:
    from replay.sources import MemoryJournal
    from schemas.codec import default_codec
    from schemas.events import CancelRequested, OrderDone, RunStateChanged
    from schemas.topics import STRATEGY_EVENTS, VENUE_EVENTS

    decode = default_codec().decode

    end = T0 + 600 * S
    spec = new_run("demo", {}, [Allocation("synthetic", "USD", 20_000 * SCALE)], T0, end)
    demo = registry.get("demo").create({"interval_s": "3", "offset_bps": "0"})
    journal = MemoryJournal()
    source = SyntheticSource("synthetic", ("BTC",), T0, end)
    bt = Backtest(BacktestConfig(T0, end), source, [RunSetup(spec, demo)], journal=journal)
    run = bt.run().runs[0]
    outs = [decode(m.value) for m in journal.topic(STRATEGY_EVENTS)]
    assert [(e.state, e.detail) for e in outs if isinstance(e, RunStateChanged)][-1] == (
        "stopped", "end of the run reached")
    last_cancels = {e.order_id for e in outs if isinstance(e, CancelRequested) and e.ts == end}
    assert last_cancels  # the quote open at the end was cancelled ...
    venue = [decode(m.value) for m in journal.topic(VENUE_EVENTS)]
    done = {e.order_id: e.reason for e in venue if isinstance(e, OrderDone)}
    assert all(done.get(o) == "cancelled" for o in last_cancels)  # ... the venue confirmed it ...
    assert run.final is not None
    assert not any(b.hold for b in run.final.balances.values())  # ... and no hold stays


def test_fees_turnover_counts_and_equity_of_one_market_buy() -> None:
    s = Script({T0: market_buy(0.5, 9010)})
    events = [snapshot(T0, [(9000, 1)], [(9002, 1)]), snapshot(T0 + 100 * MS, [(9000, 1)], [(9002, 1)])]
    result = backtest(events, s, end=T0 + 20 * S)
    run = result.runs[0]
    # bought 0.5 at 9002 = 4501 USD, taker fee 20 bps = 9.002 USD
    assert (run.orders, run.fills, run.rejected, run.cancels) == (1, 1, 0, 0)
    assert run.traded_usd == 4501.0 and run.fees_usd == 9.002
    assert run.final is not None
    usd, btc = run.final.balances[("synthetic", "USD")], run.final.balances[("synthetic", "BTC")]
    assert (usd.balance, btc.balance) == (100_000 * P - 4501 * P - 900_200_000, P // 2)
    # equity at the mid 9001: 95489.998 + 4500.5
    assert run.equity == ((T0, 100_000.0), (T0 + 10 * S, 99_990.498), (T0 + 20 * S, 99_990.498))
    assert run.benchmark == ((T0, 100_000.0), (T0 + 10 * S, 100_000.0), (T0 + 20 * S, 100_000.0))


def test_a_strategy_that_raises_fails_the_backtest_with_its_reason() -> None:
    import pytest

    from replay.engine import BacktestError

    def boom(ctx: object) -> None:
        raise RuntimeError("boom")

    s = Script({T0: boom})
    with pytest.raises(BacktestError, match=r"failed: .*boom"):
        backtest([snapshot(T0, [(9000, 1)], [(9002, 1)])], s, end=T0 + 20 * S)

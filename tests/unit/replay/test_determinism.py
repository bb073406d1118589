"""The same backtest twice gives byte-identical inboxes, outputs and figures."""

from __future__ import annotations

import pytest

from replay.engine import Backtest, BacktestConfig, BacktestResult, RunSetup
from replay.sources import MemoryJournal, SyntheticSource
from schemas.events import SCALE, Allocation
from strategies import registry
from strategies.run import new_run
from tests.unit.replay.kit import T0, S

END = T0 + 900 * S


def once(name: str, params: dict[str, str]) -> tuple[MemoryJournal, BacktestResult]:
    allocations = [Allocation("synthetic", "USD", 50_000 * SCALE), Allocation("synthetic", "BTC", SCALE)]
    spec = new_run(name, params, allocations, T0, END)
    source = SyntheticSource("synthetic", ("BTC", "ETH"), T0, END, seed=11)
    journal = MemoryJournal()
    result = Backtest(BacktestConfig(T0, END), source,
                      [RunSetup(spec, registry.get(name).create(params))], journal=journal).run()
    return journal, result


@pytest.mark.parametrize(("name", "params"), [("hodl", {"bases": "BTC,ETH"}),
                                              ("demo", {"interval_s": "5", "offset_bps": "1"})])
def test_twice_is_byte_identical(name: str, params: dict[str, str]) -> None:
    j1, r1 = once(name, params)
    j2, r2 = once(name, params)
    assert j1.messages == j2.messages
    assert r1 == r2
    run = r1.runs[0]
    assert run.fills > 0 and len(run.equity) == 16  # it traded; samples every minute plus the end
    assert sum(len(v) for v in j1.messages.values()) > 3_000

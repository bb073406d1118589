"""The runs' read model: what a client reads back of a run, folded from its inbox and outputs."""

from __future__ import annotations

from api.services.run_views import HISTORY, LOGS, RunsFold
from schemas.events import (
    Allocation,
    ControlMessage,
    OrderRequested,
    RunStateChanged,
    StartRun,
    StopRun,
    StrategyLogged,
    UiComponentDeclared,
    UiComponentUpdated,
)

T = 1_514_764_800_000_000


def start(run_id: str, ts: int = T, strategy: str = "demo") -> StartRun:
    return StartRun(f"{run_id}:start", run_id, strategy, '{"interval_s": "5"}', "main", f"{run_id}:ws",
                    "paper", ts, None, [Allocation("synthetic", "USD", 1000 * 10**8)], ts, 3600 * 10**6)


def test_a_run_mid_way_shows_its_state_components_with_latest_data_and_counts() -> None:
    fold = RunsFold()
    fold.inbox(start("r1"))
    fold.output(RunStateChanged("r1:s1", "r1", "demo", "starting", "funding", T + 1))
    fold.output(RunStateChanged("r1:s2", "r1", "demo", "running", "subscribed to synthetic:BTC-USD", T + 2))
    fold.output(UiComponentDeclared("r1:ui1", "r1", "quotes", "table", '{"columns": ["side", "price"]}',
                                    T + 3))
    fold.output(UiComponentDeclared("r1:ui2", "r1", "settings", "slider", '{"min": 0, "max": 100}', T + 3))
    for i in range(3):
        fold.output(UiComponentUpdated(f"r1:u{i}", "r1", "quotes", f'{{"rows": [[{i}]]}}', T + 10 + i))
    fold.output(OrderRequested("r1:o1", "o1", "main", "r1", "r1:ws", "synthetic", "BTC-USD", "buy", "limit",
                               1, 1, False, None, T + 20))
    fold.inbox(ControlMessage("r1:c1", "r1", "settings", '{"value": 5}', T + 30))

    run = fold.runs["r1"]
    assert (run.strategy, run.mode, run.account, run.state, run.detail) == (
        "demo", "paper", "main", "running", "subscribed to synthetic:BTC-USD")
    assert run.params == {"interval_s": "5"} and run.allocations == [("synthetic", "USD", 1000 * 10**8)]
    assert list(run.components) == ["quotes", "settings"]
    quotes = run.components["quotes"]
    assert quotes.kind == "table" and quotes.spec == {"columns": ["side", "price"]}
    assert quotes.data == {"rows": [[2]]} and quotes.updates == 3 and quotes.updated_ts == T + 12
    assert run.components["settings"].data is None
    assert run.inbox == {"StartRun": 1, "ControlMessage": 1}
    assert run.outputs == {"RunStateChanged": 2, "UiComponentDeclared": 2, "UiComponentUpdated": 3,
                           "OrderRequested": 1}


def test_a_redeclared_component_keeps_its_data_and_logs_are_bounded() -> None:
    fold = RunsFold()
    fold.output(UiComponentUpdated("r2:u", "r2", "chart", "[1, 2]", T))  # before any start or declaration
    fold.output(UiComponentDeclared("r2:d", "r2", "chart", "line_chart", "not json", T + 1))
    for i in range(LOGS + 5):
        fold.output(StrategyLogged(f"r2:l{i}", "r2", "info", f"line {i}", T + i))
    fold.inbox(StopRun("r2:stop", "r2", "asked", T + 99))
    fold.inbox(StopRun("r2:stop2", "r2", "again", T + 100))
    run = fold.runs["r2"]
    chart = run.components["chart"]
    assert (chart.kind, chart.spec, chart.data, chart.updates) == ("line_chart", "not json", [1, 2], 1)
    assert len(run.logs) == LOGS and run.logs[0][2] == "line 5" and run.logs[-1][2] == f"line {LOGS + 4}"
    assert run.state == "requested" and run.stop_requested == "asked"


def test_a_repeated_start_changes_nothing() -> None:
    fold = RunsFold()
    fold.inbox(start("r3", T))
    fold.inbox(start("r3", T + 50, strategy="hodl"))
    assert fold.runs["r3"].strategy == "demo" and fold.runs["r3"].start_ts == T
    assert fold.runs["r3"].inbox == {"StartRun": 2}


def test_appending_components_keep_their_last_updates_so_a_chart_opened_mid_run_has_its_path() -> None:
    fold = RunsFold()
    fold.output(UiComponentDeclared("r3:d1", "r3", "path", "line_chart", '{"x": "ts", "append": true}', T))
    fold.output(UiComponentDeclared("r3:d2", "r3", "fills", "table", '{"columns": ["price"]}', T))
    fold.output(UiComponentDeclared("r3:d3", "r3", "book", "table", '{"columns": ["price"]}', T))
    fold.output(UiComponentDeclared("r3:d4", "r3", "latest", "line_chart", '{"x": "ts"}', T))
    for i in range(HISTORY + 3):
        fold.output(UiComponentUpdated(f"r3:p{i}", "r3", "path", f'{{"ts": {i}, "v": {i * 2}}}', T + i))
        fold.output(UiComponentUpdated(f"r3:l{i}", "r3", "latest", f'{{"ts": {i}}}', T + i))
    for i in range(3):
        fold.output(UiComponentUpdated(f"r3:f{i}", "r3", "fills", f'{{"price": {i}}}', T + i))
        fold.output(UiComponentUpdated(f"r3:b{i}", "r3", "book", f'{{"rows": [[{i}]]}}', T + i))
    c = fold.runs["r3"].components
    path = list(c["path"].history or ())
    assert len(path) == HISTORY and path[0] == {"ts": 3, "v": 6} and path[-1] == c["path"].data
    assert list(c["fills"].history or ()) == [{"price": 0}, {"price": 1}, {"price": 2}]
    assert c["book"].history is None and c["latest"].history is None  # they replace what they show
    fold.output(UiComponentDeclared("r3:d5", "r3", "path", "line_chart", '{"x": "ts", "append": true}', T))
    assert len(c["path"].history or ()) == HISTORY  # a redeclaration keeps the path
    fold.output(UiComponentDeclared("r3:d6", "r3", "path", "scatter", "{}", T))
    assert fold.runs["r3"].components["path"].history is None  # another kind starts afresh

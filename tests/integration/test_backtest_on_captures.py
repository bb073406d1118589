"""Backtests on an imported exchange capture: they trade, say which dataset they read, and keep parity.

The real Coinbase L2 capture (snapshots, deltas, trades; its product list in a
second file) is imported with ``cryptick market import``; a HODL and a Demo
backtest over it are stored, then ``cryptick parity RUN`` replays each through
Kafka and the real worker. On the real broker and the real ClickHouse engine.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryptick.commands.backtest import Options, run_backtest
from cryptick.commands.market import app as market_app
from cryptick.commands.runs import check_parity
from replay.runs import get_run
from streams.archive.clickhouse import get_client

pytestmark = pytest.mark.integration

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exchange-captures"
START, END = "2021-04-17T16:43", "2021-04-17T16:45"  # the capture: 16:43:36 to 16:44:08
HODL = Options("hodl", ("coinbase:USD=1000",), START, END, ("bases=SKL",), source="archive", sample_s=5)
DEMO = Options("demo", ("coinbase:USD=1000", "coinbase:SKL=100"), START, END,
               ("pair=SKL-USD", "interval_s=2", "offset_bps=0", "size_fx=10"), source="archive", sample_s=5)


def imported_topics() -> list[str]:
    files = [str(CAPTURES / "COINBASE.0"), str(CAPTURES / "COINBASE.ws.28.0")]
    result = CliRunner().invoke(market_app, ["import", *files])
    assert result.exit_code == 0, result.output
    return [line.rsplit("as topic ", 1)[1] for line in result.output.splitlines()]


@pytest.mark.parametrize("opts", [HODL, DEMO], ids=["hodl", "demo"])
def test_a_backtest_on_the_coinbase_capture_trades_and_kafka_gives_the_same_outputs(
    opts: Options, kafka_bootstrap: str, clickhouse_dsn: str, namespace: str, tmp_path: Path
) -> None:
    products, book = imported_topics()
    client = get_client(clickhouse_dsn)
    said: list[str] = []

    report, _ = run_backtest(replace(opts, datasets=(book,)), show_progress=False, store=lambda: client,
                             say=said.append)

    assert said == [f"data: {book} (import file): coinbase:SKL-USD"]
    assert report.fills > 0
    run = get_run(client, report.run_id)
    assert run is not None and run.source["datasets"] == {book: ["coinbase:SKL-USD"]}
    lines: list[str] = []
    check = check_parity(client, kafka_bootstrap, report.run_id, namespace, lines.append, tmp_path)
    assert check.identical, (lines, (tmp_path / f"worker-{namespace}.log").read_text())
    assert check.stored_count == check.replayed_count == run.outputs_count > 0
    assert products != book

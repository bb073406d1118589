"""Backtests on candles only (issue #13): imported 5-minute OHLCV files of six pairs trade through the
bar-fill books, honestly, and the report says the fills came from candles and how the markets moved.

Six seeded random-walk CSV files (BTC, BCH, LTC, ETH, ZEC, XMR against USD) are imported with
``cryptick market import``; HODL and the efficient frontier are backtested over them from the CLI's
``run_backtest``, on the real ClickHouse engine.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryptick.commands.backtest import Options, run_backtest
from cryptick.commands.market import app as market_app
from cryptick.commands.runs import check_parity, show_lines
from replay.runs import get_run
from streams.archive.clickhouse import get_client

pytestmark = pytest.mark.integration

BASES = ("BTC", "BCH", "LTC", "ETH", "ZEC", "XMR")
START_S = 1_514_764_800  # 2018-01-01
CANDLES = 2 * 288  # two days of 5-minute candles
START, END = "2018-01-01T00:00", "2018-01-03T00:00"


def _walk(seed: int, first: float, drift: float) -> list[tuple[int, float, float, float, float, float]]:
    rng = random.Random(seed)
    rows, close = [], first
    for i in range(CANDLES):
        open_ = close
        close = max(open_ * (1 + drift + rng.gauss(0, 0.004)), 0.01)
        high = max(open_, close) * (1 + abs(rng.gauss(0, 0.002)))
        low = min(open_, close) * (1 - abs(rng.gauss(0, 0.002)))
        rows.append((START_S + 300 * i, round(open_, 4), round(high, 4), round(low, 4), round(close, 4),
                     round(rng.uniform(200, 2000), 4)))
    return rows


@pytest.fixture()
def candles(tmp_path: Path, namespace: str, clickhouse_dsn: str) -> tuple[str, dict[str, list[tuple]]]:
    venue = f"bar{namespace}"
    walks = {}
    for n, base in enumerate(BASES):
        walks[base] = rows = _walk(n, 100.0 * (n + 1), -0.0005)  # the market falls about 25 % in two days
        path = tmp_path / f"{base}.csv"
        path.write_text("timestamp,open,high,low,close,volume\n"
                        + "".join(",".join(str(x) for x in r) + "\n" for r in rows))
        done = CliRunner().invoke(market_app, ["import", str(path), "--venue", venue,
                                               "--pair", f"{base}-USD"])
        assert done.exit_code == 0, done.output
        assert f"{CANDLES} BookSnapshot" in done.output and f"{4 * CANDLES} PublicTrade" in done.output
    return venue, walks


def _market_return(walks: dict[str, list[tuple]]) -> float:
    # the first book is the first candle's (at its close); the last candle closes at the end, too late: the
    # last book is the one before. Their mids are the candles' closes.
    return sum(rows[-2][4] / rows[0][4] for rows in walks.values()) / len(walks) - 1


def test_hodl_on_candles_trades_at_the_bar_fill_books_and_says_so(
        candles: tuple[str, dict[str, list[tuple]]]) -> None:
    venue, walks = candles
    opts = Options("hodl", (f"{venue}:USD=6000",), START, END, (f"bases={','.join(BASES)}",),
                   source="archive", sample_s=300)
    said: list[str] = []

    report, _ = run_backtest(opts, show_progress=False, say=said.append)

    assert len(said) == len(BASES)
    assert report.fills >= len(BASES) and report.rejected == 0
    market = _market_return(walks)
    assert market < -0.15  # the walks fall, and the report shows it though HODL is all the run does
    assert report.market_return == pytest.approx(market, abs=1e-6)
    # bought at the first candle's book (10 bps spread, fees) and held: the market's return, give or take
    assert abs(report.result.total_return - market) < 0.01
    assert report.hodl.total_return == 0.0  # the initial allocation was USD
    assert any("bar-fill books made from candles" in n and f"{venue}:BTC-USD" in n for n in report.notes)
    assert not any("gap in the data" in n for n in report.notes)


def test_a_run_that_cannot_fill_says_it_traded_nothing_while_the_market_moved(
        candles: tuple[str, dict[str, list[tuple]]]) -> None:
    venue, walks = candles
    opts = Options("hodl", (f"{venue}:USD=0.00000001",), START, END, (f"bases={','.join(BASES)}",),
                   source="archive", sample_s=300)

    report, _ = run_backtest(opts, show_progress=False)

    assert report.fills == 0
    moved = f"{_market_return(walks) * 100:.2f} %"
    assert any("traded nothing" in n and moved in n for n in report.notes), report.notes


def test_gaps_in_the_candles_are_reported(candles: tuple[str, dict[str, list[tuple]]]) -> None:
    venue, _ = candles
    opts = Options("hodl", (f"{venue}:USD=6000",), START, "2018-01-04T00:00", ("bases=BTC,ETH",),
                   source="archive", sample_s=300)

    report, _ = run_backtest(opts, show_progress=False)

    gaps = [n for n in report.notes if "gap in the data" in n]
    assert len(gaps) == 2 and all("2018-01-03 00:00" in n for n in gaps), report.notes


def test_the_efficient_frontier_backtests_on_six_pairs_of_candles(
        candles: tuple[str, dict[str, list[tuple]]]) -> None:
    venue, _ = candles
    params = ("auto_confirm=true", "lookback=144", "min_candles=24", "recompute_interval_s=21600",
              "cloud_size=100", "points=10")
    opts = Options("efficient_frontier", (f"{venue}:USD=60000",), "2018-01-01T12:00", END, params,
                   source="archive", sample_s=300)

    report, _ = run_backtest(opts, show_progress=False)

    assert report.fills > 0 and report.orders >= report.fills // 10
    assert report.market_return is not None
    assert any("bar-fill books" in n for n in report.notes)
    hodl, _ = run_backtest(replace(opts, strategy="hodl", params=(f"bases={','.join(BASES)}",)),
                           show_progress=False)
    assert hodl.market_return == pytest.approx(report.market_return, abs=1e-9)  # the same markets, prices


def test_a_candle_backtest_replays_through_kafka_with_the_same_outputs(
        candles: tuple[str, dict[str, list[tuple]]], kafka_bootstrap: str, clickhouse_dsn: str,
        namespace: str, tmp_path: Path) -> None:
    venue, _ = candles
    client = get_client(clickhouse_dsn)
    opts = Options("hodl", (f"{venue}:USD=6000",), START, "2018-01-01T06:00", ("bases=BTC,ETH",),
                   source="archive", sample_s=300)
    report, _ = run_backtest(opts, show_progress=False, store=lambda: client)
    assert report.fills > 0
    stored = get_run(client, report.run_id)  # `cryptick run show` says where the fills came from
    assert stored is not None
    assert stored.source["fills_from_candles"] == [f"{venue}:BTC-USD", f"{venue}:ETH-USD"]
    assert any("note: fills on" in line and "bar-fill books" in line for line in show_lines(stored))
    lines: list[str] = []
    check = check_parity(client, kafka_bootstrap, report.run_id, namespace, lines.append, tmp_path)
    assert check.identical, (lines, (tmp_path / f"worker-{namespace}.log").read_text())

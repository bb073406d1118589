"""``cryptick backtest``: a report for good input, one actionable line for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryptick.commands.backtest import app
from strategies.registry import names

RANGE = ["--start", "2018-01-01", "--end", "2018-01-01T00:10"]


def invoke(*args: str) -> tuple[int, str, str]:
    # a one-command app runs it directly; runs are stored by tests/unit/replay/test_runs_store.py
    result = CliRunner().invoke(app, [*args, "--no-progress", "--no-store"])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["nope", "--balance", "synthetic:USD=1", *RANGE],
     f"error: unknown strategy 'nope'; choose from {', '.join(names())}"),
    (["hodl", "--balance", "synthetic:USD", *RANGE],
     "error: bad --balance 'synthetic:USD': expected VENUE:CURRENCY=AMOUNT, e.g. coinbase:USD=10000"),
    (["hodl", "--balance", "synthetic:USD=0.000000001", *RANGE],
     "error: bad --balance 'synthetic:USD=0.000000001': at most 8 decimal places"),
    (["hodl", "--balance", "synthetic:USD=100", "--start", "2018-01-02", "--end", "2018-01-01"],
     "error: empty time range: --end 2018-01-01 is not after --start 2018-01-02"),
    (["hodl", "--balance", "synthetic:USD=100", "--start", "yesterday", "--end", "2018-01-01"],
     "error: bad --start: 'yesterday' is not a time: give ISO 8601 (2018-01-01, 2018-01-01T12:00, "
     "2018-01-01T12:00:00.5Z; UTC unless it says) or Unix seconds"),
    (["hodl", "--balance", "synthetic:USD=100", "--param", "bases=DOGE", *RANGE],
     "error: no data for synthetic:DOGE-USD: the synthetic source models BCH, BTC, ETH, LTC, XMR, ZEC "
     "against USD"),
    (["hodl", "--balance", "synthetic:USD=100", "--param", "colour=red", *RANGE],
     "error: hodl takes no parameter colour; it takes: bases, fee_reserve_bps, max_attempts, quote, "
     "slippage_bps, venue"),
    (["hodl", "--balance", "synthetic:USD=100", "--source", "tape", *RANGE],
     "error: unknown --source 'tape'; choose from synthetic, archive"),
])
def test_bad_input_gets_one_line_that_says_what_to_fix(args: list[str], message: str) -> None:
    code, out, err = invoke(*args)
    assert (code, out, err.strip()) == (2, "", message)


def test_a_backtest_prints_its_report_and_writes_html(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    code, out, _ = invoke("hodl", "--balance", "coinbase:USD=10000", "--param", "bases=BTC,ETH", *RANGE,
                          "--html", str(page))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("hodl (bases=BTC,ETH)  run hodl-")
    assert lines[1] == "2018-01-01 00:00 -> 2018-01-01 00:10 UTC"
    assert any(line.startswith("start value") and line.count("10,000.00 USD") == 2 for line in lines)
    assert "orders / fills" in out and out.count("outputs sha256") == 1
    assert page.read_text().startswith("<!DOCTYPE html>")
    again = invoke("hodl", "--balance", "coinbase:USD=10000", "--param", "bases=BTC,ETH", *RANGE)[1]
    digest = [line for line in lines if line.startswith("outputs sha256")]
    assert digest == [line for line in again.splitlines() if line.startswith("outputs sha256")]

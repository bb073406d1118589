"""``cryptick market datasets``: what the archive holds per venue and pair, and where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryptick.commands.market import app

pytestmark = pytest.mark.integration

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exchange-captures"


def test_imports_are_listed_per_book_with_their_kind_span_and_origin(tmp_path: Path, clickhouse_dsn: str,
                                                                       namespace: str) -> None:
    venue = f"csv{namespace}"
    csv_file = tmp_path / "btc.csv"
    csv_file.write_text("timestamp,open,high,low,close,volume\n"
                        "2018-01-01T00:00:00Z,13000.5,13100,12900,13050.25,12.5\n"
                        "2018-01-01T00:01:00Z,13050.25,13060,13000,13001,0.125\n")
    files = [str(csv_file), str(CAPTURES / "COINBASE.0"), str(CAPTURES / "COINBASE.ws.28.0")]
    topics = []
    for f in files:
        csv_options = ["--venue", venue, "--pair", "BTC-USD"] if f.endswith(".csv") else []
        done = CliRunner().invoke(app, ["import", f, *csv_options])
        assert done.exit_code == 0, done.output
        topics.append(done.output.rsplit("as topic ", 1)[1].strip())

    result = CliRunner().invoke(app, ["datasets"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "venue\tpair\tkind\tfirst\tlast\tevents\tdataset\tfrom"
    assert (f"{venue}\tBTC-USD\tcandles 1m, bar-fill books\t2018-01-01T00:00:00Z\t2018-01-01T00:02:00Z\t10"
            f"\t{topics[0]}\timport file") in lines
    assert (f"coinbase\t*\tlistings of 162 markets\t2021-04-17T16:43:36Z\t2021-04-17T16:43:36Z\t162"
            f"\t{topics[1]}\timport file") in lines
    skl = [line for line in lines if line.startswith("coinbase\tSKL-USD\t") and topics[2] in line]
    assert len(skl) == 1 and skl[0].split("\t")[2] == "L2 book, trades"

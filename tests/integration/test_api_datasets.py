"""``GET /markets/datasets`` and ``/markets/{venue}/{pair}/candles``: the archive over HTTP, as the CLI
reads it; and a clear 503 when the embedded archive is held by another process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration import http

pytestmark = pytest.mark.integration

CSV = "timestamp,open,high,low,close,volume\n2018-01-01T00:00:00Z,13000.5,13100,12900,13050.25,12.5\n" \
      "2018-01-01T00:01:00Z,13050.25,13060,13000,13001,0.125\n"


@pytest.fixture()
def own_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh embedded archive with one OHLCV import, written by the CLI (which then lets it go)."""
    dsn = f"chdb://{tmp_path / 'archive'}"
    (tmp_path / "btc.csv").write_text(CSV)
    cli = [sys.executable, "-m", "cryptick.cli", "market", "import", str(tmp_path / "btc.csv"),
           "--venue", "coinbase", "--pair", "BTC-USD"]
    done = subprocess.run(cli, env=dict(os.environ, CLICKHOUSE_DSN=dsn), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    monkeypatch.setenv("CLICKHOUSE_DSN", dsn)  # the API started next owns this archive
    return done.stdout.rsplit("as topic ", 1)[1].strip()


def test_the_api_lists_the_datasets_of_the_archive_it_owns(own_archive: str, api_server: str) -> None:
    got = http.get(f"{api_server}/markets/datasets", timeout=60)
    assert got.status_code == 200, got.text
    assert got.json() == [{"venue": "coinbase", "pair": "BTC-USD", "kinds": ["candles 1m", "bar-fill books"],
                           "first": "2018-01-01T00:00:00Z", "last": "2018-01-01T00:02:00Z", "events": 10,
                           "dataset": own_archive, "origin": "import file"}]


def api_server_base(url: str) -> str:
    return url.split("/markets/", 1)[0]


def test_candles_of_an_import_over_http(own_archive: str, api_server: str) -> None:
    url = f"{api_server}/markets/coinbase/BTC-USD/candles"
    got = http.get(url, params={"start": "2018-01-01T00:00:00Z", "end": "2018-01-01T00:05"}, timeout=60)
    assert got.status_code == 200, got.text
    assert got.json() == [
        {"start": "2018-01-01T00:00:00Z", "end": "2018-01-01T00:01:00Z", "open": "13000.5", "high": "13100",
         "low": "12900", "close": "13050.25", "volume": "12.5", "trades": 4},
        {"start": "2018-01-01T00:01:00Z", "end": "2018-01-01T00:02:00Z", "open": "13050.25", "high": "13060",
         "low": "13000", "close": "13001", "volume": "0.125", "trades": 4}]
    cut = http.get(url, params={"start": "2018-01-01T00:00", "end": "2018-01-01T00:05",
                                 "received_before": "2018-01-01T00:01:30Z"}, timeout=60)
    assert [c["start"] for c in cut.json()] == ["2018-01-01T00:00:00Z"]  # the second closes at 00:02
    daily = http.get(url, params={"start": "2018-01-01", "end": "2018-01-02", "freq": "daily"}, timeout=60)
    assert daily.json()[0]["close"] == "13001" and daily.json()[0]["end"] == "2018-01-02T00:00:00Z"
    bad = http.get(url, params={"start": "2018-01-02", "end": "2018-01-01"}, timeout=60)
    assert bad.status_code == 422 and "end must be after start" in bad.text
    wide = http.get(url, params={"start": "2000-01-01", "end": "2018-01-01"}, timeout=60)
    assert wide.status_code == 422 and "at most 100000 candles" in wide.text
    ancient = http.get(url, params={"start": "0001-01-01", "end": "2018-01-01"}, timeout=60)
    assert ancient.status_code == 422 and "start must be between 1970-01-01" in ancient.text
    account = api_server_base(url)
    history = http.get(f"{account}/accounts/a1/history", params={"start": "0001-01-01", "end": "0001-01-02"},
                        timeout=60)
    assert history.status_code == 422 and "start must be between 1970-01-01" in history.text


def test_an_archive_held_by_another_process_is_a_503_that_says_so(clickhouse_dsn: str, api_server: str
                                                                  ) -> None:
    from streams.archive.clickhouse import get_client

    if not clickhouse_dsn.startswith("chdb://"):
        pytest.skip("a ClickHouse server is shared, not held")
    get_client(clickhouse_dsn)  # this process holds the embedded store the API would open
    for path in ("datasets", "coinbase/BTC-USD/candles?start=2018-01-01&end=2018-01-02"):
        got = http.get(f"{api_server}/markets/{path}", timeout=60)
        assert got.status_code == 503 and got.headers["Retry-After"]
        assert got.json()["detail"].startswith("the archive cannot be read: ")

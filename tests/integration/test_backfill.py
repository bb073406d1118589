"""OHLCV backfill over REST: a local server speaking Coinbase's candles API (newest first,
300 rows a page) — the backfill pages through the range within its rate limit, and the
candles read back from the archive are the ones the venue sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from cryptick.cli import app
from producers.exchanges.ohlcv import parse_coinbase_candles
from streams.archive.clickhouse import get_client
from streams.market.store import candles

T0 = int(datetime(2018, 1, 1, tzinfo=UTC).timestamp())


def candle(t: int) -> list[float]:
    """A deterministic hourly candle at ``t``: [time, low, high, open, close, volume]."""
    k = (t - T0) // 3600
    base = 9000 + (k * 37) % 200
    return [t, base - 5.5, base + 7.25, base, base + 1.5, 10 + k % 7]


class Candles(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.requests.append(url.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        start = int(datetime.fromisoformat(q["start"].replace("Z", "+00:00")).timestamp())
        end = int(datetime.fromisoformat(q["end"].replace("Z", "+00:00")).timestamp())
        step = int(q["granularity"])
        rows = [candle(t) for t in range(start, end, step)][::-1][:300]  # newest first, like Coinbase
        body = json.dumps(rows).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def venue() -> Iterator[str]:
    Candles.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Candles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_rows_are_parsed_exactly_and_put_oldest_first() -> None:
    raw = b"[[1514768400, 1.1, 2.25, 1.5, 2, 0.00000001], [1514764800, 1, 2, 1, 1, 3]]"
    bars = parse_coinbase_candles(raw)
    assert [b.start for b in bars] == [1514764800_000000, 1514768400_000000]
    assert (bars[1].low, bars[1].high, bars[1].open, bars[1].close, bars[1].volume) == (
        110_000_000, 225_000_000, 150_000_000, 200_000_000, 1)
    with pytest.raises(ValueError, match="must be"):
        parse_coinbase_candles(b"[[1, 2]]")


def test_backfill_pages_through_the_range_into_the_archive(venue: str, clickhouse_dsn: str) -> None:
    hours = 400  # two pages of at most 300 candles
    end = datetime.fromtimestamp(T0 + hours * 3600, UTC).isoformat()
    result = CliRunner().invoke(app, ["market", "backfill", "--pair", "btc-usd", "--start", "2018-01-01",
                                      "--end", end, "--interval", "1h", "--url", venue, "--rate", "50"])
    assert result.exit_code == 0, result.output
    assert f"{hours} candles of coinbase BTC-USD" in result.output
    assert Candles.requests == ["/products/BTC-USD/candles"] * 2
    got = candles(get_client(clickhouse_dsn), "coinbase", "BTC-USD", T0 * 1_000_000,
                  (T0 + hours * 3600) * 1_000_000, "1h")
    assert len(got) == hours
    for c in (got[0], got[123], got[-1]):
        _, low, high, open_, close, volume = candle(c.start // 1_000_000)
        assert (c.open, c.high, c.low, c.close) == tuple(round(x * 10**8) for x in (open_, high, low, close))
        assert c.volume == volume * 10**8
    # the same backfill again adds nothing
    again = CliRunner().invoke(app, ["market", "backfill", "--pair", "BTC-USD", "--start", "2018-01-01",
                                     "--end", end, "--interval", "1h", "--url", venue, "--rate", "50"])
    assert again.exit_code == 0
    assert len(candles(get_client(clickhouse_dsn), "coinbase", "BTC-USD", T0 * 1_000_000,
                       (T0 + hours * 3600) * 1_000_000, "1h")) == hours


def test_a_width_the_venue_does_not_serve_is_refused(venue: str, clickhouse_dsn: str) -> None:
    result = CliRunner().invoke(app, ["market", "backfill", "--pair", "BTC-USD", "--start", "2018-01-01",
                                      "--end", "2018-01-02", "--interval", "2h", "--url", venue])
    assert result.exit_code == 2
    assert "Coinbase serves candles of 60, 300, 900, 3600, 21600, 86400 s, not 7200 s" in result.output

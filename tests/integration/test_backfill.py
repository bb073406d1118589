"""OHLCV backfill through ccxt: a local server speaking Coinbase's REST API (its real recorded product
list; candles newest first, 300 rows a page) — the backfill pages through the range within its rate
limit, keeps what it fetched when the venue fails, resumes after it, and the candles read back from the
archive are the ones the venue sent."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from cryptick.cli import app
from producers.exchanges.capture import parse_capture_line
from streams.archive.clickhouse import get_client
from streams.market.store import candles

pytestmark = pytest.mark.integration

T0 = int(datetime(2018, 1, 1, tzinfo=UTC).timestamp())
CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exchange-captures"
PRODUCTS = next(r.payload for r in map(parse_capture_line, (CAPTURES / "COINBASE.0").open())
                if r is not None and (r.url or "").endswith("/products"))


def candle(t: int) -> list[float]:
    """A deterministic hourly candle at ``t``: [time, low, high, open, close, volume]."""
    k = (t - T0) // 3600
    base = 9000 + (k * 37) % 200
    return [t, base - 5.5, base + 7.25, base, base + 1.5, 10 + k % 7]


class Coinbase(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []
    fail_after: ClassVar[int | None] = None  # candle pages served before the venue fails (500s)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.requests.append(url.path)
        if url.path == "/products":
            return self._send(200, PRODUCTS.encode())
        if url.path == "/currencies":
            return self._send(200, b"[]")
        pages = sum(1 for p in self.requests if p.endswith("/candles"))
        if self.fail_after is not None and pages > self.fail_after:
            return self._send(500, b'{"message": "Internal server error"}')
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        start = int(datetime.fromisoformat(q["start"].replace("Z", "+00:00")).timestamp())
        end = int(datetime.fromisoformat(q["end"].replace("Z", "+00:00")).timestamp())
        step = int(q["granularity"])
        rows = [candle(t) for t in range(start, end, step)][::-1][:300]  # newest first, like Coinbase
        return self._send(200, json.dumps(rows).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def venue() -> Iterator[str]:
    Coinbase.requests, Coinbase.fail_after = [], None
    server = ThreadingHTTPServer(("127.0.0.1", 0), Coinbase)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _backfill(venue: str, pair: str, hours: int, *extra: str) -> tuple[int, str]:
    end = datetime.fromtimestamp(T0 + hours * 3600, UTC).isoformat()
    args = ["--pair", pair, "--start", "2018-01-01", "--end", end, "--interval", "1h", "--url", venue]
    result = CliRunner().invoke(app, ["market", "backfill", *args, "--rate", "50", *extra])
    return result.exit_code, result.output


def _archived(dsn: str, pair: str, hours: int) -> list:
    return candles(get_client(dsn), "coinbase", pair, T0 * 1_000_000, (T0 + hours * 3600) * 1_000_000, "1h")


def test_backfill_pages_through_the_range_into_the_archive(venue: str, clickhouse_dsn: str) -> None:
    hours = 400  # two pages of at most 300 candles
    code, output = _backfill(venue, "btc-usd", hours)
    assert code == 0, output
    assert f"{hours} candles of coinbase BTC-USD" in output and "2 requests, 0 retried" in output
    assert [p for p in Coinbase.requests if p.endswith("/candles")] == ["/products/BTC-USD/candles"] * 2
    got = _archived(clickhouse_dsn, "BTC-USD", hours)
    assert len(got) == hours
    for c in (got[0], got[123], got[-1]):
        _, low, high, open_, close, volume = candle(c.start // 1_000_000)
        assert (c.open, c.high, c.low, c.close) == tuple(round(x * 10**8) for x in (open_, high, low, close))
        assert c.volume == volume * 10**8
    # the same backfill again finds it all archived and asks the venue nothing more
    asked = len(Coinbase.requests)
    code, output = _backfill(venue, "BTC-USD", hours)
    assert code == 0 and "archived up to" in output and len(Coinbase.requests) == asked
    assert len(_archived(clickhouse_dsn, "BTC-USD", hours)) == hours


def test_a_failing_venue_keeps_what_was_fetched_and_the_next_run_resumes(venue: str, clickhouse_dsn: str
                                                                          ) -> None:
    hours = 700  # three pages
    Coinbase.fail_after = 1
    code, output = _backfill(venue, "ETH-USD", hours, "--retries", "1")
    assert code == 2
    kept = re.search(r"; (\d+) candles archived, run again to resume", output)
    assert "gave up after 1 retries" in output and "500 Internal Server Error" in output and kept, output
    first = int(kept.group(1))  # one page (ccxt asks Coinbase for up to 300)
    assert 250 < first <= 300 and len(_archived(clickhouse_dsn, "ETH-USD", hours)) == first
    Coinbase.fail_after = None
    code, output = _backfill(venue, "ETH-USD", hours)
    assert code == 0, output
    resumed = datetime.fromtimestamp(T0 + first * 3600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"resuming after the last candle archived, at {resumed}" in output
    assert f"{hours - first} candles of coinbase ETH-USD" in output
    got = _archived(clickhouse_dsn, "ETH-USD", hours)
    assert [c.start for c in got] == [(T0 + 3600 * h) * 1_000_000 for h in range(hours)]  # none twice


def test_a_width_or_pair_the_venue_does_not_serve_is_refused(venue: str, clickhouse_dsn: str) -> None:
    code, output = _backfill(venue, "BTC-USD", 10, "--interval", "2h")
    assert code == 2 and "coinbase serves candles of 1m, 5m, 15m, 1h, 6h, 1d, not 7200 s" in output
    code, output = _backfill(venue, "NOPE-USD", 10)
    assert code == 2 and "coinbase NOPE-USD" in output and "NOPE/USD" in output

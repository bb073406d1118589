"""Candles kept in ClickHouse equal the pure rule, at every width, with no lookahead."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.codec import default_codec
from schemas.events import PublicTrade
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import get_client
from streams.archive.writer import ArchiveWriter
from streams.market.candles import Candle, candles_from_trades
from streams.market.store import candles, refresh_candles
from tests.unit.market.trades import MIN, T0, sample, trade

pytestmark = pytest.mark.integration


def _archive(client: Any, topic: str, trades: list[PublicTrade], first_offset: int = 0) -> None:
    codec = default_codec()
    rows = ArchiveWriter(client).write(
        RawBatch.from_records(
            (topic, 0, first_offset + i, b"k", codec.encode(t), 0) for i, t in enumerate(trades)
        )
    )
    refresh_candles(client, rows.trade_spans)


def _with_venue(trades: list[PublicTrade], venue: str) -> list[PublicTrade]:
    return [
        trade(int(t.trade_id), t.ts - T0, t.price / 1e8, t.size / 1e8, t.recv_ts - t.ts, venue=venue)
        for t in trades
    ]


@pytest.mark.parametrize("freq", ["1m", "5m", "1h", "1d", "highest", "daily"])
def test_stored_candles_equal_the_rule(clickhouse_dsn: str, namespace: str, freq: str) -> None:
    client = get_client(clickhouse_dsn)
    venue = f"c{namespace}"
    trades = _with_venue(sample(), venue)
    _archive(client, f"{namespace}.j", trades)
    assert candles(client, venue, "BTC-USD", T0, T0 + 86_400_000_000, freq) == candles_from_trades(
        trades, freq
    )


def test_exact_one_minute_values_and_received_before(clickhouse_dsn: str, namespace: str) -> None:
    client = get_client(clickhouse_dsn)
    venue = f"c{namespace}"
    trades = _with_venue(sample(), venue)
    _archive(client, f"{namespace}.j", trades)
    u = 100_000_000
    assert candles(client, venue, "BTC-USD", T0, T0 + 3 * MIN, "1m") == [
        Candle(venue, "BTC-USD", "1m", T0, 100 * u, 105 * u, 95 * u, 101 * u, 375 * u // 100, 4),
        Candle(venue, "BTC-USD", "1m", T0 + MIN, 102 * u, 103 * u, 102 * u, 103 * u, 4 * u, 2),
        Candle(venue, "BTC-USD", "1m", T0 + 2 * MIN, 99 * u, 99 * u, 99 * u, 99 * u, 15 * u // 10, 1),
    ]
    cut = T0 + 2 * MIN + 10  # trade 5 (T0 + 1m 5s) is only received at T0 + 3m 5s
    late = candles(client, venue, "BTC-USD", T0, T0 + 3 * MIN, "1m", received_before=cut)
    assert late[1] == Candle(venue, "BTC-USD", "1m", T0 + MIN, 103 * u, 103 * u, 103 * u, 103 * u, 3 * u, 1)
    for cut in (T0, T0 + 10_001_000, T0 + MIN + 5_001_000, T0 + 3 * MIN, T0 + 4 * MIN):
        for freq in ("1m", "5m", "daily"):
            assert candles(
                client, venue, "BTC-USD", T0, T0 + 86_400_000_000, freq, received_before=cut
            ) == candles_from_trades(trades, freq, received_before=cut), (cut, freq)
    assert (
        candles(client, venue, "BTC-USD", T0 + MIN, T0 + 2 * MIN, "1m")
        == candles_from_trades(trades, "1m")[1:2]
    )


def test_later_trades_and_redeliveries_refresh_the_buckets(clickhouse_dsn: str, namespace: str) -> None:
    client = get_client(clickhouse_dsn)
    venue = f"c{namespace}"
    trades = _with_venue(sample(), venue)
    topic = f"{namespace}.j"
    _archive(client, topic, trades[:4])
    _archive(client, topic, trades[:4])  # re-delivered: counted once
    more = [trade(8, 30_000_000, 120.0, 1.0, venue=venue)]
    _archive(client, topic, trades[4:] + more, first_offset=4)
    _archive(client, f"{namespace}.other", trades[:2])  # the same venue trades from another recording
    everything = trades + more
    for freq in ("1m", "5m", "1h", "1d"):
        assert candles(client, venue, "BTC-USD", T0, T0 + 86_400_000_000, freq) == candles_from_trades(
            everything, freq
        )
    assert candles(client, venue, "BTC-USD", T0, T0 + MIN, "1m")[0].high == 120 * 100_000_000

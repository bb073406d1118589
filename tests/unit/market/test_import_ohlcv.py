"""OHLCV CSV import: the accepted format, one-line errors, and trades that give back the candles."""

from __future__ import annotations

import pytest

from producers.importer import Bar, ImportFailed, bar_width, ohlcv_trades, read_ohlcv
from schemas.events import SCALE
from streams.market.candles import Candle, candles_from_trades

HEADER = "timestamp,open,high,low,close,volume"


def u(x: float) -> int:
    return round(x * SCALE)


def test_accepted_timestamps_and_decimals() -> None:
    lines = [
        "Timestamp, Open,High,Low,Close,Volume,extra",
        "1514764800,100,110,90,105,10.5,x",
        "1514764860000,105,106.25,100,101,0.00000001,y",
        "2018-01-01T00:02:00Z,101,101,101,101,0,z",
        "2018-01-01 00:03:00,1,2,1,2,1,z",
        "1514765040.5,1,1,1,1,1,z",
    ]
    bars = read_ohlcv("f.csv", lines)
    assert [b.start for b in bars] == [1_514_764_800_000_000 + i * 60_000_000 for i in range(4)] + [
        1_514_765_040_500_000
    ]
    assert bars[0] == Bar(1_514_764_800_000_000, u(100), u(110), u(90), u(105), u(10.5))
    assert bars[1].volume == 1 and bars[1].high == u(106.25)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "f.csv: empty file (expected a header timestamp,open,high,low,close,volume)"),
        (
            ["time,open,high,low,close,volume"],
            "f.csv:1: missing column(s) timestamp; the header must name timestamp,open,high,low,close,volume",
        ),
        ([HEADER], "f.csv: no candle rows after the header"),
        ([HEADER, "1514764800,100,90,95,99,1"], "f.csv:2: expected low <= open, close <= high"),
        ([HEADER, "1514764800,100,100,100,100,-1"], "f.csv:2: volume is negative"),
        ([HEADER, "1514764800,abc,100,100,100,1"], "f.csv:2: open 'abc' is not a decimal number"),
        ([HEADER, "1514764800,0,0,0,0,1"], "f.csv:2: prices must be positive"),
        (
            [HEADER, "yesterday,1,1,1,1,1"],
            "f.csv:2: timestamp 'yesterday' is neither Unix seconds/milliseconds nor ISO 8601",
        ),
        (
            [HEADER, "1514764860,1,1,1,1,1", "", "1514764800,1,1,1,1,1"],
            "f.csv:4: timestamps must increase from row to row",
        ),
        ([HEADER, "1514764800,1,1"], "f.csv:2: 3 fields, the header has 6"),
    ],
)
def test_bad_files_fail_with_one_line(lines: list[str], message: str) -> None:
    with pytest.raises(ImportFailed) as failure:
        read_ohlcv("f.csv", lines)
    assert str(failure.value) == message
    assert "\n" not in message


def _bars() -> list[Bar]:
    return read_ohlcv(
        "f.csv",
        [
            HEADER,
            "2018-01-01T00:00:00Z,100,110,90,105,10",
            "2018-01-01T00:01:00Z,105,106,100,101,2.5",
            "2018-01-01T00:03:00Z,101,101,101,101,0",
        ],
    )


def test_width_is_the_smallest_step_or_given() -> None:
    bars = _bars()
    assert bar_width("f.csv", bars, None) == 60_000_000
    assert bar_width("f.csv", bars[:1], 3_600_000_000) == 3_600_000_000
    with pytest.raises(ImportFailed, match=r"f\.csv: one row gives no candle width: pass the interval"):
        bar_width("f.csv", bars[:1], None)
    with pytest.raises(ImportFailed, match="rows 60000000 µs apart overlap candles 300000000 µs wide"):
        bar_width("f.csv", bars, 300_000_000)


def test_trades_give_back_the_candles_at_the_file_width_and_wider() -> None:
    bars = _bars()
    trades = list(ohlcv_trades(bars, "csv", "BTC-USD", 60_000_000))
    assert len(trades) == 12
    assert candles_from_trades(trades, "1m") == [
        Candle("csv", "BTC-USD", "1m", b.start, b.open, b.high, b.low, b.close, b.volume, 4) for b in bars
    ]
    assert candles_from_trades(trades, "5m") == [
        Candle("csv", "BTC-USD", "5m", bars[0].start, u(100), u(110), u(90), u(101), u(12.5), 12)
    ]


def test_a_candle_is_received_when_it_closes() -> None:
    bars = _bars()
    trades = list(ohlcv_trades(bars, "csv", "BTC-USD", 60_000_000))
    assert {t.recv_ts for t in trades[:4]} == {bars[0].start + 60_000_000}
    assert candles_from_trades(trades, "1m", received_before=bars[0].start + 59_999_999) == []
    falling = Bar(0, u(10), u(12), u(8), u(9), u(1))  # closes below its open: high comes first
    assert [t.price for t in ohlcv_trades([falling], "c", "P", 60_000_000)] == [u(10), u(12), u(8), u(9)]
    assert [t.ts for t in ohlcv_trades([falling], "c", "P", 60_000_000)] == [
        0,
        15_000_000,
        30_000_000,
        59_999_999,
    ]

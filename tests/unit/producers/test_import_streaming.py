"""Streaming import: a file of any size is read in passes of constant memory and handed on in
bounded batches, with the topic, events and errors of the whole-file import it replaces."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from producers.barfill import BarFill
from producers.importer import (
    ImportFailed,
    ImportStats,
    bar_width,
    batches,
    capture_events,
    detect_venue,
    import_topic,
    ohlcv_trades,
    plan_import,
    read_ohlcv,
    records,
    text_lines,
)
from schemas.events import Event

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "exchange-captures"


class GrowingFile:
    """A file that is never whole in memory: ``copies`` of ``lines``, made as they are read.

    ``read`` counts the lines read since the file was last opened.
    """

    def __init__(self, lines: list[bytes], copies: int = 1) -> None:
        self.lines, self.copies = lines, copies
        self.read = 0

    def __call__(self) -> Iterator[bytes]:
        self.read = 0
        for _ in range(self.copies):
            for line in self.lines:
                self.read += 1
                yield line

    @property
    def size(self) -> int:
        return len(self.lines) * self.copies

    def data(self) -> bytes:
        return b"".join(self.lines) * self.copies


def whole_file(name: str, data: bytes, venue: str | None, pair: str | None, interval_us: int | None,
               kind: str) -> tuple[str, str, list[Event]]:
    """What the import did before it streamed: decode the whole file, split it, read every row."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFailed(f"{name}: not UTF-8 text (a capture or a CSV file?)") from None
    lines = text.splitlines()
    if kind == "ohlcv" or (kind == "auto" and name.lower().endswith(".csv")):
        if not venue or not pair:
            raise ImportFailed(f"{name}: an OHLCV file needs --venue and --pair")
        bars = read_ohlcv(name, lines)
        width = bar_width(name, bars, interval_us)
        model = BarFill()
        events: list[Event] = []
        for bar in bars:
            events += ohlcv_trades([bar], venue, pair, width)
            book = model.book(venue, pair, bar.start, width, bar.high, bar.low, bar.close, bar.volume)
            events += [book] if book else []
        return import_topic("ohlcv", venue, data, pair, str(width), *model.tag()), venue, events
    venue = venue or detect_venue(Path(name).name, lines[:20])
    if venue is None:
        raise ImportFailed(f"{name}: cannot tell the venue from the capture: pass --venue")
    events = list(capture_events(name, lines, venue, ImportStats()))
    return import_topic("capture", venue, data), venue, events


def streamed(name: str, file: GrowingFile, venue: str | None = None, pair: str | None = None,
             interval_us: int | None = None, kind: str = "auto") -> tuple[str, str, list[Event]]:
    plan = plan_import(name, file, venue, pair, interval_us, kind, ImportStats())
    return plan.topic, plan.venue, list(plan.events)


def ohlcv_rows(n: int) -> list[bytes]:
    start = 1_514_764_800
    rows = [b"timestamp,open,high,low,close,volume\n"]
    rows += [f"{start + 60 * i},{100 + i % 7},{110 + i % 7},{90 + i % 7},{105 + i % 7},1.5\n".encode()
             for i in range(n)]
    return rows


def capture_lines(name: str) -> list[bytes]:
    return (CAPTURES / name).read_bytes().splitlines(keepends=True)


def test_a_large_capture_reaches_the_writer_in_bounded_batches_as_it_is_read() -> None:
    file = GrowingFile(capture_lines("KRAKEN.ws.50.0"), copies=10)
    stats = ImportStats()
    plan = plan_import("KRAKEN.ws.50.0", file, None, None, None, "auto", stats)
    sizes, read_when_handed = [], []
    for batch in batches(records(plan.events, plan.topic, stats), 5_000):
        sizes.append(len(batch))
        read_when_handed.append(file.read)
    assert stats.events == sum(sizes) == 42_790 and len(sizes) == 9
    assert max(sizes) == 5_000 and sizes[-1] == 2_790
    # each batch is handed on as soon as it is full: the first after a fraction of the file
    assert read_when_handed[0] < file.size // 5 and read_when_handed == sorted(read_when_handed)


def test_a_large_ohlcv_file_reaches_the_writer_in_bounded_batches_as_it_is_read() -> None:
    file = GrowingFile(ohlcv_rows(20_000))
    stats = ImportStats()
    plan = plan_import("big.csv", file, "v", "BTC-USD", None, "auto", stats)
    sizes, read_when_handed = [], []
    for batch in batches(records(plan.events, plan.topic, stats), 10_000):
        sizes.append(len(batch))
        read_when_handed.append(file.read)
    assert sizes == [10_000] * 10  # four trades and a bar-fill book a candle
    assert read_when_handed == [2_001 + 2_000 * k for k in range(10)]  # 2 000 rows a batch, + the header


def test_a_capture_streams_to_what_the_whole_file_gave() -> None:
    for name in ("COINBASE.0", "BITFINEX.ws.11.0", "KRAKEN.ws.50.0", "POLONIEX.ws.1.0"):
        file = GrowingFile(capture_lines(name), copies=2)
        assert streamed(name, file) == whole_file(name, file.data(), None, None, None, "auto")


def test_an_ohlcv_file_streams_to_what_the_whole_file_gave() -> None:
    file = GrowingFile(ohlcv_rows(500))
    assert streamed("f.csv", file, "v", "A-B") == whole_file("f.csv", file.data(), "v", "A-B", None, "auto")
    assert streamed("f.txt", file, "v", "A-B", 30_000_000, "ohlcv") == whole_file(
        "f.txt", file.data(), "v", "A-B", 30_000_000, "ohlcv"
    )


@pytest.mark.parametrize(
    ("name", "lines", "venue", "pair", "interval_us"),
    [
        ("f.csv", [b"timestamp,open\n", b"1,1\n", b"\xff\n"], None, None, None),  # UTF-8 before the options
        ("f.csv", [b"timestamp,open,high,low,close,volume\n", b"1,1,1,1,1,1\n"], None, None, None),
        ("f.csv", [b"timestamp,open,high,low,close,volume\n", b"x,1,1,1,1,1\n", b"\xc3\n"], "v", "A-B", None),
        ("f.csv", [b"timestamp,open,high,low,close,volume\n", b"60,1,1,1,1,1\n", b"x,1\n"], "v", "A-B", None),
        ("f.csv", [b"timestamp,open,high,low,close,volume\n", b"60,1,1,1,1,1\n"], "v", "A-B", None),
        ("f.csv", [b"timestamp,open,high,low,close,volume\n", b"60,1,1,1,1,1\n", b"90,1,1,1,1,1\n"],
         "v", "A-B", 60_000_000),
        ("f.csv", [b"timestamp,open,high,low,close,volume\n"], "v", "A-B", None),
        ("f.csv", [], "v", "A-B", None),
        ("cap.txt", [b"1618678132.83097: {}\n"], None, None, None),
        ("cap.txt", [b"1618678132.83097: {}\n", b"\xe2\x82\n"], None, None, None),
    ],
)
def test_a_bad_file_fails_with_the_error_the_whole_file_gave(
    name: str, lines: list[bytes], venue: str | None, pair: str | None, interval_us: int | None
) -> None:
    with pytest.raises(ImportFailed) as before:
        whole_file(name, b"".join(lines), venue, pair, interval_us, "auto")
    with pytest.raises(ImportFailed) as now:
        streamed(name, GrowingFile(lines), venue, pair, interval_us)
    assert str(now.value) == str(before.value)


@given(st.text(alphabet=st.sampled_from("ab \r\n\x0b\x0c\x1c\x85\u2028\u2029é€")))
def test_lines_read_one_at_a_time_are_the_lines_of_the_whole_text(text: str) -> None:
    as_a_binary_file_reads_them = io.BytesIO(text.encode())  # split at b"\n" only
    assert list(text_lines("f", as_a_binary_file_reads_them)) == text.splitlines()


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=20))
def test_batches_are_bounded_and_keep_every_item_in_order(items: list[int], size: int) -> None:
    cut = list(batches(items, size))
    assert [x for batch in cut for x in batch] == items
    assert all(len(batch) == size for batch in cut[:-1]) and all(0 < len(b) <= size for b in cut)


def test_batches_read_their_input_only_as_needed() -> None:
    read = []

    def numbers() -> Iterator[int]:
        for i in range(10):
            read.append(i)
            yield i

    first = next(batches(numbers(), 3))
    assert first == [0, 1, 2] and read == [0, 1, 2]
    with pytest.raises(ValueError, match="not positive"):
        next(batches([1], 0))

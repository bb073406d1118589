"""Recorded market data as archive records (pure): venue captures and OHLCV CSV files.

Imported data enters the archive the way live data does -- as Avro events
with Kafka coordinates, into ``archive_messages`` and the typed tables -- but
without a broker: the coordinates are synthetic.

- topic ``import.<venue>.<digest>``: ``digest`` is the first 12 hex digits of
  the SHA-256 of the kind, venue, pair, interval and the file's bytes, so
  importing the same file again gives the same coordinates (the archive drops
  the copies) and two files never share coordinates;
- partition: the partition the event's key (``venue:PAIR``) has on
  ``venue.journal``, so a re-publish puts each book on its inbox partition;
- offset: the event's position within its partition, in file order;
- broker time: the receive time (milliseconds).

Backtests read imported events like live ones (the archive reader, by
venue/pair and time, any topic), and candles are computed from imported trades.

Captures (``<venue>.ws.*`` files, format in ``producers.exchanges.capture``):
every received message goes through that venue's parser, a fresh parser per
recorded connection; REST product lists (Coinbase ``/products``, Bitfinex
``conf/pub:list:pair:exchange``) become ``MarketListed``. Messages a parser
rejects are counted and skipped, as the live connector does.

OHLCV CSV: a header naming the columns ``timestamp,open,high,low,close,volume``
(any order, any case, other columns ignored), one candle per row, rows in
increasing time. ``timestamp`` is the candle's start: Unix seconds, Unix
milliseconds (a number of 13 digits or more) or ISO 8601 (UTC when it names no
zone). Prices and volume are decimals (at most 8 places are kept, exactly).
Each candle becomes four trades inside its bucket -- open at the start, then
low and high (high first when the candle closed below its open), close at the
last microsecond -- splitting the volume in four; they are *received* when the
candle closes, so a backtest never sees a candle's extremes before its end.
Candles at the file's width, and wider ones, come out exactly as the file
says; narrower ones show the four-trade path. After each candle's trades comes
the book the bar-fill model (``producers.barfill``) makes of it, received at
the same close, so a backtest's orders have a book to fill against; the
model's parameters are part of the topic's digest.

Streaming: ``plan_import`` reads a file of any size in constant memory. It
is given a way to open the file (``Reopen``) rather than its contents, checks
the file and names its topic in passes over it, and its events read the file
once more, lazily; ``batches`` cuts them into bounded lists for the archive
writer. Errors come in the order a whole-file read gave them: not UTF-8, then
the options, then the rows.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import InvalidOperation
from itertools import islice, pairwise
from pathlib import PurePath
from typing import TypeVar

from producers.barfill import BarFill
from producers.exchanges.bitfinex.markets import parse_pair_list
from producers.exchanges.bitfinex.parse import BitfinexParser
from producers.exchanges.capture import Direction, parse_capture_line
from producers.exchanges.coinbase.markets import parse_products
from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.feed import FeedParser, MalformedMessage, VenueError
from producers.exchanges.kraken.parse import KrakenParser
from producers.exchanges.numbers import seconds_to_us, to_units
from producers.exchanges.poloniex.parse import PoloniexParser
from schemas.codec import default_codec
from schemas.events import Event, MarketListed, PublicTrade
from schemas.topics import VENUE_JOURNAL, partition_of, venue_key

PARSERS: dict[str, type[FeedParser]] = {
    "coinbase": CoinbaseParser,
    "bitfinex": BitfinexParser,
    "kraken": KrakenParser,
    "poloniex": PoloniexParser,
}
"""The venues whose captures can be imported."""

OHLCV_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")

Record = tuple[str, int, int, bytes, bytes, int]
"""(topic, partition, offset, key, Avro value, broker time ms): one archived message."""

Reopen = Callable[[], Iterable[bytes]]
"""Opens the file afresh at each call and yields its lines as bytes, line ends kept (``open(p, "rb")``)."""

T = TypeVar("T")


class ImportFailed(ValueError):
    """A file that cannot be imported; the message is one line naming the file and line."""


@dataclass
class ImportStats:
    """What an import read."""

    events: int = 0
    skipped: int = 0  # messages the venue parser rejected
    connections: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def import_topic(kind: str, venue: str, data: bytes, *extra: str) -> str:
    """The synthetic topic of one imported file (stable for the same file and options)."""
    return stream_topic(kind, venue, (data,), *extra)


def stream_topic(kind: str, venue: str, chunks: Iterable[bytes], *extra: str) -> str:
    """``import_topic`` of the file made of ``chunks``, read one chunk at a time."""
    digest = hashlib.sha256("\x00".join([kind, venue, *extra]).encode() + b"\x00")
    for chunk in chunks:
        digest.update(chunk)
    return f"import.{venue}.{digest.hexdigest()[:12]}"


def text_lines(name: str, raw_lines: Iterable[bytes]) -> Iterator[str]:
    """The lines ``str.splitlines`` gives of the UTF-8 text made of ``raw_lines``, decoded one at a time.

    ``raw_lines`` are split at b"\\n" (a binary file's lines); a UTF-8 character never contains that
    byte, so each decodes alone, and ``splitlines`` of each gives the whole text's lines exactly.
    """
    for raw in raw_lines:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportFailed(f"{name}: not UTF-8 text (a capture or a CSV file?)") from None
        yield from text.splitlines()


@dataclass(frozen=True)
class ImportPlan:
    """A checked file: its topic and venue, and its events (which read the file once more, lazily)."""

    topic: str
    venue: str
    events: Iterator[Event]


def plan_import(name: str, reopen: Reopen, venue: str | None, pair: str | None, interval_us: int | None,
                kind: str, stats: ImportStats, model: BarFill | None = None) -> ImportPlan:
    """Check one file and name its topic, reading it in passes of constant memory (see the module doc).

    ``kind``: ``ohlcv``, ``capture`` or ``auto`` (a ``.csv`` name is OHLCV). Captures take two passes
    before the events (UTF-8 and venue, digest), OHLCV files three (UTF-8, rows and width, digest).
    """
    _read_all(text_lines(name, reopen()))  # not UTF-8 fails first, as when the whole file was decoded
    if kind == "ohlcv" or (kind == "auto" and PurePath(name).suffix.lower() == ".csv"):
        if not venue or not pair:
            raise ImportFailed(f"{name}: an OHLCV file needs --venue and --pair")
        width = bar_width(name, iter_ohlcv(name, text_lines(name, reopen())), interval_us)
        model = model or BarFill()
        topic = stream_topic("ohlcv", venue, reopen(), pair, str(width), *model.tag())
        bars = iter_ohlcv(name, text_lines(name, reopen()))
        return ImportPlan(topic, venue, ohlcv_events(bars, venue, pair, width, model))
    venue = venue or detect_venue(PurePath(name).name, islice(text_lines(name, reopen()), 20))
    if venue is None:
        raise ImportFailed(f"{name}: cannot tell the venue from the capture: pass --venue")
    topic = stream_topic("capture", venue, reopen())
    return ImportPlan(topic, venue, capture_events(name, text_lines(name, reopen()), venue, stats))


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``, each read only when it is asked for."""
    if size < 1:
        raise ValueError(f"batch size {size} is not positive")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _read_all(items: Iterable[object]) -> None:
    for _ in items:
        pass


def detect_venue(name: str, lines: Iterable[str]) -> str | None:
    """The venue of a capture: from the URLs it recorded, else from the file name."""
    for line in lines:
        head = line.split(" ", 1)[0].lower()
        for venue in PARSERS:
            if venue in head:
                return venue
    stem = PurePath(name).name.lower()
    return next((v for v in PARSERS if stem.startswith(v)), None)


def capture_events(name: str, lines: Iterable[str], venue: str, stats: ImportStats) -> Iterator[Event]:
    """The events of a capture's received messages and product lists, in file order."""
    if venue not in PARSERS:
        raise ImportFailed(f"{name}: no capture parser for venue {venue!r} (known: {', '.join(PARSERS)})")
    parser: FeedParser = PARSERS[venue]()
    for number, line in enumerate(lines, 1):
        try:
            record = parse_capture_line(line)
        except ValueError as exc:
            raise ImportFailed(f"{name}:{number}: {exc}") from None
        if record is None:
            continue
        if record.direction is Direction.OPENED:
            parser = PARSERS[venue]()
            stats.connections += 1
            continue
        try:
            if record.direction is Direction.RECEIVED:
                events: list[Event] = list(parser.parse(record.payload, record.recv_ts))
            elif record.direction is Direction.REST:
                events = list(_product_list(venue, record.url or "", record.payload, record.recv_ts))
            else:
                continue
        except (MalformedMessage, VenueError):
            stats.skipped += 1
            continue
        yield from events


def _product_list(venue: str, url: str, payload: str, ts: int) -> list[MarketListed]:
    if venue == "coinbase" and url.rstrip("/").endswith("/products"):
        return parse_products(payload, ts)
    if venue == "bitfinex" and "pub:list:pair:exchange" in url:
        return parse_pair_list(payload, ts)
    return []


def _timestamp_us(text: str) -> int:
    value = text.strip()
    digits = value.lstrip("-")
    if digits.isdigit():
        number = int(value)
        return number * 1000 if len(digits) >= 13 else number * 1_000_000
    if digits.replace(".", "", 1).isdigit():
        return seconds_to_us(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"timestamp {value!r} is neither Unix seconds/milliseconds nor ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    whole = moment.replace(microsecond=0)
    return int(whole.timestamp()) * 1_000_000 + moment.microsecond


def _units(text: str, what: str) -> int:
    try:
        return to_units(text.strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{what} {text.strip()!r} is not a decimal number") from None


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLCV row: bucket start (µs) and fixed-point prices and volume."""

    start: int
    open: int
    high: int
    low: int
    close: int
    volume: int


def read_ohlcv(name: str, lines: Iterable[str]) -> list[Bar]:
    """The candles of an OHLCV CSV file, checked (see the module doc for the format)."""
    return list(iter_ohlcv(name, lines))


def iter_ohlcv(name: str, lines: Iterable[str]) -> Iterator[Bar]:
    """``read_ohlcv``, one candle at a time (each row is checked when it is read)."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise ImportFailed(f"{name}: empty file (expected a header {','.join(OHLCV_COLUMNS)})")
    names = [h.strip().lower() for h in header]
    missing = [c for c in OHLCV_COLUMNS if c not in names]
    if missing:
        raise ImportFailed(f"{name}:1: missing column(s) {', '.join(missing)}; "
                           f"the header must name {','.join(OHLCV_COLUMNS)}")
    at = {c: names.index(c) for c in OHLCV_COLUMNS}
    previous: Bar | None = None
    for number, row in enumerate(reader, 2):
        if not row or not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) < len(names):
                raise ValueError(f"{len(row)} fields, the header has {len(names)}")
            o, h, lo, c = (_units(row[at[k]], k) for k in ("open", "high", "low", "close"))
            bar = Bar(_timestamp_us(row[at["timestamp"]]), o, h, lo, c, _units(row[at["volume"]], "volume"))
            _check(bar, previous)
        except ValueError as exc:
            raise ImportFailed(f"{name}:{number}: {exc}") from None
        yield bar
        previous = bar
    if previous is None:
        raise ImportFailed(f"{name}: no candle rows after the header")


def _check(bar: Bar, previous: Bar | None) -> None:
    if min(bar.open, bar.high, bar.low, bar.close) <= 0:
        raise ValueError("prices must be positive")
    if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high:
        raise ValueError("expected low <= open, close <= high")
    if bar.volume < 0:
        raise ValueError("volume is negative")
    if previous is not None and bar.start <= previous.start:
        raise ValueError("timestamps must increase from row to row")


def overlapping_files(files: Sequence[tuple[str, Reopen]]) -> str | None:
    """The first two OHLCV files whose candles overlap in time, described, or None (one pass each)."""
    spans = []
    for name, reopen in files:
        first = last = None
        for bar in iter_ohlcv(name, text_lines(name, reopen())):
            first = bar.start if first is None else first
            last = bar.start
        assert first is not None and last is not None  # iter_ohlcv raises on a file without rows
        spans.append((first, last, name))
    spans.sort()
    reach, holder = spans[0][1], spans[0][2]  # the latest candle so far, and its file
    for first, last, name in spans[1:]:
        if first <= reach:
            when = datetime.fromtimestamp(first / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            return f"{holder} and {name} both hold candles from {when}"
        reach, holder = last, name
    return None


def bar_width(name: str, bars: Iterable[Bar], interval_us: int | None) -> int:
    """The candle width: ``interval_us`` if given, else the smallest step between rows (read once)."""
    smallest: int | None = None
    short: int | None = None  # the first step narrower than interval_us
    for a, b in pairwise(bars):
        step = b.start - a.start
        smallest = step if smallest is None else min(smallest, step)
        if short is None and interval_us and step < interval_us:
            short = step
    width = interval_us or smallest or 0
    if width <= 0:
        raise ImportFailed(f"{name}: one row gives no candle width: pass the interval")
    if width < 1_000_000:
        raise ImportFailed(f"{name}: candle width {width} µs is under a second")
    if short is not None:
        raise ImportFailed(f"{name}: rows {short} µs apart overlap candles {width} µs wide")
    return width


def ohlcv_trades(bars: Iterable[Bar], venue: str, pair: str, width: int) -> Iterator[PublicTrade]:
    """Four trades per candle that reproduce it (see the module doc)."""
    for bar in bars:
        path = (bar.open, bar.low, bar.high, bar.close) if bar.close >= bar.open \
            else (bar.open, bar.high, bar.low, bar.close)
        times = (bar.start, bar.start + width // 4, bar.start + width // 2, bar.start + width - 1)
        quarter = bar.volume // 4
        sizes = (quarter, quarter, quarter, bar.volume - 3 * quarter)
        for k, (price, ts, size) in enumerate(zip(path, times, sizes, strict=True)):
            yield PublicTrade(
                event_id=f"{venue}:{pair}:ohlcv:{width}:{bar.start}:{k}", venue=venue, pair=pair, ts=ts,
                recv_ts=bar.start + width, trade_id=f"ohlcv:{bar.start}:{k}", price=price, size=size,
                taker_side=None,
            )


def ohlcv_events(bars: Iterable[Bar], venue: str, pair: str, width: int, model: BarFill) -> Iterator[Event]:
    """Per candle: its four trades (``ohlcv_trades``), then the book ``model`` makes of it, if any."""
    for bar in bars:
        yield from ohlcv_trades((bar,), venue, pair, width)
        book = model.book(venue, pair, bar.start, width, bar.high, bar.low, bar.close, bar.volume)
        if book is not None:
            yield book


def records(events: Iterable[Event], topic: str, stats: ImportStats,
            first_offsets: Mapping[int, int] | None = None) -> Iterator[Record]:
    """Encode events as archive records with synthetic coordinates (see the module doc); ``first_offsets``:
    partition -> the next offset, where a resumed backfill goes on writing its topic."""
    codec = default_codec()
    offsets: dict[int, int] = dict(first_offsets or {})
    for event in events:
        venue, pair = getattr(event, "venue", None), getattr(event, "pair", None)
        key = (venue_key(venue, pair) if venue and pair else event.event_id).encode()
        partition = partition_of(VENUE_JOURNAL, key)
        offset = offsets.get(partition, 0)
        offsets[partition] = offset + 1
        received = getattr(event, "recv_ts", event.ts)
        stats.events += 1
        name = type(event).__name__
        stats.by_type[name] = stats.by_type.get(name, 0) + 1
        yield topic, partition, offset, key, codec.encode(event), received // 1000

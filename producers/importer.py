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
says; narrower ones show the four-trade path.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import InvalidOperation
from itertools import pairwise
from pathlib import PurePath

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
    digest = hashlib.sha256("\x00".join([kind, venue, *extra]).encode() + b"\x00" + data).hexdigest()
    return f"import.{venue}.{digest[:12]}"


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
    bars: list[Bar] = []
    for number, row in enumerate(reader, 2):
        if not row or not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) < len(names):
                raise ValueError(f"{len(row)} fields, the header has {len(names)}")
            o, h, lo, c = (_units(row[at[k]], k) for k in ("open", "high", "low", "close"))
            bar = Bar(_timestamp_us(row[at["timestamp"]]), o, h, lo, c, _units(row[at["volume"]], "volume"))
            _check(bar, bars[-1] if bars else None)
        except ValueError as exc:
            raise ImportFailed(f"{name}:{number}: {exc}") from None
        bars.append(bar)
    if not bars:
        raise ImportFailed(f"{name}: no candle rows after the header")
    return bars


def _check(bar: Bar, previous: Bar | None) -> None:
    if min(bar.open, bar.high, bar.low, bar.close) <= 0:
        raise ValueError("prices must be positive")
    if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high:
        raise ValueError("expected low <= open, close <= high")
    if bar.volume < 0:
        raise ValueError("volume is negative")
    if previous is not None and bar.start <= previous.start:
        raise ValueError("timestamps must increase from row to row")


def bar_width(name: str, bars: list[Bar], interval_us: int | None) -> int:
    """The candle width: ``interval_us`` if given, else the smallest step between rows."""
    steps = [b.start - a.start for a, b in pairwise(bars)]
    width = interval_us or (min(steps) if steps else 0)
    if width <= 0:
        raise ImportFailed(f"{name}: one row gives no candle width: pass the interval")
    if width < 1_000_000:
        raise ImportFailed(f"{name}: candle width {width} µs is under a second")
    short = next((s for s in steps if s < width), None)
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
                event_id=f"{venue}:{pair}:ohlcv:{bar.start}:{k}", venue=venue, pair=pair, ts=ts,
                recv_ts=bar.start + width, trade_id=f"ohlcv:{bar.start}:{k}", price=price, size=size,
                taker_side=None,
            )


def records(events: Iterable[Event], topic: str, stats: ImportStats) -> Iterator[Record]:
    """Encode events as archive records with synthetic coordinates (see the module doc)."""
    codec = default_codec()
    offsets: dict[int, int] = {}
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

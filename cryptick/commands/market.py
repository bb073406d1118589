"""``cryptick market``: import recorded market data into the archive, print candles.

Wiring only: the file formats are ``producers.importer``'s, the archive write
is ``streams.archive``'s, the candle rules are ``streams.market``'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from producers.barfill import DEPTH, LEVELS, SPREAD_BPS, BarFill
from producers.importer import (
    ImportFailed,
    ImportStats,
    batches,
    import_topic,
    ohlcv_events,
    overlapping_files,
    plan_import,
    records,
)

app = typer.Typer(help="Market data: import recordings into the archive, candles.", no_args_is_help=True)

BATCH = 50_000
SCALE = 100_000_000
UNITS = {"s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def parse_time(text: str) -> int:
    """A time option as µs since the epoch: ISO 8601 (UTC unless it says) or Unix seconds."""
    value = text.strip()
    try:
        return int(float(value) * 1_000_000) if value.replace(".", "", 1).isdigit() else _iso(value)
    except ValueError:
        raise typer.BadParameter(f"{text!r}: give ISO 8601 (2018-01-01T00:00) or Unix seconds") from None


def _iso(value: str) -> int:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.replace(microsecond=0).timestamp()) * 1_000_000 + moment.microsecond


def parse_interval(text: str) -> int:
    """'1m', '5m', '1h', '1d', '30s' as µs."""
    number, unit = text[:-1], text[-1:]
    if unit not in UNITS or not number.isdigit() or int(number) <= 0:
        raise typer.BadParameter(f"{text!r}: use a count and a unit, e.g. 1m, 5m, 1h, 1d")
    return int(number) * UNITS[unit]


def units(value: int) -> str:
    """Fixed-point units as a decimal string (display only)."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), SCALE)
    return f"{sign}{whole}.{frac:08d}".rstrip("0").rstrip(".")


@dataclass
class Imported:
    """What one file became."""

    topic: str
    venue: str
    stats: ImportStats


SpreadOpt = Annotated[int, typer.Option(help="Bar-fill book of each candle: bid-ask spread in basis points.")]
DepthOpt = Annotated[float, typer.Option(help="Bar-fill book: fraction of the candle's volume on each side.")]
LevelsOpt = Annotated[int, typer.Option(help="Bar-fill book: price levels on each side.")]


def _model(spread_bps: int, depth: float, levels: int) -> BarFill:
    try:
        return BarFill(spread_bps, depth, levels)
    except ValueError as exc:
        _fail(str(exc))
        raise


def import_file(client: Any, path: Path, venue: str | None, pair: str | None, interval_us: int | None,
                kind: str, model: BarFill | None = None) -> Imported:
    """Stream one file through the archive writer in bounded batches, then refresh candles."""
    stats = ImportStats()
    try:
        plan = plan_import(str(path), lambda: _lines(path), venue, pair, interval_us, kind, stats, model)
        write_events(client, plan.events, plan.topic, stats)
    except OSError as exc:
        raise ImportFailed(f"{path}: {exc.strerror or exc}") from None
    return Imported(plan.topic, plan.venue, stats)


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        yield from file


def write_events(client: Any, events: Any, topic: str, stats: ImportStats) -> None:
    """Write events through the archive writer under ``topic``, then refresh their candles."""
    from streams.archive.batch import RawBatch
    from streams.archive.writer import ArchiveWriter
    from streams.market.store import record_import, refresh_candles

    record_import(client, topic)  # where its trades overlap an earlier import's, this one's win
    writer = ArchiveWriter(client)
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for chunk in batches(records(events, topic, stats), BATCH):
        written = writer.write(RawBatch.from_records(chunk))
        for book, (lo, hi) in written.trade_spans.items():
            old = spans.get(book)
            spans[book] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
    refresh_candles(client, spans)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Capture files (<venue>.ws.*) or OHLCV .csv files.")],
    venue: Annotated[str | None, typer.Option(help="Venue (required for CSV; captures: detected).")] = None,
    pair: Annotated[str | None, typer.Option(help="Pair BASE-QUOTE of a CSV file, e.g. BTC-USD.")] = None,
    interval: Annotated[str | None, typer.Option(help="CSV candle width (1m, 1h, 1d); default: "
                                                       "the smallest step between rows.")] = None,
    kind: Annotated[str, typer.Option("--format", help="auto (.csv is OHLCV), capture or ohlcv.")] = "auto",
    spread_bps: SpreadOpt = SPREAD_BPS,
    depth: DepthOpt = DEPTH,
    levels: LevelsOpt = LEVELS,
) -> None:
    """Import recorded captures and OHLCV CSV files into the archive (replayable, in candles).

    OHLCV CSV: header timestamp,open,high,low,close,volume; timestamp = candle
    start as Unix seconds, Unix milliseconds or ISO 8601 (UTC); decimals. Each
    candle also gives a book to backtest against (the bar-fill model: --spread-bps,
    --depth, --levels).
    """
    from cryptick.settings import get_settings
    from streams.archive.clickhouse import get_client

    if kind not in ("auto", "capture", "ohlcv"):
        _fail(f"--format {kind!r}: use auto, capture or ohlcv")
    width = parse_interval(interval) if interval else None
    model = _model(spread_bps, depth, levels)
    ohlcv = [f for f in files if kind == "ohlcv" or (kind == "auto" and f.suffix.lower() == ".csv")]
    if pair and len(ohlcv) > 1:
        try:
            clash = overlapping_files([(str(f), partial(_lines, f)) for f in ohlcv])
        except (ImportFailed, OSError) as exc:
            _fail(str(exc))
            return
        if clash:
            _fail(f"{clash}: with one --pair {pair} they would be merged into one market. Import files of "
                  "different pairs one at a time, each with its own --pair; to replace a file's candles "
                  "with a corrected version, import that file alone (the last import wins)")
            return
    client = get_client(get_settings().dsn)
    for path in files:
        try:
            done = import_file(client, path, venue, pair, width, kind, model)
        except ImportFailed as exc:
            _fail(str(exc))
            return
        counts = ", ".join(f"{n} {k}" for k, n in sorted(done.stats.by_type.items())) or "nothing"
        skipped = f"; {done.stats.skipped} malformed messages skipped" if done.stats.skipped else ""
        typer.echo(f"{path}: {done.stats.events} events ({counts}) from {done.venue} as topic {done.topic}"
                   f"{skipped}")


@app.command()
def backfill(
    pair: Annotated[str, typer.Option(help="Pair BASE-QUOTE, e.g. BTC-USD.")],
    start: Annotated[str, typer.Option(help="First candle: ISO 8601 (UTC) or Unix seconds.")],
    end: Annotated[str, typer.Option(help="End (exclusive): ISO 8601 (UTC) or Unix seconds.")],
    interval: Annotated[str, typer.Option(help="Candle width: 1m, 5m, 15m, 1h, 6h or 1d.")] = "1h",
    venue: Annotated[str, typer.Option(help="Venue (coinbase).")] = "coinbase",
    url: Annotated[str | None, typer.Option(help="Another REST base URL.")] = None,
    rate: Annotated[float, typer.Option(help="Requests per second at most.")] = 3.0,
    spread_bps: SpreadOpt = SPREAD_BPS,
    depth: DepthOpt = DEPTH,
    levels: LevelsOpt = LEVELS,
) -> None:
    """Fetch OHLCV candles over REST (paged, rate-limited) into the archive, as an OHLCV import would."""
    import asyncio

    from cryptick.settings import get_settings
    from producers.exchanges.ohlcv import COINBASE_URL, backfill_coinbase
    from producers.exchanges.rest import RateLimiter, RestClient, RestError
    from streams.archive.clickhouse import get_client

    if venue != "coinbase":
        _fail(f"backfill serves coinbase only for now, not {venue!r}")
    pair = pair.upper()
    model = _model(spread_bps, depth, levels)
    try:
        lo, hi, width = parse_time(start), parse_time(end), parse_interval(interval)
        client = RestClient(RateLimiter(rate, burst=1))
        bars = asyncio.run(backfill_coinbase(client, pair, lo, hi, width // 1_000_000, url or COINBASE_URL))
    except (ValueError, RestError) as exc:
        _fail(str(exc))
        return
    if not bars:
        typer.echo(f"no candles for {venue} {pair} in that range")
        return
    key = f"{pair}:{lo}:{hi}:{width}:" + ",".join(f"{b.start}:{b.close}:{b.volume}" for b in bars)
    # its own prefix, so `market datasets` can tell a backfill from an imported file
    digest = import_topic("backfill", venue, key.encode(), pair, str(width), *model.tag()).split(".", 1)[1]
    topic = f"backfill.{digest}"
    stats = ImportStats()
    write_events(get_client(get_settings().dsn), ohlcv_events(bars, venue, pair, width, model), topic, stats)
    typer.echo(f"{len(bars)} candles of {venue} {pair} ({stats.events} events) as topic {topic}")


@app.command()
def candles(
    venue: Annotated[str, typer.Option(help="Venue, e.g. coinbase.")],
    pair: Annotated[str, typer.Option(help="Pair BASE-QUOTE, e.g. BTC-USD.")],
    start: Annotated[str, typer.Option(help="First bucket start: ISO 8601 (UTC) or Unix seconds.")],
    end: Annotated[str, typer.Option(help="End (exclusive): ISO 8601 (UTC) or Unix seconds.")],
    freq: Annotated[str, typer.Option(help="1m, 5m, 1h, 1d, highest (= 1m) or daily (= 1d).")] = "highest",
    received_before: Annotated[str | None, typer.Option(
        help="Only trades received before this time (no lookahead).")] = None,
) -> None:
    """Print OHLCV candles of a venue and pair."""
    from cryptick.settings import get_settings
    from streams.archive.clickhouse import get_client
    from streams.market.store import candles as query

    try:
        rows = query(get_client(get_settings().dsn), venue, pair, parse_time(start), parse_time(end), freq,
                     parse_time(received_before) if received_before else None)
    except ValueError as exc:
        _fail(str(exc))
        return
    if not rows:
        typer.echo(f"no candles for {venue} {pair} in that range")
        return
    typer.echo("start\topen\thigh\tlow\tclose\tvolume\ttrades")
    for c in rows:
        moment = datetime.fromtimestamp(c.start // 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        typer.echo("\t".join([moment, units(c.open), units(c.high), units(c.low), units(c.close),
                              units(c.volume), str(c.trades)]))


def _utc(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@app.command()
def datasets() -> None:
    """What the archive holds per venue and pair: kind, first and last time, events, where it came from.

    A backtest (``--source archive``) reads each market from the one dataset holding it in its range;
    ``--dataset NAME`` picks one when several do.
    """
    from cryptick.settings import get_settings
    from replay.sources import dataset_summaries
    from streams.archive.clickhouse import get_client

    rows = dataset_summaries(get_client(get_settings().dsn))
    if not rows:
        typer.echo("the archive holds no market data: `cryptick market import FILE` or `cryptick feed`")
        return
    typer.echo("venue\tpair\tkind\tfirst\tlast\tevents\tdataset\tfrom")
    for r in rows:
        typer.echo("\t".join([r.venue, r.pair, ", ".join(r.kinds), _utc(r.first_ts), _utc(r.last_ts),
                              str(r.events), r.dataset, r.origin]))

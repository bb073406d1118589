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

from floor.clickhouse import ClickHouse
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
from schemas.units import parse_time as parse_typed_time

app = typer.Typer(help="Market data: import recordings into the archive, candles.", no_args_is_help=True)

BATCH = 50_000
SCALE = 100_000_000
UNITS = {"s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def parse_time(text: str) -> int:
    """A time option (``schemas.units.parse_time``'s grammar) as µs since the epoch."""
    try:
        return parse_typed_time(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


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


def import_file(client: ClickHouse, path: Path, venue: str | None, pair: str | None, interval_us: int | None,
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


def write_events(client: ClickHouse, events: Any, topic: str, stats: ImportStats,
                 first_offsets: dict[int, int] | None = None) -> None:
    """Write events through the archive writer under ``topic``, then refresh their candles."""
    from streams.archive.batch import RawBatch
    from streams.archive.writer import ArchiveWriter
    from streams.market.store import record_import, refresh_candles

    record_import(client, topic)  # where its trades overlap an earlier import's, this one's win
    writer = ArchiveWriter(client)
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for chunk in batches(records(events, topic, stats, first_offsets), BATCH):
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
    from floor.settings import get_settings
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
    interval: Annotated[str, typer.Option(help="Candle width: 1m, 5m, 15m, 30m, 1h, 6h or 1d.")] = "1h",
    venue: Annotated[str, typer.Option(help="Venue: coinbase, bitfinex, kraken or poloniex.")] = "coinbase",
    url: Annotated[str | None, typer.Option(help="Another REST base URL (a mirror, a test server).")] = None,
    rate: Annotated[float, typer.Option(help="Requests per second at most.")] = 3.0,
    retries: Annotated[int, typer.Option(help="Retries of a failed request (network, rate limit, outage), "
                                              "pausing 1 s, 2 s, 4 s ...")] = 5,
    spread_bps: SpreadOpt = SPREAD_BPS,
    depth: DepthOpt = DEPTH,
    levels: LevelsOpt = LEVELS,
) -> None:
    """Fetch OHLCV candles through ccxt (paged, rate-limited, retried) into the archive, as an OHLCV import.

    Resumable: each page is archived as it arrives, under one topic per venue, pair, width and bar-fill
    model; run the same command again and it goes on after the last candle archived.
    """
    from floor.settings import get_settings
    from producers.exchanges.backfill import BackfillError, Progress, exchange, pages, resume_from
    from streams.archive.clickhouse import get_client

    pair = pair.upper()
    model = _model(spread_bps, depth, levels)
    try:
        lo, hi, width = parse_time(start), parse_time(end), parse_interval(interval)
        ex = exchange(venue, rate, url)
    except (ValueError, BackfillError) as exc:
        _fail(str(exc))
        return
    # one topic per venue, pair, width and model (not per content): a second run resumes it
    digest = import_topic("backfill", venue, b"", pair, str(width), *model.tag()).split(".", 1)[1]
    topic = f"backfill.{digest}"
    client = get_client(get_settings().dsn)
    last, offsets = _archived(client, topic)
    begin = resume_from(lo, width, last)
    if begin >= hi:
        typer.echo(f"{venue} {pair} is archived up to {_utc(hi)} already (topic {topic})")
        return
    if begin > lo:
        typer.echo(f"resuming after the last candle archived, at {_utc(begin)}")
    progress, stats = Progress(), ImportStats()
    try:
        for bars in pages(ex, venue, pair, begin, hi, width // 1_000_000, progress, retries=max(retries, 0)):
            write_events(client, ohlcv_events(bars, venue, pair, width, model), topic, stats, offsets)
            offsets = _archived(client, topic)[1]
    except BackfillError as exc:
        kept = f"; {progress.candles} candles archived, run again to resume" if progress.candles else ""
        _fail(f"{exc}{kept}")
        return
    if not progress.candles:
        typer.echo(f"no candles for {venue} {pair} in that range")
        return
    if progress.first_served is not None and progress.first_served > begin:
        typer.echo(f"{venue} had candles from {_utc(progress.first_served)} only (asked from {_utc(begin)})")
    typer.echo(f"{progress.candles} candles of {venue} {pair} ({stats.events} events, {progress.requests} "
               f"requests, {progress.retries} retried) as topic {topic}")


def _archived(client: ClickHouse, topic: str) -> tuple[int | None, dict[int, int]]:
    """The last candle trade time archived in ``topic`` and, per partition, its next offset."""
    last = client.query("SELECT max(ts), count() FROM archive_public_trade WHERE kafka_topic = {t:String}",
                        parameters={"t": topic}).result_rows
    parts = client.query("SELECT partition, max(offset) + 1 FROM archive_messages WHERE topic = {t:String}"
                         " GROUP BY partition", parameters={"t": topic}).result_rows
    return (int(last[0][0]) if last and last[0][1] else None), {int(p): int(n) for p, n in parts}


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
    from floor.settings import get_settings
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
    from floor.settings import get_settings
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

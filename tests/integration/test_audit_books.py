"""A book as it was at a past instant, and its top over time (``replay.audit.books``), on the archive a
real backtest made, checked against the matching engine itself: the archived ``venue.journal``'s book
events up to each instant, replayed through a fresh ``MatchingEngine``, must leave exactly the levels the
report rebuilt in ClickHouse. The series' points are the book at their instants; bad input is refused
with what to fix, by the function and by ``cryptick audit book``."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from cryptick.cli import app
from replay.audit.books import book_at, book_series
from replay.backtests import Options, prepare, run_backtest
from replay.runs import get_run
from schemas.codec import default_codec
from schemas.events import SCALE, BookDelta, BookSnapshot, Event, Level
from schemas.topics import VENUE_JOURNAL, qualified
from streams.archive.clickhouse import get_client
from streams.matching.engine import MatchingEngine
from streams.money import to_decimal_str

pytestmark = pytest.mark.integration

VENUE, PAIR = "synthetic", "BTC-USD"
START = 1_704_067_200_000_000  # 2024-01-01T00:00Z, µs
MINUTE = 60_000_000


def _journal(client: Any, ns: str) -> list[Event]:
    rows = client.query("SELECT value FROM archive_messages FINAL WHERE topic = {t:String}"
                        " ORDER BY partition, offset", parameters={"t": qualified(VENUE_JOURNAL, ns)},
                        column_formats={"value": "bytes"}).result_rows
    codec = default_codec()
    return [codec.decode(bytes(v)) for (v,) in rows]


def _engine_book(journal: list[Event], at: int, depth: int) -> list[tuple[str, int, str, str]]:
    """The engine's book after the pair's book events stamped at or before ``at``, each once."""
    engine, seen = MatchingEngine(), set()
    for ev in journal:
        if isinstance(ev, BookSnapshot | BookDelta) and (ev.venue, ev.pair) == (VENUE, PAIR) and ev.ts <= at \
                and ev.event_id not in seen:
            seen.add(ev.event_id)
            engine.handle(ev)
    book = engine.book(VENUE, PAIR)
    return [(side, i, to_decimal_str(lv.price), to_decimal_str(lv.size))
            for side in ("bid", "ask") for i, lv in enumerate(book.depth(side, depth), start=1)]


@pytest.fixture(scope="module")
def archive(clickhouse_dsn: str) -> tuple[Any, str, list[Event]]:
    client = get_client(clickhouse_dsn)
    opts = Options("demo", ("synthetic:USD=10000", "synthetic:BTC=1"), "2024-01-01T00:00", "2024-01-01T01:00",
                   ("interval_s=60",), seed=23)
    run_backtest(opts, store=lambda: client)
    run = get_run(client, prepare(opts).run_id)
    assert run is not None
    return client, str(run.namespace), _journal(client, str(run.namespace))


def test_the_book_at_an_instant_is_the_engines_and_the_series_ends_on_it(
    archive: tuple[Any, str, list[Event]],
) -> None:
    client, ns, journal = archive
    stamps = sorted({ev.ts for ev in journal if isinstance(ev, BookSnapshot | BookDelta)})
    assert len(stamps) > 100
    # on an event's own time, just before the next one, between two, and after the last
    instants = [stamps[0], stamps[1] - 1, stamps[len(stamps) // 3], (stamps[200] + stamps[201]) // 2,
                stamps[-1] + 3 * MINUTE]
    for at in instants:
        for depth in (3, 1000):
            got = book_at(client, ns, VENUE, PAIR, at, depth=depth)
            expected = _engine_book(journal, at, depth)
            assert [tuple(r) for r in got.rows] == expected, (at, depth)
            assert got.summary["bid levels shown"] == sum(1 for r in expected if r[0] == "bid")
        folded = [ev for ev in journal if isinstance(ev, BookSnapshot | BookDelta) and ev.ts <= at]
        assert got.summary["version event"] == folded[-1].event_id
    assert len(book_at(client, ns, VENUE, PAIR, stamps[-1], depth=1000).rows) > 20  # a deep book was checked

    end = START + 30 * MINUTE + 17_000_000  # not on an interval's end: the last one ends at ``end``
    series = book_series(client, ns, VENUE, PAIR, START, end, MINUTE, levels=10)
    assert len(series.rows) == 31
    last = series.as_dicts()[-1]
    assert _micros(last["time"]) == end
    at_end = book_at(client, ns, VENUE, PAIR, end, depth=10)
    bids = [Decimal(r[2]) for r in at_end.rows if r[0] == "bid"]
    asks = [Decimal(r[2]) for r in at_end.rows if r[0] == "ask"]
    assert Decimal(last["best bid"]) == bids[0] and Decimal(last["best ask"]) == asks[0]
    assert Decimal(last["mid"]) == (bids[0] + asks[0]) / 2 and Decimal(last["spread"]) == asks[0] - bids[0]
    assert Decimal(last["bid depth"]) == sum(Decimal(r[3]) for r in at_end.rows if r[0] == "bid")
    assert Decimal(last["ask depth"]) == sum(Decimal(r[3]) for r in at_end.rows if r[0] == "ask")
    assert last["version"] == at_end.summary["version"]
    for row in series.as_dicts()[::7]:  # every point is the book at its instant
        point = book_at(client, ns, VENUE, PAIR, int(Decimal(_micros(row["time"]))), depth=1)
        assert [row["best bid"], row["best ask"]] == [r[2] for r in point.rows]


def test_a_later_snapshot_replaces_the_book(archive: tuple[Any, str, list[Event]]) -> None:
    """A copy of the namespace with a snapshot planted mid-way (some levels of the book then, resized,
    the rest gone): the book after it is the engine's, which loads the same snapshot at the same place."""
    client, ns, journal = archive
    src, copy = qualified(VENUE_JOURNAL, ns), qualified(VENUE_JOURNAL, f"{ns}-snap")
    for table in ("archive_book_delta", "archive_book_snapshot"):  # offsets doubled: room for the plant
        client.command(f"INSERT INTO {table} SELECT * REPLACE ({{to:String}} AS kafka_topic, kafka_offset * 2"
                       f" AS kafka_offset) FROM (SELECT * FROM {table} FINAL"
                       "  WHERE kafka_topic = {src:String})",
                       parameters={"src": src, "to": copy})
    rows = client.query("SELECT kafka_partition, kafka_offset, event_id FROM archive_book_delta FINAL"
                        " WHERE kafka_topic = {t:String} AND pair = {p:String} ORDER BY kafka_offset",
                        parameters={"t": src, "p": PAIR}).result_rows
    part, off, after_id = rows[len(rows) // 2]
    books = [ev for ev in journal if isinstance(ev, BookSnapshot | BookDelta)]
    place = next(i for i, ev in enumerate(books) if ev.event_id == after_id) + 1
    then = _engine_book(journal, books[place - 1].ts, 1000)
    bids = [Level(int(Decimal(p) * SCALE), int(Decimal(n) * SCALE) + 1) for s, i, p, n in then
            if s == "bid" and i % 2]
    asks = [Level(int(Decimal(p) * SCALE), 7) for s, i, p, n in then if s == "ask" and i <= 3]
    planted = BookSnapshot("planted-snapshot", VENUE, PAIR, books[place - 1].ts, books[place - 1].ts, None,
                           bids, asks)
    client.insert("archive_book_snapshot",
                  [[copy, part, off * 2 + 1, planted.event_id, VENUE, PAIR, planted.ts, planted.ts, None,
                    [(lv.price, lv.size) for lv in bids], [(lv.price, lv.size) for lv in asks], None]],
                  column_names=["kafka_topic", "kafka_partition", "kafka_offset", "event_id", "venue", "pair",
                                "ts", "recv_ts", "seq", "bids", "asks", "derived_from"])
    edited = [*books[:place], planted, *books[place:]]
    at = planted.ts
    got = book_at(client, f"{ns}-snap", VENUE, PAIR, at, depth=1000)
    assert got.summary["version event"] == "planted-snapshot" or books[place].ts == at
    assert [tuple(r) for r in got.rows] == _engine_book(edited, at, 1000)
    assert len(got.rows) == len(bids) + len(asks) and len(got.rows) < len(then)  # the rest is gone
    for later in (at + 1, books[place + 5].ts, books[-1].ts):
        assert [tuple(r) for r in book_at(client, f"{ns}-snap", VENUE, PAIR, later, depth=1000).rows] \
            == _engine_book(edited, later, 1000)
    series = book_series(client, f"{ns}-snap", VENUE, PAIR, at - 5 * MINUTE, at + 5 * MINUTE, MINUTE)
    middle = series.as_dicts()[4]  # its instant is ``at``
    assert _micros(middle["time"]) == at and middle["best ask"] == to_decimal_str(asks[0].price)
    assert Decimal(middle["ask depth"]) == Decimal(7 * len(asks)) / SCALE


def _micros(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1_000_000)


def test_bad_input_is_refused_with_what_to_fix(archive: tuple[Any, str, list[Event]]) -> None:
    client, ns, journal = archive
    with pytest.raises(LookupError, match="no book of synthetic DOGE-USD in the archive"):
        book_at(client, ns, VENUE, "DOGE-USD", START + MINUTE)
    with pytest.raises(LookupError, match=r"its first book event .* is at 2024-01-01T00:00"):
        book_at(client, ns, VENUE, PAIR, START - MINUTE)
    with pytest.raises(ValueError, match=r"until .* must be after since"):
        book_series(client, ns, VENUE, PAIR, START, START, MINUTE)
    with pytest.raises(ValueError, match="at most 10,000 a request"):
        book_series(client, ns, VENUE, PAIR, START, START + 20_000 * MINUTE, MINUTE)

    runner = CliRunner()
    base = ["audit", "book", "--venue", VENUE, "--pair", PAIR, "--namespace", ns]
    shown = runner.invoke(app, [*base, "--at", "2024-01-01T00:20:00Z", "--depth", "2", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.stdout)
    expected = _engine_book(journal, START + 20 * MINUTE, 2)
    assert [tuple(r.values()) for r in body["rows"]] == [tuple(str(x) if not isinstance(x, int) else x
                                                              for x in e) for e in expected]
    bad = runner.invoke(app, [*base, "--at", "yesterday-ish"])
    assert bad.exit_code == 2 and "--at" in bad.output, bad.output
    early = runner.invoke(app, [*base, "--at", "2023-12-31T23:00:00Z"])
    assert early.exit_code == 2 and "its first book event" in early.output, early.output
    unknown = runner.invoke(app, [*base[:5], "DOGE-USD", *base[6:], "--at", "2024-01-01T00:20:00Z"])
    assert unknown.exit_code == 2 and "no book of synthetic DOGE-USD" in unknown.output, unknown.output
    span = ["audit", "book-series", "--venue", VENUE, "--pair", PAIR, "--namespace", ns,
            "--since", "2024-01-01T00:00", "--until", "2024-01-01T00:10"]
    series = runner.invoke(app, [*span, "--every", "5m", "--format", "csv"])
    assert series.exit_code == 0, series.output
    assert series.stdout.splitlines()[0].startswith("time,best bid,best ask,mid,spread")
    assert len(series.stdout.splitlines()) == 3
    wrong = runner.invoke(app, [*span, "--every", "5x"])
    assert wrong.exit_code == 2 and "use a count and a unit" in wrong.output, wrong.output

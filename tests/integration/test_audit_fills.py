"""The no-double-fill proof (``replay.audit.fills``) on archives real backtests made: a HODL run (market
orders walking the book: taker fills) and a demo run (resting quotes: maker fills from prints and from
the book crossing them). It is checked against the matching engine itself, replayed on the archived
``venue.journal``: the fills that consumed book liquidity are the ones the engine recorded as consumed.
Then violations are planted in a copy of a namespace's rows and must be found with their fills' ids."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from cryptick.cli import app
from replay.audit.fills import no_double_fill
from replay.backtests import Options, prepare, run_backtest
from replay.runs import get_run
from schemas.codec import default_codec
from schemas.events import Event, OrderAccepted, OrderFilled
from schemas.topics import VENUE_EVENTS, VENUE_JOURNAL, qualified
from streams.archive.clickhouse import get_client
from streams.matching.book import ASK, BID, L2Book
from streams.matching.engine import MatchingEngine
from streams.money import to_decimal_str

pytestmark = pytest.mark.integration

_VENUE_TABLES = ("archive_book_delta", "archive_book_snapshot", "archive_public_trade",
                 "archive_order_accepted", "archive_order_filled")


@dataclass
class Replayed:
    """A backtest's namespace, its fills, and what the engine consumed, replayed from its journal."""

    namespace: str
    fills: list[OrderFilled]
    consuming: list[str]  # fill ids whose size the engine recorded as consumed
    after_accept: dict[str, tuple[int, int, int, int]]  # order id -> (offset, side, displayed, consumed) at
    # its last fill's level, right after the engine applied its acceptance


def _decoded(client: Any, topic: str) -> list[tuple[int, Event]]:
    rows = client.query(
        "SELECT offset, value FROM archive_messages FINAL WHERE topic = {t:String}"
        " ORDER BY partition, offset",
        parameters={"t": topic}, column_formats={"value": "bytes"},
    ).result_rows
    codec = default_codec()
    return [(int(o), codec.decode(bytes(v))) for o, v in rows]


def _replay(client: Any, ns: str) -> Replayed:
    """Run the archived venue.journal through a fresh engine, recording each consume() it makes."""
    engine = MatchingEngine()
    consumed_calls: list[tuple[int, int, int]] = []
    original = L2Book.consume

    def spy(book: L2Book, side: int, price: int, size: int) -> None:
        consumed_calls.append((side, price, size))
        original(book, side, price, size)

    replayed: list[OrderFilled] = []
    consuming: list[str] = []
    after_accept: dict[str, tuple[int, int, int, int]] = {}
    L2Book.consume = spy  # type: ignore[method-assign,assignment]
    try:
        for offset, ev in _decoded(client, qualified(VENUE_JOURNAL, ns)):
            consumed_calls.clear()
            out = [e for e in engine.handle(ev) if isinstance(e, OrderFilled)]
            i = 0  # consume() follows its fill, in order, for the fills that take from the book
            for f in out:
                side = ASK if f.side == "buy" else BID
                if i < len(consumed_calls) and consumed_calls[i] == (side, f.level_price, f.size):
                    consuming.append(f.event_id)
                    i += 1
            assert i == len(consumed_calls)
            replayed.extend(out)
            if isinstance(ev, OrderAccepted) and out:
                last = out[-1]
                side = ASK if last.side == "buy" else BID
                book = engine.book(last.venue, last.pair)
                after_accept[ev.order_id] = (offset, side, book.displayed(side, last.level_price),
                                             book.consumed[side].get(last.level_price, 0))
    finally:
        L2Book.consume = original  # type: ignore[method-assign]
    archived = [e for _, e in _decoded(client, qualified(VENUE_EVENTS, ns)) if isinstance(e, OrderFilled)]
    assert [(f.event_id, f.size, f.level_price) for f in replayed] == [
        (f.event_id, f.size, f.level_price) for f in archived]  # the replay is the run
    return Replayed(ns, archived, consuming, after_accept)


def _backtest(client: Any, strategy: str, params: tuple[str, ...]) -> str:
    opts = Options(strategy, ("synthetic:USD=10000", "synthetic:BTC=1"), "2024-01-01T00:00",
                   "2024-01-01T01:00", params, seed=17)
    run_backtest(opts, store=lambda: client)
    run = get_run(client, prepare(opts).run_id)
    assert run is not None
    return str(run.namespace)


@pytest.fixture(scope="module")
def runs(clickhouse_dsn: str) -> tuple[Any, Replayed, Replayed]:
    client = get_client(clickhouse_dsn)
    takers = _replay(client, _backtest(client, "hodl", ()))
    makers = _replay(client, _backtest(client, "demo", ("interval_s=60",)))
    return client, takers, makers


def test_a_clean_run_has_no_double_fill_and_every_consuming_fill_is_checked(
    runs: tuple[Any, Replayed, Replayed],
) -> None:
    client, takers, makers = runs
    for run in (takers, makers):
        started = time.perf_counter()
        proof = no_double_fill(client, run.namespace)
        print(f"{run.namespace}: proof in {time.perf_counter() - started:.3f} s: {proof.summary}")
        assert not proof.rows and proof.summary["verdict"] == "no double fill"
        assert proof.summary["fills checked"] == len(run.fills)
        # the fills the proof counts as consuming are exactly those the engine consumed for
        assert proof.summary["consuming fills"] == len(run.consuming) > 0
        assert proof.summary["levels checked"] > 0 and proof.summary["book versions checked"] > 0
    assert all(f.liquidity == "taker" for f in takers.fills)
    assert any(f.level_price == f.price for f in makers.fills if f.event_id not in makers.consuming)
    assert any(f.level_price != f.price for f in makers.fills if f.event_id in makers.consuming)
    pair = takers.fills[0].pair
    one = no_double_fill(client, takers.namespace, venue=takers.fills[0].venue, pair=pair)
    assert one.summary["fills checked"] == len(takers.fills)
    assert no_double_fill(client, takers.namespace, pair="NOPE-USD").summary["fills checked"] == 0
    later = no_double_fill(client, takers.namespace, since_us=max(f.ts for f in takers.fills) + 1)
    assert later.summary["fills checked"] == 0 and not later.rows


def _copy(client: Any, namespace: str, to: str) -> None:
    """The namespace's venue rows under another namespace, offsets x10 to leave room for planted ones."""
    for table in _VENUE_TABLES:
        client.command(
            f"INSERT INTO {table} SELECT * REPLACE (replaceOne(kafka_topic, {{ns:String}}, {{to:String}})"
            f" AS kafka_topic, kafka_offset * 10 AS kafka_offset) FROM (SELECT * FROM {table} FINAL"
            "  WHERE startsWith(kafka_topic, {prefix:String}))",
            parameters={"ns": namespace, "to": to, "prefix": f"{namespace}."},
        )


def _plant(client: Any, table: str, topic: str, event_id: str, replace: str) -> None:
    client.command(
        f"INSERT INTO {table} SELECT * REPLACE ({replace}) FROM (SELECT * FROM {table} FINAL"
        " WHERE kafka_topic = {t:String} AND event_id = {e:String})",
        parameters={"t": topic, "e": event_id},
    )


def test_a_planted_double_fill_is_found_with_both_fills(runs: tuple[Any, Replayed, Replayed]) -> None:
    client, takers, _ = runs
    by_order: dict[str, list[OrderFilled]] = {}
    for f in takers.fills:
        by_order.setdefault(f.order_id, []).append(f)
    # a fill that is not its order's last took all that was available at its level
    twice = next(fs[0] for fs in by_order.values() if len(fs) > 1)
    planted = f"{takers.namespace}-twice"
    _copy(client, takers.namespace, planted)
    assert not no_double_fill(client, planted).rows  # the copy itself is whole
    _plant(client, "archive_order_filled", qualified(VENUE_EVENTS, planted), twice.event_id,
           "concat(event_id, ':again') AS event_id, kafka_offset + 1000000 AS kafka_offset")
    found = no_double_fill(client, planted)
    assert found.summary["verdict"].startswith("DOUBLE FILL") and found.summary["violations"] == 1
    (row,) = found.rows
    assert row[3] == ("ask" if twice.side == "buy" else "bid") and row[4] == to_decimal_str(twice.level_price)
    assert row[7].split(", ")[-2:] == [twice.event_id, f"{twice.event_id}:again"]
    assert Decimal(row[6]) > Decimal(row[5])
    said = CliRunner().invoke(app, ["audit", "fills", "--namespace", planted, "--format", "csv"])
    assert said.exit_code == 1 and f"{twice.event_id}:again" in said.output
    clean = CliRunner().invoke(app, ["audit", "fills", "--namespace", takers.namespace])
    assert clean.exit_code == 0 and "verdict: no double fill" in clean.output, clean.output


def test_a_fill_over_what_a_shrunk_level_shows_is_found(runs: tuple[Any, Replayed, Replayed]) -> None:
    """After an order's last fill at a level (partly consumed), a delta shrinks the level by more than
    was consumed (which works all of it off, but leaves less displayed), then a new order takes what was
    available before the shrink. Without the delta that fill would be fine; with it, it over-consumes."""
    client, takers, _ = runs
    last = next(f for f in reversed(takers.fills)
                if f.event_id in takers.consuming
                and (s := takers.after_accept[f.order_id])[2] > s[3] + 1)
    offset, side, displayed, used = takers.after_accept[last.order_id]
    accept, part = client.query(
        "SELECT event_id, kafka_partition FROM archive_order_accepted FINAL WHERE kafka_topic = {t:String}"
        " AND order_id = {o:String}",
        parameters={"t": qualified(VENUE_JOURNAL, takers.namespace), "o": last.order_id}).result_rows[0]
    for with_shrink in (False, True):
        planted = f"{takers.namespace}-shrunk{int(with_shrink)}"
        _copy(client, takers.namespace, planted)
        if with_shrink:  # just after the acceptance, the level loses more than was consumed
            client.command(
                "INSERT INTO archive_book_delta (kafka_topic, kafka_partition, kafka_offset, event_id, venue,"
                " pair, ts, recv_ts, seq, changes) SELECT {t:String}, {part:UInt16}, {off:UInt64},"
                " 'planted-shrink', {v:String}, {p:String}, {ts:Int64}, {ts:Int64}, NULL,"
                " [({s:String}, {lp:Int64}, {n:Int64})]",
                parameters={"t": qualified(VENUE_JOURNAL, planted), "part": part, "off": offset * 10 + 5,
                            "v": last.venue, "p": last.pair, "ts": last.ts,
                            "s": "ask" if side == ASK else "bid", "lp": last.level_price,
                            "n": displayed - used - 1})
        # then another order is accepted and takes what was available before the shrink
        _plant(client, "archive_order_accepted", qualified(VENUE_JOURNAL, planted), accept,
               "'planted-order' AS order_id, 'planted-accept' AS event_id,"
               f" {offset * 10 + 6} AS kafka_offset")
        _plant(client, "archive_order_filled", qualified(VENUE_EVENTS, planted), last.event_id,
               "'planted-order' AS order_id, 'planted-order:fill:1' AS event_id,"
               f" {displayed - used} AS size, kafka_offset + 1000000 AS kafka_offset")
        found = no_double_fill(client, planted)
        if not with_shrink:
            assert not found.rows, found.to_text()
            continue
        (row,) = found.rows
        assert row[4] == to_decimal_str(last.level_price) and row[7] == "planted-order:fill:1"
        assert row[5] == to_decimal_str(displayed - used - 1) and row[6] == to_decimal_str(displayed - used)


@pytest.mark.parametrize("strategy", ["hodl", "demo"])
def test_backtests_on_a_real_exchange_capture_have_no_double_fill(clickhouse_dsn: str, strategy: str) -> None:
    """The Coinbase L2 capture: real deltas (several at one instant), real prints, real crossings."""
    from dataclasses import replace

    from cryptick.commands.backtest import run_backtest as run_stored
    from tests.integration.test_backtest_on_captures import DEMO, HODL, imported_topics

    client = get_client(clickhouse_dsn)
    _, book = imported_topics()
    opts = HODL if strategy == "hodl" else DEMO
    report, _ = run_stored(replace(opts, datasets=(book,)), show_progress=False, store=lambda: client)
    run = get_run(client, report.run_id)
    assert run is not None
    replayed = _replay(client, run.namespace)
    proof = no_double_fill(client, run.namespace)
    print(f"{strategy} on the capture: {proof.summary}")
    assert not proof.rows and proof.summary["fills checked"] == len(replayed.fills) > 0
    assert proof.summary["consuming fills"] == len(replayed.consuming) > 0

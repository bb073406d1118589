"""Audit reports (``replay.audit``, ``cryptick audit``) on an archive a real run made: a backtest of the
demo strategy stored through ``RunArchive`` (raw and typed tables, as the archive sink writes a live
namespace). Each report is checked against the engines' own events, decoded from the raw messages —
another path than the typed tables the reports read."""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cryptick.cli import app
from replay.audit.fees import fees_and_turnover
from replay.audit.ledger import ledger_conservation
from replay.audit.trails import order_trail, run_timeline
from replay.audit.who import who_did_what
from replay.backtests import Options, prepare, run_backtest
from replay.runs import get_run
from schemas.codec import default_codec
from schemas.events import COMMAND_TYPES, Event, OrderFilled, OrderRequested, WalletMovement
from schemas.topics import LEDGER_EVENTS, LEDGER_JOURNAL, STRATEGY_JOURNAL, VENUE_EVENTS, qualified
from streams.archive.clickhouse import get_client
from streams.money import notional, to_decimal_str

pytestmark = pytest.mark.integration


@dataclass
class Archived:
    client: Any
    run_id: str
    namespace: str
    fills: list[OrderFilled]
    orders: list[OrderRequested]
    postings: list[WalletMovement]


def _decoded(client: Any, topic: str) -> list[Event]:
    rows = client.query(
        "SELECT value FROM archive_messages FINAL WHERE topic = {t:String} ORDER BY partition, offset",
        parameters={"t": topic},
        column_formats={"value": "bytes"},
    ).result_rows
    codec = default_codec()
    return [codec.decode(bytes(v)) for (v,) in rows]


@pytest.fixture(scope="module")
def archived(clickhouse_dsn: str) -> Archived:
    client = get_client(clickhouse_dsn)
    opts = Options(
        "demo",
        ("synthetic:USD=10000", "synthetic:BTC=1"),
        "2024-01-01T00:00",
        "2024-01-01T01:00",
        ("interval_s=60",),
        seed=11,
    )
    report, _ = run_backtest(opts, store=lambda: client)
    run = get_run(client, prepare(opts).run_id)
    assert run is not None
    ns = run.namespace
    fills = [e for e in _decoded(client, qualified(VENUE_EVENTS, ns)) if isinstance(e, OrderFilled)]
    orders = [e for e in _decoded(client, qualified(LEDGER_JOURNAL, ns)) if isinstance(e, OrderRequested)]
    postings = [e for e in _decoded(client, qualified(LEDGER_EVENTS, ns)) if isinstance(e, WalletMovement)]
    assert fills and len(orders) == report.orders and len(fills) == report.fills
    return Archived(client, run.run_id, ns, fills, orders, postings)


def test_an_order_trail_has_its_request_hold_fills_with_levels_postings_release_and_end(
    archived: Archived,
) -> None:
    filled = Counter(f.order_id for f in archived.fills)
    order_id = max(filled, key=lambda o: (filled[o], o))  # the most filled order
    trail = order_trail(archived.client, None, order_id)  # its namespace is found from the id
    events = [r[1] for r in trail.rows]
    assert events[0] == "OrderRequested" and trail.rows[0][2] == f"run:{archived.run_id}"
    assert events[1:3] == ["FundsHeld", "OrderAccepted"] and events[-1] == "OrderDone"
    fills = [f for f in archived.fills if f.order_id == order_id]
    shown = [r for r in trail.rows if r[1] == "OrderFilled"]
    assert [r[4] for r in shown] == [f.event_id for f in fills] and trail.summary["fills"] == len(fills)
    for f, r in zip(fills, shown, strict=True):
        assert f"book level {to_decimal_str(f.level_price)}" in r[3] and to_decimal_str(f.size) in r[3]
    postings = {r[4] for r in trail.rows if r[1] == "WalletMovement"}
    assert postings == {p.event_id for p in archived.postings if p.cause_id.startswith(f"{order_id}:")}
    assert postings >= {f"{f.event_id}:settle" for f in fills}
    assert len({r[4] for r in trail.rows}) == len(trail.rows)  # each event once, though routed to 3 topics
    with pytest.raises(LookupError, match="no order nope"):
        order_trail(archived.client, None, "nope")


def test_a_run_timeline_tells_its_life_in_order_with_who_started_and_stopped_it(archived: Archived) -> None:
    t = run_timeline(archived.client, archived.namespace, archived.run_id)
    events = [r[1] for r in t.rows]
    assert events[0] == "StartRun" and t.rows[0][2] == "backtest"
    assert "WalletSetCreated" in events and "MarketSubscription" in events
    assert events.index("StopRun") > max(i for i, e in enumerate(events) if e == "OrderRequested")
    stop = events.index("StopRun")
    assert "RunStateChanged" in events[stop:] and events[-1] != "StopRun"  # what the stop made happen
    assert t.summary["orders"] == len(archived.orders) and t.summary["fills"] == len(archived.fills)
    assert [r[0] for r in t.rows] == sorted(r[0] for r in t.rows)  # in time


def test_who_did_what_counts_every_command_by_its_principal(archived: Archived) -> None:
    who = who_did_what(archived.client, archived.namespace)
    commands = [
        e
        for topic in (LEDGER_JOURNAL, STRATEGY_JOURNAL)
        for e in _decoded(archived.client, qualified(topic, archived.namespace))
        if type(e) in COMMAND_TYPES
    ]
    assert Counter(r[1] for r in who.rows) == Counter(e.principal for e in commands)
    assert sorted(r[6] for r in who.rows) == sorted(e.event_id for e in commands)
    by_run = Counter(r[2] for r in who.rows if r[1] == f"run:{archived.run_id}")
    assert by_run["order"] == len(archived.orders)
    assert {r[2] for r in who.rows if r[1] == "backtest"} >= {"start run", "stop run", "deposit"}
    times = [r[0] for r in who.rows]
    assert times == sorted(times, reverse=True)
    only_orders = who_did_what(archived.client, archived.namespace, action="order", limit=5)
    assert len(only_orders.rows) == 5 and {r[2] for r in only_orders.rows} == {"order"}
    assert "newest 5 only" in only_orders.summary["note"]
    assert not who_did_what(archived.client, archived.namespace, principal="mallory").rows


def test_fees_and_turnover_are_the_fills_summed_exactly(archived: Archived) -> None:
    t = fees_and_turnover(archived.client, archived.namespace, by=("run", "pair"))
    assert t.summary["fills"] == len(archived.fills)
    assert t.summary["fees USD"] == to_decimal_str(sum(f.fee for f in archived.fills))
    assert t.summary["turnover USD"] == to_decimal_str(sum(notional(f.price, f.size) for f in archived.fills))
    assert [r[:2] for r in t.rows] == [(archived.run_id, "BTC-USD")]
    with pytest.raises(ValueError, match="choose from"):
        fees_and_turnover(archived.client, archived.namespace, by=("hour",))


def test_the_cli_prints_and_exports_the_reports(archived: Archived, tmp_path: Any) -> None:
    runner = CliRunner()
    order_id = archived.fills[0].order_id
    shown = runner.invoke(app, ["audit", "order", order_id])
    assert shown.exit_code == 0, shown.output
    assert f"Order {order_id}" in shown.output and "OrderFilled" in shown.output and "fills: " in shown.output
    as_json = runner.invoke(
        app, ["audit", "who", "--run", archived.run_id, "--format", "json", "--limit", "3"]
    )
    assert as_json.exit_code == 0, as_json.output
    assert len(json.loads(as_json.output)["rows"]) == 3
    out = tmp_path / "fees.parquet"
    done = runner.invoke(
        app, ["audit", "fees", "--run", archived.run_id, "--format", "parquet", "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    table = pq.read_table(io.BytesIO(out.read_bytes()))
    assert table.column("fills").to_pylist() == [len(archived.fills)]
    csv = runner.invoke(app, ["audit", "run", archived.run_id, "--format", "csv"])
    assert csv.exit_code == 0 and csv.output.splitlines()[0] == "time,event,who,what,event_id,at,logged"
    proven = runner.invoke(app, ["audit", "ledger", "--run", archived.run_id])
    assert proven.exit_code == 0 and "verdict: conserved" in proven.output, proven.output
    none = runner.invoke(app, ["audit", "refused", "--run", archived.run_id, "--kind", "orders"])
    assert none.exit_code == 0 and "refusals: 0" in none.output, none.output
    wrong = runner.invoke(app, ["audit", "refused", "--run", archived.run_id, "--kind", "oops"])
    assert wrong.exit_code == 2 and "choose from" in wrong.output
    missing = runner.invoke(app, ["audit", "order", "nope"])
    assert missing.exit_code == 2 and "no order nope" in missing.output


def _copy(client: Any, namespace: str, to: str) -> None:
    """The namespace's typed ledger and venue rows under another namespace, to plant violations in."""
    for table in (
        "archive_wallet_movement",
        "archive_funds_held",
        "archive_hold_released",
        "archive_deposit_funds",
        "archive_withdraw_funds",
        "archive_order_filled",
        "archive_command_rejected",
    ):
        client.command(
            f"INSERT INTO {table} SELECT * REPLACE (replaceOne(kafka_topic, {{ns:String}},"
            f" {{to:String}}) AS kafka_topic) FROM (SELECT * FROM {table} FINAL"
            "  WHERE startsWith(kafka_topic, {prefix:String}))",
            parameters={"ns": namespace, "to": to, "prefix": f"{namespace}."},
        )


def _plant(client: Any, topic: str, event_id: str, replace: str) -> None:
    """A copy of the posting ``event_id`` with ``replace`` (``expression AS column, ...``) applied."""
    client.command(
        "INSERT INTO archive_wallet_movement SELECT * REPLACE (" + replace + ") FROM (SELECT * FROM"
        " archive_wallet_movement FINAL WHERE kafka_topic = {t:String} AND event_id = {e:String})",
        parameters={"t": topic, "e": event_id},
    )


def test_the_ledger_is_conserved_and_planted_breaks_are_found_with_their_ids(archived: Archived) -> None:
    client, ns = archived.client, archived.namespace
    ok = ledger_conservation(client, ns)
    assert not ok.rows and ok.summary["verdict"] == "conserved"
    assert ok.summary["postings checked"] == len({p.event_id for p in archived.postings})
    assert ok.summary["instants checked"] > 0

    planted = f"{ns}-planted"
    _copy(client, ns, planted)
    copied = ledger_conservation(client, planted)  # the copy itself is whole
    assert not copied.rows and copied.summary["postings checked"] == ok.summary["postings checked"]
    settle = next(p for p in archived.postings if p.event_id.endswith(":settle"))
    fee = next(p for p in archived.postings if p.event_id.endswith(":fee"))
    wm = qualified(LEDGER_EVENTS, planted)
    # a fill settled twice (its posting again under another id), and a fee posting with one leg changed
    _plant(
        client,
        wm,
        settle.event_id,
        "concat(event_id, ':again') AS event_id, kafka_offset + 1000000 AS kafka_offset",
    )
    _plant(
        client,
        wm,
        fee.event_id,
        "concat(event_id, ':bent') AS event_id, kafka_offset + 2000000 AS "
        "kafka_offset, arrayMap((l, i) -> if(i = 1, tuple(l.1, l.2, l.3, l.4, l.5 - 1), l), legs, "
        "arrayEnumerate(legs)) AS legs",
    )
    broken = ledger_conservation(client, planted)
    assert broken.summary["verdict"].startswith("BROKEN")
    assert broken.summary["unbalanced postings"] == 1
    unbalanced = [r for r in broken.rows if r[1] == "posting balances"]
    assert unbalanced[0][9].startswith(f"{fee.event_id}:bent")
    breaks = [r for r in broken.rows if r[1] == "conservation"]
    assert breaks and any(f"{settle.event_id}:again" in r[9] for r in breaks)
    assert any(f"{fee.event_id}:bent" in r[9] for r in breaks)
    # a hold larger than what was available: the wallet's available balance goes negative
    client.command(
        "INSERT INTO archive_funds_held SELECT * REPLACE (concat(event_id, ':big') AS event_id,"
        " amount + 100000000000000 AS amount) FROM (SELECT * FROM archive_funds_held FINAL"
        " WHERE kafka_topic = {t:String} ORDER BY kafka_offset LIMIT 1)",
        parameters={"t": wm},
    )
    negative = [r for r in ledger_conservation(client, planted).rows if r[1] == "never negative"]
    assert negative and negative[0][9].endswith(":big") and negative[0][5].endswith(" available")
    said = CliRunner().invoke(app, ["audit", "ledger", "--namespace", planted, "--format", "csv"])
    assert said.exit_code == 1 and ":again" in said.output and ":big" in said.output

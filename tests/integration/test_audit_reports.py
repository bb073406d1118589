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
    rows = client.query("SELECT value FROM archive_messages FINAL WHERE topic = {t:String}"
                        " ORDER BY partition, offset", parameters={"t": topic},
                        column_formats={"value": "bytes"}).result_rows
    codec = default_codec()
    return [codec.decode(bytes(v)) for (v,) in rows]


@pytest.fixture(scope="module")
def archived(clickhouse_dsn: str) -> Archived:
    client = get_client(clickhouse_dsn)
    opts = Options("demo", ("synthetic:USD=10000", "synthetic:BTC=1"), "2024-01-01T00:00",
                   "2024-01-01T01:00", ("interval_s=60",), seed=11)
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
        archived: Archived) -> None:
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
    commands = [e for topic in (LEDGER_JOURNAL, STRATEGY_JOURNAL)
                for e in _decoded(archived.client, qualified(topic, archived.namespace))
                if type(e) in COMMAND_TYPES]
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
    as_json = runner.invoke(app, ["audit", "who", "--run", archived.run_id, "--format", "json",
                                  "--limit", "3"])
    assert as_json.exit_code == 0, as_json.output
    assert len(json.loads(as_json.output)["rows"]) == 3
    out = tmp_path / "fees.parquet"
    done = runner.invoke(app, ["audit", "fees", "--run", archived.run_id, "--format", "parquet",
                               "-o", str(out)])
    assert done.exit_code == 0, done.output
    table = pq.read_table(io.BytesIO(out.read_bytes()))
    assert table.column("fills").to_pylist() == [len(archived.fills)]
    csv = runner.invoke(app, ["audit", "run", archived.run_id, "--format", "csv"])
    assert csv.exit_code == 0 and csv.output.splitlines()[0] == "time,event,who,what,event_id,at"
    missing = runner.invoke(app, ["audit", "order", "nope"])
    assert missing.exit_code == 2 and "no order nope" in missing.output

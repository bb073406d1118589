"""Commands' principals in the archive: an archive made before the field gains the column (old rows read
``''``), a new command's principal lands in its typed table, and the README's audit query answers who did
what, when.

Each test has a database of its own in the session's archive: its tables are made as an archive made before
``principal`` existed had them, then opened as ``get_client`` opens an archive (every DDL statement)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import clickhouse_connect
import pytest
from fastavro import parse_schema, schemaless_writer

from schemas.codec import MARKER, RELEASED_DIR, default_codec, fingerprint
from schemas.events import (
    COMMAND_TYPES,
    SCALE,
    Allocation,
    CancelRequested,
    ControlMessage,
    CreateWalletSet,
    DeactivateWalletSet,
    DepositFunds,
    Event,
    OrderRequested,
    StartRun,
    StopRun,
)
from schemas.topics import LEDGER_JOURNAL, STRATEGY_EVENTS, STRATEGY_JOURNAL, VENUE_JOURNAL
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import ddl_statements, get_client
from streams.archive.tables import specs
from streams.archive.writer import ArchiveWriter

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"
TABLES = {specs()[cls.__name__].name for cls in COMMAND_TYPES}
T = 1_700_000_000_000_000  # event time
K = 1_700_000_000_000  # the broker's time (ms)


def before_principal() -> list[str]:
    """The DDL as it was before ``principal``: the command tables without the column, no ALTER adding it."""
    old = []
    for statement in ddl_statements():
        if "ADD COLUMN IF NOT EXISTS principal " in statement:
            continue
        made = re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", statement)
        if made is not None and made.group(1) in TABLES:
            statement = "\n".join(line for line in statement.splitlines()
                                  if not line.strip().startswith("principal "))
        old.append(statement)
    return old


@pytest.fixture()
def old_archive(clickhouse_dsn: str, namespace: str) -> Iterator[Any]:
    """A database of the test's own, made by the DDL from before ``principal``."""
    database = f"before_{namespace}"
    get_client(clickhouse_dsn).command(f"CREATE DATABASE {database}")
    client = clickhouse_connect.get_client(dsn=clickhouse_dsn, database=database)
    for statement in before_principal():
        client.command(statement)
    yield client
    get_client(clickhouse_dsn).command(f"DROP DATABASE {database} SYNC")


def reopen(client: Any) -> None:
    """What opening an archive does (``get_client``): every DDL statement, in order."""
    for statement in ddl_statements():
        client.command(statement)


def write(client: Any, messages: list[tuple[str, bytes]], first_offset: int = 0) -> None:
    ArchiveWriter(client).write(RawBatch.from_records(
        (topic, 0, first_offset + i, b"k", value, K + (first_offset + i) * 1000)
        for i, (topic, value) in enumerate(messages)))


def v1_order(order_id: str) -> bytes:
    """An order as the first release of ``OrderRequested`` wrote it (no principal)."""
    v1 = json.loads((RELEASED_DIR / "OrderRequested.v1.avsc").read_text())
    body = io.BytesIO()
    schemaless_writer(body, parse_schema(v1), {
        "event_id": order_id, "order_id": order_id, "account": "main", "run_id": "", "wallet_set_id": "ws",
        "venue": "synthetic", "pair": "BTC-USD", "side": "buy", "order_type": "limit", "size": SCALE,
        "price": 100 * SCALE, "post_only": False, "cancel_after_s": None, "ts": T})
    return MARKER + fingerprint(v1) + body.getvalue()


def order(order_id: str, principal: str, run_id: str = "") -> OrderRequested:
    return OrderRequested(order_id, order_id, "main", run_id, "ws", "synthetic", "BTC-USD", "buy", "limit",
                          SCALE, 100 * SCALE, False, None, T, principal=principal)


def columns(client: Any) -> dict[str, str]:
    rows = client.query("SELECT table, type FROM system.columns WHERE database = currentDatabase()"
                        " AND name = 'principal'").result_rows
    return dict(rows)


def test_an_archive_made_before_gains_the_column_and_new_commands_fill_it(old_archive: Any) -> None:
    client = old_archive
    assert columns(client) == {}
    write(client, [(LEDGER_JOURNAL, v1_order("old"))])  # archived before the upgrade
    reopen(client)
    assert columns(client) == {name: "LowCardinality(String)" for name in TABLES}
    write(client, [(LEDGER_JOURNAL, default_codec().encode(order("new", "alice")))], first_offset=1)
    rows = client.query("SELECT order_id, principal FROM archive_order_requested FINAL ORDER BY kafka_offset")
    assert rows.result_rows == [("old", ""), ("new", "alice")]
    reopen(client)  # opening it again changes nothing
    assert columns(client) == {name: "LowCardinality(String)" for name in TABLES}


def seconds(at: datetime) -> int:
    """A ``DateTime64(3, 'UTC')`` value (naive means UTC) as seconds since the epoch."""
    return int((at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp())


def readme_query() -> str:
    text = README.read_text()
    section = text[text.index("### Audit: who did what"):]
    found = re.search(r"```sql\n(.*?)```", section, re.S)
    assert found is not None, "the README's audit section has no sql block"
    return found.group(1)


def test_the_readme_query_says_who_did_what_and_when(old_archive: Any) -> None:
    client = old_archive
    reopen(client)
    run, ws, codec = "demo-1", "demo-1:ws", default_codec()
    by_run = f"run:{run}"
    usd = [Allocation("synthetic", "USD", 1000 * SCALE)]
    ledger, inbox, outputs, venue = LEDGER_JOURNAL, STRATEGY_JOURNAL, STRATEGY_EVENTS, VENUE_JOURNAL
    cancel = CancelRequested("c1", "o1", "main", run, "synthetic", "BTC-USD", T, principal=by_run)
    create = CreateWalletSet(f"{run}:create", "main", ws, run, [], T, principal=by_run)
    sent: list[tuple[str, Event]] = [
        (ledger, DepositFunds("d1", "main", "synthetic", "USD", 1000 * SCALE, 0, principal="alice")),
        (inbox, StartRun(f"{run}:start", run, "demo", "{}", "main", ws, "paper", 0, None, usd, T,
                         principal="cli:bob")),
        (outputs, create),  # a run's output, routed on to the ledger: the ledger's copy counts
        (ledger, create),
        (outputs, order("o1", by_run, run)),
        (ledger, order("o1", by_run, run)),
        (ledger, cancel),
        (venue, cancel),
        (inbox, ControlMessage(f"{run}:control:knob:1", run, "knob", '{"n":1}', T, principal="alice")),
        (inbox, StopRun(f"{run}:stop", run, "enough", T, principal="alice")),
        (ledger, DeactivateWalletSet(f"{run}:release", "main", ws, T, principal=by_run)),
    ]
    write(client, [(topic, codec.encode(e)) for topic, e in sent])
    rows = client.query(readme_query()).result_rows
    at = K // 1000  # the broker's time of the first message (then one second a message)
    assert [(seconds(when) - at, *rest) for when, *rest in rows] == [
        (0, "alice", "deposit", "main", "1000 USD on synthetic"),
        (1, "cli:bob", "start run", "main", "demo-1 (demo)"),
        (3, by_run, "create wallet set", "main", ws),
        (5, by_run, "order", "main", "o1: buy 1 synthetic:BTC-USD"),
        (6, by_run, "cancel", "main", "o1"),
        (8, "alice", "control", "", 'demo-1/knob {"n":1}'),
        (9, "alice", "stop run", "", "demo-1: enough"),
        (10, by_run, "deactivate wallet set", "main", ws),
    ]

"""Ad-hoc SQL for admins (``POST /audit/sql``, ``cryptick audit sql``) and the book at a past instant over
HTTP (``GET /audit/books/...``), on a live namespace the API archives itself (``cryptick api
--archive``): ClickHouse refuses every write, DDL and changed setting and the archive is unchanged after;
the time and rows-read limits stop a query with ClickHouse's words; pages return every row once; only an
admin of every account may query; the CLI, which finds the store held by the API, asks the API. The
books: what the endpoint rebuilds is what the matching engine folds from the same archived events."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from api.security.policy import Role
from cryptick.cli import app
from schemas.codec import default_codec
from schemas.events import BookDelta, BookSnapshot
from schemas.topics import VENUE_JOURNAL, qualified
from streams.archive.remote import RemoteClient, owner_token, owner_url
from streams.matching.engine import MatchingEngine
from streams.money import to_decimal_str
from tests.integration import http
from tests.integration.live_stack import add_key, add_user, live_stack, wait_for

pytestmark = pytest.mark.integration

VENUE, PAIR = "synthetic", "BTC-USD"
ROWS = 60  # archived book deltas the paging test reads


@dataclass
class Stack:
    base: str
    namespace: str
    dsn: str
    tmp: Path
    keys: dict[str, str]  # "viewer", "trader", "admin of one": their API keys


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("audit-sql"), seed=29, archive=True) as live:
        keys = {}
        for label, role, accounts in (("viewer", Role.VIEWER, None), ("trader", Role.TRADER, None),
                                      ("admin of one", Role.ADMIN, {"acct-sql"})):
            name = f"sql-{label.replace(' ', '-')}-{live.namespace[-6:]}"
            add_user(name, role, accounts, "a long password for the sql test")
            keys[label] = add_key(name)
        yield Stack(live.base, live.namespace, f"chdb://{live.tmp / 'chdb'}", live.tmp, keys)


def _sql(stack: Stack, sql: str, key: str | None = None, fmt: str = "json", **body: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return http.post(f"{stack.base}/audit/sql", params={"format": fmt}, json={"sql": sql, **body},
                     headers=headers, timeout=60)


def _one(stack: Stack, sql: str, **parameters: Any) -> Any:
    r = _sql(stack, sql, parameters=parameters)
    assert r.status_code == 200, r.text
    return r.json()["rows"][0][0]


def _archived(stack: Stack) -> int:
    return int(_one(stack, "SELECT count() FROM archive_messages WHERE topic LIKE {t:String}",
                    t=f"{stack.namespace}.%"))


def test_clickhouse_refuses_writes_and_enforces_its_limits(stack: Stack) -> None:
    wait_for("an archived market", lambda: _archived(stack) > 100)
    tables = _one(stack, "SELECT groupArray(name) FROM (SELECT name FROM system.tables WHERE database ="
                         " currentDatabase() ORDER BY name)")
    before = _archived(stack)
    writes = [
        "INSERT INTO archive_messages (topic, partition, offset, key, event_type, event_id, ts, value,"
        " kafka_ts) VALUES ('planted', 0, 0, '', '', 'planted', 0, '', now())",
        "CREATE TABLE planted (x Int8) ENGINE = Memory",
        "DROP TABLE archive_messages",
        "ALTER TABLE archive_messages DELETE WHERE 1",
        "TRUNCATE TABLE archive_book_delta",
        "SET readonly = 0",
        "SELECT count() FROM archive_messages SETTINGS readonly = 0",
        "SELECT count() FROM archive_messages SETTINGS max_execution_time = 100000",
        "SELECT * FROM file('/etc/passwd', 'LineAsString')",
    ]
    for sql in writes:
        r = _sql(stack, sql)
        assert r.status_code == 422, (sql, r.status_code, r.text)
        assert "readonly mode" in r.json()["detail"], (sql, r.text)  # ClickHouse's own refusal
    assert _one(stack, "SELECT count() FROM archive_messages WHERE topic = 'planted'") == 0
    assert _one(stack, "EXISTS TABLE planted") == 0
    assert _one(stack, "SELECT groupArray(name) FROM (SELECT name FROM system.tables WHERE database ="
                       " currentDatabase() ORDER BY name)") == tables
    wait_for("the archive still growing", lambda: _archived(stack) > before)
    # what readonly=1 lets through but is no read: refused on ClickHouse's own reading of the statement
    planted = stack.tmp / "planted.csv"
    r = _sql(stack, f"SELECT 1 INTO /* hidden */ OUTFILE '{planted}'")
    assert r.status_code == 422 and "INTO OUTFILE writes a file" in r.json()["detail"], r.text
    assert not planted.exists()
    for sql in ("-- stop the archive's writes\nkill query where 1", "SELECT 1; KILL QUERY WHERE 1"):
        r = _sql(stack, sql)
        assert r.status_code == 422 and ("KILL is not a read" in r.json()["detail"]
                                         or "Multi-statements are not allowed" in r.json()["detail"]), r.text

    scan = _sql(stack, "SELECT count() FROM numbers(1e10)")
    assert scan.status_code == 422 and "max_rows_to_read" in scan.json()["detail"], scan.text
    started = time.monotonic()
    slow = _sql(stack, "SELECT sum(sipHash64(number)) FROM numbers(900000000)", time_limit_s=1)
    assert slow.status_code == 422 and "Timeout exceeded" in slow.json()["detail"], slow.text
    assert time.monotonic() - started < 15
    far = _sql(stack, "SELECT 1", page=2000, page_size=1000)
    assert far.status_code == 422 and "first 1,000,000 rows" in far.json()["detail"], far.text
    assert _sql(stack, "SELECT 1", time_limit_s=3600).status_code == 422  # past the bound

    for label in ("viewer", "trader", "admin of one"):
        refused = _sql(stack, "SELECT 1", key=stack.keys[label])
        assert refused.status_code == 403, (label, refused.text)

    runner = CliRunner()
    env = {"CLICKHOUSE_DSN": stack.dsn}
    assert owner_url(stack.dsn) == stack.base  # the CLI finds the store held, and asks its owner
    cli = runner.invoke(app, ["audit", "sql", "INSERT INTO archive_messages SELECT * FROM archive_messages"],
                        env=env)
    assert cli.exit_code == 2 and "ClickHouse refused the query" in cli.output \
        and "readonly mode" in cli.output, cli.output
    cli = runner.invoke(app, ["audit", "sql", "SELECT number * {k:UInt8} AS n FROM numbers(5) ORDER BY n",
                              "--param", "k=3", "--page", "2", "--page-size", "2", "--format", "csv"],
                        env=env)
    assert cli.exit_code == 0, cli.output
    assert cli.stdout == "n\n6\n9\n"


def test_pages_return_every_row_once(stack: Stack) -> None:
    topic = qualified(VENUE_JOURNAL, stack.namespace)
    # one partition's first deltas: a set the archive only ever adds to after them
    where = " FROM archive_book_delta FINAL WHERE kafka_topic = {t:String} AND kafka_partition = {p:UInt16}"
    count = "SELECT count()" + where
    wait_for("archived deltas", lambda: _one(stack, count, t=topic, p=0) >= ROWS)
    last = _one(stack, "SELECT max(kafka_offset) + 1 FROM (SELECT kafka_offset" + where
                + " ORDER BY kafka_offset LIMIT {k:UInt32})", t=topic, p=0, k=ROWS)
    sql = "SELECT kafka_offset, event_id" + where + " AND kafka_offset < {n:UInt64} ORDER BY kafka_offset"
    params = {"t": topic, "p": 0, "n": last}
    whole = _sql(stack, sql, parameters=params, page_size=10_000).json()
    assert whole["summary"]["more"] is False and len(whole["rows"]) >= ROWS
    paged: list[list[Any]] = []
    page: int | None = 1
    while page is not None:
        r = _sql(stack, sql, parameters=params, page=page, page_size=7)
        assert r.status_code == 200, r.text
        paged.extend(r.json()["rows"])
        page = r.json()["summary"]["next page"]
    assert paged == whole["rows"]  # every row once, in the query's order
    assert len({tuple(r) for r in paged}) == len(paged)
    as_csv = _sql(stack, sql, fmt="csv", parameters=params, page=2, page_size=7)
    assert as_csv.status_code == 200 and as_csv.headers["x-next-page"] == "3"
    assert [[int(a), b] for a, b in list(csv.reader(io.StringIO(as_csv.text)))[1:]] == paged[7:14]


def _micros(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1_000_000)


def test_the_book_at_an_instant_over_http_is_the_engines(stack: Stack) -> None:
    topic = qualified(VENUE_JOURNAL, stack.namespace)
    # an instant well inside what both the typed tables and the raw messages hold
    newest = wait_for("20 s of archived book", lambda: (lambda r: r[1] - r[0] > 20_000_000 and r[1])(
        _sql(stack, "SELECT min(ts), max(ts) FROM archive_book_delta WHERE kafka_topic = {t:String}",
             parameters={"t": topic}).json()["rows"][0]))
    at = int(newest) - 5_000_000
    viewer = stack.keys["viewer"]
    got = httpx.get(f"{stack.base}/audit/books/{VENUE}/{PAIR}", params={
        "at": datetime.fromtimestamp(at / 1e6, UTC).isoformat(), "depth": 15},
        headers={"Authorization": f"Bearer {viewer}"}, timeout=60)
    assert got.status_code == 200, got.text
    book = got.json()

    reader = RemoteClient(stack.base, owner_token(stack.dsn))  # the raw messages, through the owner
    rows = reader.query("SELECT value FROM archive_messages FINAL WHERE topic = {t:String}"
                        " ORDER BY partition, offset", parameters={"t": topic},
                        column_formats={"value": "bytes"}).result_rows
    engine, seen, codec = MatchingEngine(), set(), default_codec()
    for (value,) in rows:
        ev = codec.decode(bytes(value))
        if isinstance(ev, BookSnapshot | BookDelta) and (ev.venue, ev.pair) == (VENUE, PAIR) and ev.ts <= at \
                and ev.event_id not in seen:
            seen.add(ev.event_id)
            engine.handle(ev)
    expected = [[side, i, to_decimal_str(lv.price), to_decimal_str(lv.size)] for side in ("bid", "ask")
                for i, lv in enumerate(engine.book(VENUE, PAIR).depth(side, 15), start=1)]
    assert book["rows"] == expected and len(expected) == 30
    assert _micros(book["summary"]["version time"]) <= at

    series = httpx.get(f"{stack.base}/audit/books/{VENUE}/{PAIR}/series", params={
        "since": datetime.fromtimestamp((at - 10_000_000) / 1e6, UTC).isoformat(),
        "until": datetime.fromtimestamp(at / 1e6, UTC).isoformat(), "every": "2s"},
        headers={"Authorization": f"Bearer {viewer}"}, timeout=60)
    assert series.status_code == 200, series.text
    points = series.json()["rows"]
    assert len(points) == 5 and _micros(points[-1][0]) == at
    assert points[-1][1:3] == [expected[0][2], expected[15][2]]  # best bid and ask at ``at``
    assert points[-1][7] == book["summary"]["version"]

    def status(path: str, **params: Any) -> tuple[int, str]:
        r = httpx.get(f"{stack.base}/audit/books/{path}", params=params,
                      headers={"Authorization": f"Bearer {viewer}"}, timeout=60)
        return r.status_code, str(r.json()["detail"])

    code, detail = status(f"{VENUE}/DOGE-USD", at="2030-01-01T00:00:00Z")
    assert code == 404 and "no book of synthetic DOGE-USD" in detail, detail
    code, detail = status(f"{VENUE}/{PAIR}", at="2001-01-01T00:00:00Z")
    assert code == 404 and "its first book event" in detail, detail
    code, detail = status(f"{VENUE}/{PAIR}", at="yesterday")
    assert code == 422 and "at" in detail, detail
    code, detail = status(f"{VENUE}/{PAIR}/series", since="2030-01-01T00:00:00Z",
                          until="2030-01-01T01:00:00Z", every="5x")
    assert code == 422, detail

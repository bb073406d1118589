"""Ad-hoc read-only SQL over the archive, for admins: ClickHouse itself refuses anything but reads.

A query runs on a connection ClickHouse holds read-only (``readonly=1``: no ``INSERT``, ``CREATE``,
``DROP``, ``ALTER``, no table functions that reach outside (``file``, ``url``), and no setting changed,
not even by the query's own ``SET`` or ``SETTINGS``), under limits it enforces too:

- time: ``max_execution_time`` (``time_limit_s``, at most ``MAX_SECONDS``);
- rows read: ``max_rows_to_read`` = ``MAX_ROWS_READ`` (a scan of ``numbers(1e10)`` stops at once);
- rows answered: pages of ``page_size`` (at most ``MAX_PAGE_SIZE``) over the first ``MAX_ROWS`` rows of
  the result; ClickHouse stops producing rows past the page asked for (``max_result_rows`` with
  ``result_overflow_mode='break'``), so a later page costs the rows before it again.

The statement goes to ClickHouse as written, parameters bound by ClickHouse (``{name:Type}``), so what
is allowed is ClickHouse's to say: its refusal comes back as ``SqlRefused`` with its message. Two
statements ``readonly=1`` lets through are refused here first, on ClickHouse's own reading of the
statement (``formatQuery``, which also refuses several statements at once): ``KILL QUERY``, which would
stop other sessions' queries (the archive sink's inserts), and ``INTO OUTFILE``, with which the embedded
engine writes a file on this host. Pages
follow the query's own order: a query without ``ORDER BY`` (on a unique key) pages in an order ClickHouse
may change between calls, so a row may show on two pages or none.

Where the query runs: on a ClickHouse server (``http://``), every request carries ``readonly=1`` and the
limits (a dedicated read-only user, ``infra/clickhouse/users.d/``, adds the server's own bounds); on the
embedded store, a chDB handle of its own is made read-only for its life (``SET`` the limits, then
``SET readonly=1``: chDB keeps a query's settings on its handle) and closed after the query. A process
that reads an embedded store another one owns (a ``RemoteClient``) sends the query to the owner's
``POST /audit/sql``, which runs it the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import ipaddress
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from floor.clickhouse import ClickHouse
from replay.audit.table import AuditTable

if TYPE_CHECKING:
    from streams.archive.remote import RemoteClient

MAX_SECONDS = 300
DEFAULT_SECONDS = 30
MAX_ROWS_READ = 1_000_000_000
MAX_PAGE_SIZE = 10_000
MAX_ROWS = 1_000_000


class SqlRefused(ValueError):
    """ClickHouse refused the query (read-only, a limit, its syntax): its message, for the caller."""


@dataclass(frozen=True, slots=True)
class SqlQuery:
    """One page of an admin's query. ``page`` counts from 1."""

    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)
    page: int = 1
    page_size: int = 100
    time_limit_s: int = DEFAULT_SECONDS

    def __post_init__(self) -> None:
        if not self.sql.strip():
            raise ValueError("the query is empty")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page size must be 1 to {MAX_PAGE_SIZE}, not {self.page_size}")
        if self.page < 1:
            raise ValueError(f"pages count from 1, not {self.page}")
        if self.page * self.page_size > MAX_ROWS:
            raise ValueError(f"page {self.page} of {self.page_size} rows is past the first {MAX_ROWS:,} rows "
                             "a query may page through: narrow it (WHERE, LIMIT) or aggregate")
        if not 1 <= self.time_limit_s <= MAX_SECONDS:
            raise ValueError(f"the time limit must be 1 to {MAX_SECONDS} s, not {self.time_limit_s}")

    def limits(self) -> dict[str, Any]:
        """What ClickHouse enforces on this page's query (besides ``readonly=1``)."""
        return {"max_execution_time": self.time_limit_s, "max_rows_to_read": MAX_ROWS_READ,
                "max_result_rows": self.page * self.page_size + 1, "result_overflow_mode": "break"}

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def audit_dsn(settings: Any) -> str:
    """Where ad-hoc SQL runs: ``CLICKHOUSE_AUDIT_DSN`` (a server's read-only user) if set, else the
    archive's DSN (held read-only per query all the same)."""
    return str(settings.clickhouse_audit_dsn or settings.dsn)


def run_sql(dsn: str, query: SqlQuery, client: ClickHouse | None = None) -> AuditTable:
    """One page of ``query`` on a read-only connection to ``dsn`` (or through ``client``'s owner when it
    is a ``RemoteClient``); ``SqlRefused`` with ClickHouse's message when it refuses."""
    from streams.archive.clickhouse import is_remote

    if client is not None and is_remote(client):
        return _through_owner(client, query)
    reader = _read_only(dsn, query)
    try:
        _refuse_side_effects(reader, query.sql)
        try:
            result = reader.query(query.sql, parameters=query.parameters or None,
                                  settings=None if dsn.startswith("chdb://") else
                                  {"readonly": 1, **query.limits()})
        except Exception as exc:
            raise SqlRefused(_message(exc)) from None
        return page_of(query, list(result.column_names), result.result_rows)
    finally:
        if dsn.startswith("chdb://"):
            reader.close()


def page_of(query: SqlQuery, columns: list[str], rows: list[Any]) -> AuditTable:
    """The page ``query`` asks for out of the first rows of the answer, values made plain."""
    first = (query.page - 1) * query.page_size
    shown = [tuple(plain(v) for v in r) for r in rows[first:first + query.page_size]]
    more = len(rows) > first + query.page_size
    summary = {"page": query.page, "page size": query.page_size, "rows": len(shown),
               "first row": first + 1 if shown else None, "more": more,
               "next page": query.page + 1 if more else None,
               "time limit s": query.time_limit_s, "rows read limit": MAX_ROWS_READ,
               "order": "the query's own (ORDER BY); without one, pages may overlap or skip rows"}
    return AuditTable("Query", tuple(columns), shown, summary)


def plain(value: Any) -> Any:
    """A value as JSON, CSV and Parquet carry it: numbers that fit, exact decimals and times as text,
    arrays, tuples and maps as JSON text."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        try:
            return raw.decode()
        except UnicodeDecodeError:
            return "0x" + raw.hex()
    if isinstance(value, list | tuple | dict):
        return json.dumps(_nested(value), separators=(",", ":"))
    return str(value)  # Decimal, UUID, IP addresses, enums


def _nested(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(_nested(k)): _nested(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nested(v) for v in value]
    if isinstance(value, decimal.Decimal | uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    return plain(value)


def _read_only(dsn: str, query: SqlQuery) -> Any:
    """A connection ClickHouse holds read-only: an embedded one of its own (its settings set for its life,
    then ``readonly=1``), or a server's without a session (each request carries them)."""
    import clickhouse_connect

    if not dsn.startswith("chdb://"):
        return clickhouse_connect.get_client(dsn=dsn, autogenerate_session_id=False)
    from streams.archive.clickhouse import get_client

    get_client(dsn)  # the DDL, once per process
    client = clickhouse_connect.get_client(dsn=dsn)
    try:
        for name, value in query.limits().items():
            client.command(f"SET {name} = {value!r}" if isinstance(value, str) else f"SET {name} = {value}")
        client.command("SET readonly = 1")
        if client.query("SELECT getSetting('readonly')").result_rows[0][0] != 1:
            raise RuntimeError("the embedded store did not turn the connection read-only")
    except BaseException:
        client.close()
        raise
    return client


def _refuse_side_effects(reader: Any, sql: str) -> None:
    """``SqlRefused`` for what ``readonly=1`` allows but is no read: ``KILL``, ``INTO OUTFILE``."""
    try:
        text = str(reader.query("SELECT formatQuery({q:String})", parameters={"q": sql}).result_rows[0][0])
    except Exception as exc:  # ClickHouse's parser refuses it (a syntax error, several statements)
        raise SqlRefused(_message(exc)) from None
    if re.match(r"KILL\b", text):
        raise SqlRefused("KILL is not a read: it stops other queries (the archive's own writes among them)")
    if re.search(r"^INTO OUTFILE\b", text, re.MULTILINE):
        raise SqlRefused("INTO OUTFILE writes a file: ask for format=csv or parquet (--format, --output) "
                         "instead")


def _message(exc: Exception) -> str:
    """ClickHouse's own words, without the driver's wrapping and the server's stack."""
    text = str(exc)
    start = text.rfind("DB::Exception: ")
    if start >= 0:
        text = text[start + len("DB::Exception: "):]
    for end in ("\nStack trace", " (version ", ". : In scope SELECT formatQuery"):
        text = text.split(end, 1)[0]
    text = text.strip()
    return text[:2000] or type(exc).__name__


def _through_owner(client: RemoteClient, query: SqlQuery) -> AuditTable:
    """The page from the process that owns the embedded store (its ``POST /audit/sql``)."""
    import httpx

    from streams.archive.remote import ArchiveHeld

    try:
        r = httpx.post(f"{client.url}/audit/sql", json=query.as_json(), headers=client.headers,
                       timeout=query.time_limit_s + 30)
    except httpx.HTTPError as exc:
        raise ArchiveHeld(f"the archive's owner at {client.url} did not answer: {exc}") from None
    if r.status_code == 422:
        detail = r.json().get("detail")
        raise SqlRefused(detail if isinstance(detail, str) else json.dumps(detail))
    if r.status_code != 200:
        raise ArchiveHeld(f"the archive's owner at {client.url} refused the query ({r.status_code}): "
                          f"{r.text[:2000]}")
    body = r.json()
    return AuditTable(body["title"], tuple(body["columns"]), [tuple(row) for row in body["rows"]],
                      body["summary"])

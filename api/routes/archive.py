"""Read-only SQL over the embedded archive this API owns, for the project's other processes.

Served only by an API that owns the embedded store (``--archive``): ``cryptick runs``, ``cryptick
market datasets`` or a backtest reading archived data, started while ``cryptick up`` runs, read through
it (``streams.archive.remote.RemoteClient``). The queries run one at a time on a connection of their
own that ClickHouse holds read-only (``readonly=1``: no writes, no changed settings), with a time limit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import Field

from api.deps import Admin
from api.errors import READS
from api.models import Strict

router = APIRouter(tags=["archive"])

LIMITS = {"readonly": 1, "max_execution_time": 300, "max_result_rows": 20_000_000}


class QueryIn(Strict):
    sql: str = Field(max_length=20_000)
    parameters: dict[str, Any] = Field({}, max_length=100)
    column_formats: dict[str, str] = Field({}, max_length=100)
    format: Literal["rows", "arrow"] = "rows"


class ReadOnlySql:
    """One thread, one read-only connection to the owned store."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="archive-sql")
        self._local = threading.local()

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            import clickhouse_connect

            from streams.archive.clickhouse import get_client

            get_client(self.dsn)  # the DDL
            client = clickhouse_connect.get_client(dsn=self.dsn)
            client.query("SELECT 1", settings=LIMITS)  # the session is read-only from here on, for good
            self._local.client = client
        return client

    def run(self, body: QueryIn) -> tuple[bytes, str]:
        from streams.archive.remote import ARROW_TYPE, decode_parameters, encode_rows

        client = self._client()
        params = decode_parameters(body.parameters)
        if body.format == "arrow":
            import pyarrow as pa

            table = client.query_arrow(body.sql, parameters=params)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            return sink.getvalue().to_pybytes(), ARROW_TYPE
        result = client.query(body.sql, parameters=params, column_formats=body.column_formats or None)
        return encode_rows(result.column_names, result.result_rows), "application/json"

    async def __call__(self, body: QueryIn) -> tuple[bytes, str]:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.run, body)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@router.post("/archive/query", responses={**READS, 404: {"description": "this API does not own the archive"}},
             include_in_schema=False)
async def query(body: QueryIn, request: Request, _: Admin) -> Response:
    """Read-only SQL on the archive this API owns (the project's processes read it through here, with
    the owner's token of ``cryptick-owner.json``; an admin may too)."""
    sql: ReadOnlySql | None = getattr(request.app.state, "archive_sql", None)
    if sql is None:
        raise HTTPException(404, "this API does not own the archive (start it with --archive)")
    try:
        data, media = await sql(body)
    except Exception as exc:  # ClickHouse's refusal (readonly, syntax, limits): the caller's to read
        raise HTTPException(422, f"{type(exc).__name__}: {str(exc)[:2000]}") from None
    return Response(data, media_type=media)

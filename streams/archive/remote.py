"""Reading an embedded archive that another process owns, through that process.

chDB opens a data path in one process only. When ``cryptick up`` (or ``cryptick
api --archive``) owns the embedded store, it writes ``cryptick-owner.json`` into
the data path (its URL and pid) and serves read-only SQL at ``POST
/archive/query``. Another process that finds the path locked (``cryptick runs``,
``cryptick market datasets``, a backtest reading archived data) gets a
``RemoteClient`` instead: the same ``query``/``query_arrow`` calls, answered by
the owner on a connection ClickHouse itself holds read-only. Writes are
refused with what to do instead.

Rows travel as JSON with tagged values for what JSON lacks (bytes, times,
decimals); Arrow tables as an Arrow IPC stream.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

OWNER_FILE = "cryptick-owner.json"
ARROW_TYPE = "application/vnd.apache.arrow.stream"


class ArchiveHeld(RuntimeError):
    """The embedded archive is another process's: it cannot be written from here."""


# --- the owner's file ------------------------------------------------------------------------


def _path(dsn: str) -> Path | None:
    return Path(dsn.removeprefix("chdb://")) if dsn.startswith("chdb://") else None


def write_owner(dsn: str, url: str, token: str) -> Path | None:
    """Say that this process owns the embedded store of ``dsn`` and serves it at ``url`` to the holders
    of ``token`` (the file is its user's alone: whoever reads it may read the archive, as whoever may
    read the data path could)."""
    path = _path(dsn)
    if path is None:
        return None
    path.mkdir(parents=True, exist_ok=True)
    target = path / OWNER_FILE
    tmp = path / f".{OWNER_FILE}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps({"url": url.rstrip("/"), "pid": os.getpid(), "token": token}))
    tmp.replace(target)
    return target


def clear_owner(dsn: str) -> None:
    path = _path(dsn)
    if path is None:
        return
    target = path / OWNER_FILE
    try:
        if json.loads(target.read_text()).get("pid") == os.getpid():
            target.unlink()
    except (OSError, ValueError):
        pass


def owner_pid(dsn: str) -> int | None:
    path = _path(dsn)
    try:
        return int(json.loads((path / OWNER_FILE).read_text())["pid"]) if path else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def owner_url(dsn: str) -> str | None:
    """The URL of the live process that owns ``dsn``'s embedded store, if it said so."""
    path = _path(dsn)
    if path is None:
        return None
    try:
        owner = json.loads((path / OWNER_FILE).read_text())
        os.kill(int(owner["pid"]), 0)  # alive (a stale file from a killed owner is ignored)
        return str(owner["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def owner_token(dsn: str) -> str | None:
    """The token the owner of ``dsn``'s embedded store accepts from this machine's CLI."""
    path = _path(dsn)
    try:
        token = json.loads((path / OWNER_FILE).read_text()).get("token") if path else None
        return str(token) if token else None
    except (OSError, ValueError, AttributeError):
        return None


# --- values ------------------------------------------------------------------------------------


def _enc(v: Any) -> Any:
    if isinstance(v, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, dt.datetime):
        return {"$t": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$d": v.isoformat()}
    if isinstance(v, decimal.Decimal):
        return {"$n": str(v)}
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, tuple | list):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        return {"$m": [[_enc(k), _enc(x)] for k, x in v.items()]}
    return v


def _dec(v: Any) -> Any:
    if isinstance(v, list):
        return [_dec(x) for x in v]
    if isinstance(v, dict):
        if "$b" in v:
            return base64.b64decode(v["$b"])
        if "$t" in v:
            return dt.datetime.fromisoformat(v["$t"])
        if "$d" in v:
            return dt.date.fromisoformat(v["$d"])
        if "$n" in v:
            return decimal.Decimal(v["$n"])
        if "$m" in v:
            return {_dec(k): _dec(x) for k, x in v["$m"]}
    return v


def encode_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    return json.dumps({"columns": list(columns), "rows": [[_enc(v) for v in r] for r in rows]},
                      separators=(",", ":")).encode()


def decode_rows(body: bytes) -> tuple[list[str], list[tuple[Any, ...]]]:
    d = json.loads(body)
    return list(d["columns"]), [tuple(_dec(v) for v in r) for r in d["rows"]]


def encode_parameters(parameters: dict[str, Any] | None) -> dict[str, Any]:
    return {k: _enc(v) for k, v in (parameters or {}).items()}


def decode_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    return {k: _dec(v) for k, v in parameters.items()}


# --- the client --------------------------------------------------------------------------------


class RemoteResult:
    """What ``RemoteClient.query`` returns: the parts of clickhouse-connect's ``QueryResult`` we read."""

    def __init__(self, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.column_names = tuple(columns)
        self.result_rows = rows

    @property
    def first_row(self) -> tuple[Any, ...]:
        return self.result_rows[0]

    @property
    def row_count(self) -> int:
        return len(self.result_rows)


class RemoteClient:
    """A read-only ClickHouse client answered by the process that owns the embedded store."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 600.0) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(timeout=timeout, headers=self.headers)

    def _post(self, body: dict[str, Any]) -> bytes:
        import httpx

        try:
            r = self._http.post(f"{self.url}/archive/query", json=body)
        except httpx.HTTPError as exc:
            raise ArchiveHeld(f"the archive's owner at {self.url} did not answer: {exc}") from None
        if r.status_code != 200:
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text
            raise ArchiveHeld(f"the archive's owner at {self.url} refused the query ({r.status_code}): "
                              f"{detail}")
        return r.content

    def query(self, sql: str, parameters: dict[str, Any] | None = None,
              column_formats: dict[str, str] | None = None, **_: Any) -> RemoteResult:
        body = self._post({"sql": sql, "parameters": encode_parameters(parameters),
                           "column_formats": column_formats or {}, "format": "rows"})
        return RemoteResult(*decode_rows(body))

    def query_arrow(self, sql: str, parameters: dict[str, Any] | None = None, **_: Any) -> Any:
        import pyarrow as pa

        body = self._post({"sql": sql, "parameters": encode_parameters(parameters), "format": "arrow"})
        return pa.ipc.open_stream(body).read_all()

    def command(self, sql: str, parameters: dict[str, Any] | None = None, **_: Any) -> Any:
        """A read (``SELECT``…) answers its first value, as clickhouse-connect's ``command`` does; a
        write is refused with what to do."""
        result = self.query(sql, parameters)
        if not result.result_rows:
            return None
        row = result.result_rows[0]
        return row[0] if len(row) == 1 else list(row)

    def insert_arrow(self, *args: Any, **kwargs: Any) -> None:
        self.insert(*args, **kwargs)

    def insert(self, *_: Any, **__: Any) -> None:
        raise ArchiveHeld(f"the embedded archive is owned by the API at {self.url}, which writes it; "
                          "stop it to write from here, or send the work to it (a backtest: POST /backtests, "
                          "which `cryptick backtest` does by itself)")

    def close(self) -> None:
        self._http.close()

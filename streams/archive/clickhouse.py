"""ClickHouse access through clickhouse-connect: chDB (embedded) or a server, by DSN.

``chdb:///path`` opens the embedded engine (one data path per process: chDB's
rule), ``http://user:pass@host:8123/db`` a ClickHouse server. The DDL in
``infra/clickhouse/*.sql`` is applied idempotently when a client is opened.
"""

from __future__ import annotations

import re
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import clickhouse_connect

from floor.clickhouse import ClickHouse

if TYPE_CHECKING:
    from streams.archive.remote import RemoteClient

DDL_DIR = Path(__file__).resolve().parents[2] / "infra" / "clickhouse"

_clients: dict[str, Any] = {}
_seconds: dict[str, Any] = {}
_lock = threading.Lock()
_dsn_of: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()  # a client we opened -> its DSN
_spare: dict[str, list[Any]] = {}  # DSN -> connections lent and given back


def ddl_statements(ddl_dir: Path = DDL_DIR) -> list[str]:
    """The DDL statements, file by file in name order."""
    statements: list[str] = []
    for path in sorted(ddl_dir.glob("*.sql")):
        text = "\n".join(
            line for line in path.read_text().splitlines() if not line.strip().startswith("--")
        )
        statements.extend(s.strip() for s in text.split(";") if s.strip())
    return statements


_MATERIALIZE = re.compile(r"ALTER TABLE (\w+) MATERIALIZE INDEX (\w+)$")


def apply_ddl(client: ClickHouse, ddl_dir: Path = DDL_DIR) -> None:
    """Run the DDL statements; ``ALTER TABLE t MATERIALIZE INDEX i`` only if ``i`` is new on ``t`` (added by
    this application): materialising rewrites the index files of every part, once is enough."""
    indices = "SELECT table, name FROM system.data_skipping_indices WHERE database = currentDatabase()"
    before = {(str(t), str(i)) for t, i in client.query(indices).result_rows}
    for statement in ddl_statements(ddl_dir):
        found = _MATERIALIZE.match(statement)
        if found is None or (found[1], found[2]) not in before:
            client.command(statement)


def get_client(dsn: str) -> Any:
    """The process's client for ``dsn`` (created once, with the DDL applied).

    An embedded store another process holds is read through that process when it serves it
    (``streams.archive.remote``: a read-only ``RemoteClient``); otherwise ``ArchiveHeld`` says what
    to do."""
    with _lock:
        client = _clients.get(dsn)
        if client is None:
            if dsn.startswith("chdb://"):
                Path(dsn.removeprefix("chdb://")).mkdir(parents=True, exist_ok=True)
                remote = _served(dsn)
                if remote is not None:  # not even tried: chDB would print its lock error first
                    _clients[dsn] = remote
                    return remote
            try:
                client = clickhouse_connect.get_client(dsn=dsn)
            except Exception as exc:
                remote = _held(dsn, exc)
                if remote is None:
                    raise
                _clients[dsn] = remote
                return remote
            apply_ddl(client)
            _clients[dsn] = client
            _dsn_of[client] = dsn
        return client


def _served(dsn: str) -> Any | None:
    """A ``RemoteClient`` if another live process says it owns ``dsn``'s embedded store."""
    import os

    from streams.archive.remote import RemoteClient, owner_pid, owner_token, owner_url

    url = owner_url(dsn)
    return RemoteClient(url, owner_token(dsn)) if url is not None and owner_pid(dsn) != os.getpid() else None


def _held(dsn: str, exc: Exception) -> Any | None:
    """A ``RemoteClient`` to the owner of an embedded store that is locked; None if ``exc`` is something
    else. ``ArchiveHeld`` if the store is locked and nobody serves it."""
    from streams.archive.remote import ArchiveHeld, RemoteClient, owner_token, owner_url

    text = str(exc)  # chDB says "Cannot lock file …/status" on stderr; its exception, only this much
    if not dsn.startswith("chdb://") or ("lock" not in text.lower() and "EmbeddedServer" not in text):
        return None
    url = owner_url(dsn)
    if url is None:
        raise ArchiveHeld(
            f"the embedded archive {dsn.removeprefix('chdb://')} is held by another process (chDB opens a "
            "data path in one process). `cryptick up` or `cryptick api --archive` own it and serve it to "
            "other processes; otherwise stop the process that holds it, or use a ClickHouse server "
            "(CLICKHOUSE_DSN=http://…)") from exc
    return RemoteClient(url, owner_token(dsn))


def is_remote(client: ClickHouse) -> TypeGuard[RemoteClient]:
    """Whether ``client`` reads an embedded store through the process that owns it (no writes)."""
    from streams.archive.remote import RemoteClient

    return isinstance(client, RemoteClient)


_per_thread = threading.local()


def thread_client(dsn: str) -> Any:
    """A connection of this thread's own to ``dsn`` (the DDL applied once, through ``get_client``).

    A chDB connection is one handle: a server's request threads, or a server that also runs the archive
    sink, each read through their own (chDB runs queries of different connections in parallel)."""
    clients: dict[str, Any] | None = getattr(_per_thread, "clients", None)
    if clients is None:
        clients = _per_thread.clients = {}
    client = clients.get(dsn)
    if client is None:
        shared = get_client(dsn)  # the DDL, once per process
        client = clients[dsn] = shared if is_remote(shared) else clickhouse_connect.get_client(dsn=dsn)
        if not is_remote(client):
            with _lock:
                _dsn_of[client] = dsn
    return client


def lend_client(client: ClickHouse) -> Any | None:
    """A connection to the engine or server of ``client`` (a ``get_client`` or ``thread_client`` one) that
    nobody else uses until it is given back (``give_back``); None for any other client.

    For a writer thread of its own: queries of one connection must not overlap (a server refuses a second
    query in the session of a running one), and this one is never another thread's."""
    with _lock:
        dsn = _dsn_of.get(client)
        if dsn is None:
            return None
        spare = _spare.setdefault(dsn, [])
        if spare:
            return spare.pop()
    lent = clickhouse_connect.get_client(dsn=dsn)
    with _lock:
        _dsn_of[lent] = dsn
    return lent


def give_back(lent: Any) -> None:
    """A connection from ``lend_client``, free for the next borrower."""
    with _lock:
        _spare.setdefault(_dsn_of[lent], []).append(lent)


def second_client(client: ClickHouse) -> Any | None:
    """Another connection to the engine or server of ``client`` (a ``get_client`` one), else None.

    ClickHouse runs queries of different connections in parallel, chDB too: the
    archive writer inserts the raw and the typed tables of a batch at once.
    """
    with _lock:
        dsn = next((d for d, c in _clients.items() if c is client), None)
        if dsn is None:
            return None
        other = _seconds.get(dsn)
        if other is None:
            other = _seconds[dsn] = clickhouse_connect.get_client(dsn=dsn)
        return other


def readonly_settings() -> dict[str, Any]:
    """Settings for audit queries: reads only."""
    return {"readonly": 1}

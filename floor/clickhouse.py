"""The ClickHouse port: what the archive's writers and readers call on a client.

clickhouse-connect's client (embedded chDB or a server, ``streams.archive.clickhouse.get_client``) and the
read-only ``streams.archive.remote.RemoteClient`` (the embedded store's owner answering another process)
both offer it. Only the calls the product makes are named; their results are clickhouse-connect's.
"""

from __future__ import annotations

from typing import Any, Protocol


class ClickHouse(Protocol):
    def query(self, query: str, /, parameters: Any = None, *, settings: Any = None,
              column_formats: Any = None) -> Any: ...

    def query_arrow(self, query: str, /, parameters: Any = None, *, settings: Any = None,
                    use_strings: Any = None) -> Any: ...

    def command(self, cmd: str, /, parameters: Any = None, *, settings: Any = None) -> Any: ...

    def insert(self, table: str, /, data: Any = None, *, column_names: Any = "*",
               settings: Any = None) -> Any: ...

    def insert_arrow(self, table: str, arrow_table: Any, /, *, settings: Any = None) -> Any: ...

    def close(self) -> None: ...

"""The pure parts of market views, the archive decoding and the importer do no I/O and read no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PURE = [
    "streams/market/freq.py",
    "streams/market/candles.py",
    "streams/market/books.py",
    "streams/market/pricing.py",
    "streams/archive/columnar.py",
    "streams/archive/decode.py",
    "streams/archive/tables.py",
    "streams/archive/batch.py",
    "producers/importer.py",
]
FORBIDDEN = {
    "faust",
    "confluent_kafka",
    "aiokafka",
    "fastapi",
    "clickhouse_connect",
    "chdb",
    "random",
    "uuid",
    "socket",
    "requests",
    "httpx",
    "websockets",
    "asyncio",
    "threading",
    "subprocess",
    "time",
    "os",
}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("name", PURE)
def test_module_is_pure(name: str) -> None:
    path = ROOT / name
    assert not imports(path) & FORBIDDEN
    assert "datetime.now" not in path.read_text() and ".open(" not in path.read_text()


def test_the_scan_sees_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import time\nfrom clickhouse_connect import get_client\n")
    assert imports(bad) & FORBIDDEN == {"time", "clickhouse_connect"}

"""Cores never touch I/O, the clock or unseeded randomness (STYLE: pure core, thin shell)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN_MODULES = {"faust", "confluent_kafka", "aiokafka", "fastapi", "clickhouse_connect",
                     "chdb", "random", "uuid", "socket", "requests", "httpx", "websockets",
                     "asyncio", "threading", "subprocess", "floor"}
FORBIDDEN_CALLS = {"time.time", "time.monotonic", "time.perf_counter", "datetime.now",
                   "datetime.utcnow", "date.today", "uuid4", "os.urandom"}
SHELLS = {"agent.py", "connect.py", "clickhouse.py", "sink.py", "rest.py"}


def core_files() -> list[Path]:
    files: list[Path] = []
    for folder in ("streams/matching", "streams/ledger", "streams/routing", "strategies"):
        files += [p for p in (ROOT / folder).rglob("*.py") if p.name not in SHELLS]
    files += [ROOT / "streams/money.py", ROOT / "streams/core.py", ROOT / "producers/synthetic.py",
              ROOT / "producers/scenario.py", ROOT / "replay/projections.py"]
    files += [p for p in (ROOT / "producers/exchanges").rglob("*.py") if p.name not in SHELLS]
    return sorted(p for p in files if p.exists())


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names
                      if a.name in {"now", "utcnow", "uuid4", "time"} and node.module in
                      {"datetime", "uuid", "time"}]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            dotted = f"{node.value.id}.{node.attr}"
            if dotted in FORBIDDEN_CALLS:
                found.append(dotted)
    return found


def test_the_scan_finds_cores() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in core_files()}
    assert "streams/money.py" in names and "producers/synthetic.py" in names


@pytest.mark.parametrize("path", core_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_core_is_pure(path: Path) -> None:
    assert violations(path) == []


def test_the_scan_catches_impurity(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import time\nfrom confluent_kafka import Producer\nx = time.time()\n")
    assert violations(bad) == ["confluent_kafka", "time.time"]

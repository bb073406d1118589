"""The optimiser is pure: no I/O, clock, unseeded randomness or infrastructure imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import strategies.efficient_frontier as package

FORBIDDEN = {"time", "random", "os", "io", "socket", "uuid", "pathlib", "subprocess",
             "faust", "confluent_kafka", "aiokafka", "fastapi", "clickhouse_connect", "chdb"}
SOURCES = sorted(Path(package.__file__).parent.rglob("*.py"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_no_impure_imports_or_calls(source: Path) -> None:
    tree = ast.parse(source.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots = {node.module.split(".")[0]}
        else:
            roots = set()
        assert not roots & FORBIDDEN, f"{source.name} imports {roots & FORBIDDEN}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in {"now", "utcnow", "today", "open"}, source.name
            if node.func.attr == "default_rng":
                assert node.args, f"{source.name}: default_rng() without a seed"


def test_sources_are_found() -> None:
    assert len(SOURCES) >= 8

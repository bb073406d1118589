"""DESIGN §1's "may import" table, kept true: no cycle between folders, no import upwards.

Every import of every product module (module level or inside a function, ``TYPE_CHECKING`` too) is read
from its syntax tree and checked against the table. ``strategies`` may use only the pure cores of
``streams`` (its agent shell also the runtime), and the pure cores never reach the I/O floor.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

MAY_IMPORT: dict[str, set[str]] = {
    "schemas": set(),
    "floor": {"schemas"},
    "streams": {"schemas", "floor"},
    "strategies": {"schemas", "floor", "streams"},
    "producers": {"schemas", "floor"},
    "replay": {"schemas", "floor", "streams", "strategies", "producers"},
    "api": {"schemas", "floor", "streams", "strategies", "producers", "replay"},
    "infra": set(),  # scripts and config, and the local broker's launcher
    "cryptick": {"schemas", "floor", "streams", "strategies", "producers", "replay", "api", "infra"},
}
"""Folder -> the folders it may import (its own always). ``cryptick`` is the composition root: nothing
imports it."""

STREAMS_IMPURE = ("streams.runtime", "streams.archive")
"""Parts of ``streams`` that are not pure cores: ``strategies`` reaches them only from its agent shell."""
STRATEGY_SHELLS = {"strategies/agent.py"}


def imports(path: Path, names: bool = False) -> list[str]:
    """The absolute module names ``path`` imports (relative imports resolved within its package); with
    ``names``, also each ``module.name`` a ``from module import name`` reads (a submodule, perhaps)."""
    tree = ast.parse(path.read_text(), str(path))
    package = path.relative_to(ROOT).parent.parts
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            elif node.module:
                module = node.module
            else:
                continue
            found.append(module)
            if names:  # ``from package import module`` imports the module too
                found += [f"{module}.{a.name}" for a in node.names]
    return found


def product_files() -> list[Path]:
    return sorted(p for folder in MAY_IMPORT for p in (ROOT / folder).rglob("*.py"))


def violations(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).as_posix()
    folder = rel.split("/")[0]
    bad = []
    for module in imports(path):
        top = module.split(".")[0]
        if top not in MAY_IMPORT or top == folder:
            continue
        if top not in MAY_IMPORT[folder]:
            allowed = sorted(MAY_IMPORT[folder]) or "nothing of ours"
            bad.append(f"{rel} imports {module}: {folder} may import {allowed}")
        elif folder == "strategies" and module.startswith(STREAMS_IMPURE) and rel not in STRATEGY_SHELLS:
            bad.append(f"{rel} imports {module}: a strategy uses only the pure cores of streams")
    return bad


def test_the_table_has_no_cycle() -> None:
    done: set[str] = set()

    def visit(folder: str, path: tuple[str, ...]) -> None:
        assert folder not in path, f"cycle: {' -> '.join((*path, folder))}"
        if folder in done:
            return
        for below in MAY_IMPORT[folder]:
            visit(below, (*path, folder))
        done.add(folder)

    for folder in MAY_IMPORT:
        visit(folder, ())
    assert not any("cryptick" in below for below in MAY_IMPORT.values())  # nothing imports the root


def test_the_scan_reads_every_folder() -> None:
    folders = {p.relative_to(ROOT).parts[0] for p in product_files()}
    assert folders == set(MAY_IMPORT)
    assert "floor.kafka" in imports(ROOT / "streams/runtime/shell.py")


@pytest.mark.parametrize("path", product_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_imports_follow_the_table(path: Path) -> None:
    assert violations(path) == []


@pytest.mark.parametrize("source, folder, expected", [
    ("from api.app import create_app\n", "streams", "streams/bad.py imports api.app"),
    ("def f():\n    from cryptick.worker import run\n", "api", "api/bad.py imports cryptick.worker"),
    ("import strategies.host\n", "streams", "streams/bad.py imports strategies.host"),
    ("from streams.runtime.inbox import Outgoing\n", "strategies", "a strategy uses only the pure cores"),
    ("from streams.runtime import app\n", "producers", "producers/bad.py imports streams.runtime"),
])
def test_the_scan_catches_an_import_upwards(tmp_path: Path, source: str, folder: str, expected: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    bad = ROOT / folder / "bad.py"
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source if self == bad else
                        Path.read_bytes(self).decode())
    [found] = violations(bad)
    assert expected in found


EVOLVE_SIDE = {"streams/ledger/evolve.py", "streams/ledger/state.py"}
DECIDE_SIDE = {"streams.ledger.engine", "streams.ledger.orders", "streams.ledger.settlement",
               "streams.ledger.wallets"}


def decide_imports(path: Path) -> set[str]:
    return set(imports(path, names=True)) & DECIDE_SIDE


def test_the_ledger_evolves_without_its_decide_side() -> None:
    """Evolve applies decided events to state; it never calls back into what decides them."""
    for rel in sorted(EVOLVE_SIDE):
        assert not decide_imports(ROOT / rel), rel


@pytest.mark.parametrize("source", [
    "from streams.ledger.settlement import decide_fill\n",
    "from streams.ledger import settlement\n",
    "def f():\n    from . import orders\n",
])
def test_the_scan_catches_evolve_reaching_decide(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    evolve = ROOT / "streams/ledger/evolve.py"
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source if self == evolve else
                        Path.read_bytes(self).decode())
    assert decide_imports(evolve)

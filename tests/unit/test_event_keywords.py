"""Events are built with keyword arguments (issue #18 item 5): a long positional call is a contract
that breaks silently when a field moves, and reads wrong when two ``str`` fields swap.

The scan parses every product module and flags each call to a class of ``schemas.events`` with
``POSITIONAL_LIMIT`` or more positional arguments, unless its file and function are in ``ALLOWED``
(hot paths kept positional for speed, each with its reason).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import schemas.events

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("api", "streams", "producers", "strategies", "cryptick", "replay")
POSITIONAL_LIMIT = 6
EVENT_CLASSES = frozenset(name for name, obj in vars(schemas.events).items()
                          if inspect.isclass(obj) and dataclasses.is_dataclass(obj)
                          and obj.__module__ == schemas.events.__name__)

# (file, function) -> why its constructions stay positional.
ALLOWED: dict[tuple[str, str], str] = {
    # Keywords cost 6-7% of the ledger core's per-order path (request, two fills, done; Ledger.handle,
    # ~32 us): decide_order +0.95 us (24%), decide_fill +0.6 us (10%) per call, measured interleaved.
    ("streams/ledger/orders.py", "decide_order"): "ledger core, per order: FundsHeld and OrderAccepted",
    ("streams/ledger/settlement.py", "decide_fill"): "ledger core, per fill: its two postings",
}


@dataclasses.dataclass(frozen=True)
class Construction:
    path: str
    line: int
    function: str
    cls: str
    positional: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.cls}({self.positional} positional) in {self.function}"


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> event class, for ``from schemas.events import X as Y``."""
    found = {name: name for name in EVENT_CLASSES}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "schemas.events":
            found.update({a.asname: a.name for a in node.names if a.asname and a.name in EVENT_CLASSES})
    return found


def constructions(path: Path, rel: str) -> list[Construction]:
    """The event constructions in ``path`` with ``POSITIONAL_LIMIT`` or more positional arguments."""
    tree = ast.parse(path.read_text(), str(path))
    names = _aliases(tree)
    found: list[Construction] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call) and len(node.args) >= POSITIONAL_LIMIT:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(
                func, ast.Attribute) else None
            if called in names:
                found.append(Construction(rel, node.lineno, function, names[called], len(node.args)))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def product_constructions() -> list[Construction]:
    found: list[Construction] = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found += constructions(path, path.relative_to(ROOT).as_posix())
    return found


def test_event_constructions_use_keywords() -> None:
    offending = [str(c) for c in product_constructions() if (c.path, c.function) not in ALLOWED]
    assert offending == [], "build these events with keyword arguments:\n" + "\n".join(offending)


def test_every_allowed_place_still_needs_it() -> None:
    """An entry whose constructions are gone (converted, moved, renamed) is removed, not kept."""
    used = {(c.path, c.function) for c in product_constructions()}
    assert sorted(set(ALLOWED) - used) == []


def test_the_scan_catches_positional_events(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "from schemas import events\n"
        "from schemas.events import DepositFunds, FundsHeld as Held\n"
        "def f():\n"
        "    DepositFunds('e', 'a', 'v', 'USD', 1, 0)\n"  # six positional: flagged
        "    DepositFunds('e', 'a', 'v', 'USD', amount=1, ts=0)\n"  # four: fine
        "    events.FundsHeld('e', 'a', 'o', 'w', 'v', 'USD', 1, 0)\n"
        "    Held('e', 'a', 'o', 'w', 'v', 'USD', 1, 0)\n"
        "    print('a', 'b', 'c', 'd', 'e', 'f')\n"  # not an event
    )
    assert [str(c) for c in constructions(source, "mod.py")] == [
        "mod.py:4 DepositFunds(6 positional) in f",
        "mod.py:6 FundsHeld(8 positional) in f",
        "mod.py:7 FundsHeld(8 positional) in f",
    ]
    assert "OrderAccepted" in EVENT_CLASSES and "PostingLeg" in EVENT_CLASSES

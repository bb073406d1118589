"""Engine snapshots: a restart loads the latest and replays only the inbox after it.

DESIGN §2 (Delivery): restart time must not grow with history. An inbox shell
(``streams.runtime.inbox``) takes a snapshot of a partition's engine every
``snapshot_every`` inputs: the engine's state, the inbox offset it covers (every
input before it is in, none after) and the offsets left out of it. The runtime
saves a snapshot only once every output of the inputs it covers has been
delivered, so a snapshot is never ahead of what the outputs say: a worker that
resumes at a committed offset *before* the snapshot treats the inputs in between
as redelivered (their outputs are out); one that resumes *after* it replays the
inbox from the snapshot's offset, under the same rule as a full rebuild. Either
way its state and outputs are those of a replay from offset 0 (tests compare).

A snapshot is the engine pickled, read back by a restricted unpickler: only our
own packages' classes and functions (by their defining module), plain builtins,
and numpy arrays; a codec (or one of its methods) is stored as a reference to
the default codec. A snapshot is used only by the same code and configuration
that took it (``fingerprint``: the engines' source and a fresh engine's pickle);
after an upgrade, or a changed fee schedule, the engine is rebuilt from offset 0
once and snapshots start over.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FunctionType, MethodType
from typing import Any, Protocol

from schemas.codec import Codec, default_codec

OWN_PACKAGES = ("schemas", "streams", "strategies")
"""Packages whose classes a snapshot may name: the engines' and the events'."""

SAFE_BUILTINS = frozenset({"set", "frozenset", "dict", "list", "tuple", "bytes", "bytearray", "int", "float",
                           "complex", "str", "bool", "slice", "object", "range"})
SAFE_NAMES = frozenset({
    ("collections", "deque"), ("collections", "OrderedDict"), ("collections", "defaultdict"),
    ("collections", "Counter"), ("decimal", "Decimal"), ("datetime", "datetime"), ("datetime", "date"),
    ("datetime", "timedelta"), ("datetime", "timezone"), ("copyreg", "_reconstructor"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
})


class SnapshotRefused(pickle.UnpicklingError):
    """A snapshot names something it may not (not ours, not plain data): it is not loaded."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    offset: int  # the inbox offset the state covers: every input before it is in, none after
    state: bytes  # the engine (``dumps``)
    skipped: frozenset[int]  # offsets left out of the engine (failed after changing it), for rebuilds
    version: str  # the fingerprint of the code and configuration that took it


class SnapshotStore(Protocol):
    """Where snapshots are kept: the latest per key (``inbox/output/partition``)."""

    def latest(self, key: str) -> Snapshot | None: ...

    def save(self, key: str, snapshot: Snapshot) -> None: ...

    def flush(self, timeout: float) -> int:
        """Wait up to ``timeout`` s for the snapshots saved to be stored; how many are not yet."""
        ...


class MemorySnapshots:
    """A store in memory: for tests and in-process use."""

    def __init__(self) -> None:
        self.kept: dict[str, Snapshot] = {}
        self.saved = 0

    def latest(self, key: str) -> Snapshot | None:
        return self.kept.get(key)

    def save(self, key: str, snapshot: Snapshot) -> None:
        self.kept[key] = snapshot
        self.saved += 1

    def flush(self, timeout: float) -> int:
        return 0  # kept as saved


def _own(cls: type) -> bool:
    return cls.__module__.split(".")[0] in OWN_PACKAGES


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, Codec):
            return ("codec", None, "")
        if type(obj) is MethodType:  # e.g. an engine's table of its own handlers
            owner = obj.__self__
            if isinstance(owner, Codec):
                return ("codec", None, obj.__func__.__name__)
            return ("method", owner, obj.__func__.__name__)
        return None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        kind, owner, name = pid
        if kind == "codec":
            return getattr(default_codec(), name) if name else default_codec()
        if kind == "method":
            # only a function of one of our classes, bound to its instance (never ``__globals__`` & co)
            cls = type(owner)
            if _own(cls) and isinstance(getattr(cls, name, None), FunctionType):
                return getattr(owner, name)
        raise SnapshotRefused(f"a snapshot may not refer to {kind} {name!r}")

    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins":
            if name in SAFE_BUILTINS:
                return super().find_class(module, name)
        elif (module, name) in SAFE_NAMES:
            return super().find_class(module, name)
        elif module.split(".")[0] in OWN_PACKAGES and "." not in name:
            found = super().find_class(module, name)
            # a class or function defined there, not a module or object it imported (``os``, ``open``)
            if isinstance(found, type | FunctionType) and found.__module__ == module:
                return found
        raise SnapshotRefused(f"a snapshot may not name {module}.{name}")


def dumps(engine: Any) -> bytes:
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(engine)
    return out.getvalue()


def loads(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


@cache
def code_digest() -> str:
    """The source of the packages snapshots are made of: a snapshot of other code is not loaded."""
    h = hashlib.sha256(sys.version.encode())
    for package in OWN_PACKAGES:
        root = Path(__import__(package).__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def fingerprint(engine_factory: Callable[[], Any]) -> str:
    """The code and the configuration of ``engine_factory``'s engines (a fresh one's pickle)."""
    return hashlib.sha256(code_digest().encode() + dumps(engine_factory())).hexdigest()[:32]

"""Runnable strategies, discovered by name: ``get('hodl').create({'bases': 'BTC,ETH'})``.

Besides the built-in ones, a user's own strategies load without editing the project:
- from ``CRYPTICK_STRATEGIES``: comma-separated ``module.path:Class`` or ``/path/to/file.py:Class``
  (every process that runs or lists strategies — the worker, the API, the CLI — reads it);
- from installed packages declaring an entry point in the group ``cryptick.strategies``
  (``name = "package.module:Class"``).
Each is a subclass of ``strategies.api.Strategy`` with a ``name``; one that cannot load is reported by
``problems()`` and in the error of ``get`` for its name, and the others still load.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from strategies.api import Strategy
from strategies.demo import DemoStrategy
from strategies.echo import EchoStrategy
from strategies.efficient_frontier.strategy import EfficientFrontierStrategy
from strategies.hodl import HodlStrategy
from strategies.params import parse_params


class UnknownStrategy(LookupError):
    """No runnable of that name."""


@dataclass(frozen=True, slots=True)
class Runnable:
    """A strategy class that can be run by name, with its parameter type."""

    name: str
    strategy: type[Strategy]

    @property
    def description(self) -> str:
        return self.strategy.description

    @property
    def params_type(self) -> type:
        return self.strategy.params_type

    def create(self, params: Mapping[str, str] | None = None) -> Strategy:
        """A fresh strategy object (one per run) with ``params`` parsed into its parameter type."""
        return self.strategy(parse_params(self.params_type, params or {}, self.name))


_RUNNABLES: dict[str, Runnable] = {}


def register(strategy: type[Strategy], name: str | None = None) -> Runnable:
    """Make ``strategy`` runnable as ``name`` (default: its ``name`` attribute)."""
    key = name or strategy.name
    if not key:
        raise ValueError(f"{strategy.__name__} needs a name to be registered")
    existing = _RUNNABLES.get(key)
    if existing is not None and existing.strategy is not strategy:
        raise ValueError(f"a runnable named {key!r} exists already ({existing.strategy.__name__})")
    runnable = _RUNNABLES[key] = Runnable(key, strategy)
    return runnable


ENV = "CRYPTICK_STRATEGIES"
ENTRY_POINT_GROUP = "cryptick.strategies"
_loaded: tuple[str, ...] | None = None  # the specs the plugins were loaded for
_done: set[str] = set()  # specs and entry points loaded (or tried) in this process
_problems: dict[str, str] = {}  # spec -> why it did not load


def _load_class(spec: str) -> type[Strategy]:
    """``module.path:Class`` or ``/path/file.py:Class`` -> the class."""
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise ValueError("expected module.path:Class or /path/to/file.py:Class")
    if where.endswith(".py"):
        path = Path(where).expanduser().resolve()
        if not path.is_file():
            raise ValueError(f"no such file {path}")
        module_name = f"cryptick_user_{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:10]}"
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        if module_spec is None or module_spec.loader is None:
            raise ValueError(f"{path} cannot be imported")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_name] = module  # dataclasses and pickling look modules up by name
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    cls = getattr(module, attr, None)
    if not isinstance(cls, type) or not issubclass(cls, Strategy):
        raise ValueError(f"{attr} in {where} is not a subclass of strategies.api.Strategy")
    return cls


def _load_plugins() -> None:
    """Register the user's strategies (once per value of the environment variable)."""
    global _loaded
    specs = tuple(x.strip() for x in os.environ.get(ENV, "").split(",") if x.strip())
    if _loaded == specs:
        return
    _loaded = specs
    found: list[tuple[str, str | None, object]] = [(spec, None, spec) for spec in specs]
    found += [(f"entry point {ep.name} = {ep.value}", ep.name, ep)
              for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for label, name, source in found:
        if label in _done:
            continue
        _done.add(label)
        try:
            cls = source.load() if hasattr(source, "load") else _load_class(str(source))
            if not (isinstance(cls, type) and issubclass(cls, Strategy)):
                raise ValueError("not a subclass of strategies.api.Strategy")
            register(cls, name)  # an entry point's name, or the class's own
        except Exception as exc:  # one broken plugin does not hide the others
            _problems[label] = f"{type(exc).__name__}: {exc}"


def problems() -> dict[str, str]:
    """User strategies that could not load, and why."""
    _load_plugins()
    return dict(_problems)


def names() -> list[str]:
    _load_plugins()
    return sorted(_RUNNABLES)


def get(name: str) -> Runnable:
    _load_plugins()
    runnable = _RUNNABLES.get(name)
    if runnable is None:
        broken = "".join(f"; {label} did not load: {why}" for label, why in _problems.items())
        raise UnknownStrategy(f"unknown strategy {name!r}; choose from {', '.join(names())}{broken}")
    return runnable


for _builtin in (HodlStrategy, EchoStrategy, DemoStrategy, EfficientFrontierStrategy):
    register(_builtin)

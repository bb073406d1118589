"""Runnable strategies, discovered by name: ``get('hodl').create({'bases': 'BTC,ETH'})``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


def names() -> list[str]:
    return sorted(_RUNNABLES)


def get(name: str) -> Runnable:
    runnable = _RUNNABLES.get(name)
    if runnable is None:
        raise UnknownStrategy(f"unknown strategy {name!r}; choose from {', '.join(names())}")
    return runnable


for _builtin in (HodlStrategy, EchoStrategy, DemoStrategy, EfficientFrontierStrategy):
    register(_builtin)

"""Parse ``--param k=v`` strings into a strategy's parameter dataclass, with messages a user can act on."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

from streams.money import to_fixed


class ParamError(ValueError):
    """A parameter a strategy does not take, or a value of the wrong form."""


FIXED_SUFFIX = "_fx"
"""Fields whose name ends so are fixed-point amounts given as decimals ('0.01')."""


def _convert(name: str, tp: Any, raw: str) -> Any:
    if name.endswith(FIXED_SUFFIX) and tp is int:
        return to_fixed(raw)
    if tp is bool:
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ValueError("expected true or false")
    if tp is int or tp is float or tp is str:
        return tp(raw)
    if typing.get_origin(tp) is tuple:
        return tuple(x.strip() for x in raw.split(",") if x.strip())
    raise ValueError(f"unsupported parameter type {tp!r}")


def parse_params(params_type: type, raw: Mapping[str, str], strategy: str = "") -> Any:
    """An instance of the dataclass ``params_type`` from string values (defaults for the rest)."""
    hints = typing.get_type_hints(params_type)
    fields = {f.name for f in dataclasses.fields(params_type)}
    unknown = sorted(set(raw) - fields)
    if unknown:
        known = ", ".join(sorted(fields)) or "none"
        raise ParamError(f"{strategy or params_type.__name__} takes no parameter "
                         f"{', '.join(unknown)}; it takes: {known}")
    values: dict[str, Any] = {}
    for key, text in sorted(raw.items()):
        try:
            values[key] = _convert(key, hints[key], text)
        except ValueError as exc:
            raise ParamError(f"bad value {text!r} for parameter {key}: {exc}") from None
    try:
        return params_type(**values)
    except (TypeError, ValueError) as exc:
        raise ParamError(f"bad parameters for {strategy or params_type.__name__}: {exc}") from None


def parse_pairs(items: list[str]) -> dict[str, str]:
    """``["k=v", ...]`` as a dict; raises ParamError for an item without '='."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParamError(f"bad --param {item!r}: expected KEY=VALUE, e.g. bases=BTC,ETH")
        out[key.strip()] = value.strip()
    return out

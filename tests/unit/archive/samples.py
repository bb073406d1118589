"""Events of every type of the contract, for the archive tests: fixed samples and a hypothesis strategy."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from hypothesis import strategies as st

from schemas.events import EVENT_TYPES, NESTED

LONG = st.integers(-(2**63), 2**63 - 1)


def _value(tp: Any, name: str, full: bool, k: int) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = next(a for a in typing.get_args(tp) if a is not type(None))
        return _value(inner, name, full, k) if full else None
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_build(item, full, k + i) for i in range(3 if full else 0)]
    if tp is int:
        return [0, -1, 2**63 - 1, 1_514_764_800_123_456, 150][k % 5] + (k if k % 5 == 4 else 0)
    if tp is str:
        return f"{name}-{k}-é€" if full else ""
    if tp is bool:
        return full
    if tp is bytes:
        return bytes([0, 255, k % 256, 0xC3]) if full else b""
    raise TypeError(tp)


def _build(cls: type, full: bool, k: int) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(
        **{f.name: _value(hints[f.name], f.name, full, k + i) for i, f in enumerate(dataclasses.fields(cls))}
    )


def sample_events() -> list[Any]:
    """Two events per type: every optional set and lists of three, then all optionals empty."""
    return [_build(cls, full, 7) for cls in EVENT_TYPES for full in (True, False)]


def _strategy(tp: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = next(a for a in typing.get_args(tp) if a is not type(None))
        return st.none() | _strategy(inner)
    if origin is list:
        return st.lists(_record(typing.get_args(tp)[0]), max_size=6)
    return {int: LONG, str: st.text(max_size=20), bool: st.booleans(), bytes: st.binary(max_size=20)}[tp]


def _record(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: _strategy(hints[f.name]) for f in dataclasses.fields(cls)})


def events() -> st.SearchStrategy[Any]:
    """Any event of the contract, with any values its schema allows."""
    return st.one_of([_record(cls) for cls in EVENT_TYPES if cls not in NESTED])


def as_row(event: Any) -> dict[str, Any]:
    """An event's fields as the typed tables hold them (nested records as dicts)."""
    return {
        f.name: [dataclasses.asdict(x) for x in v] if isinstance(v := getattr(event, f.name), list) else v
        for f in dataclasses.fields(event)
    }

"""Parse ``--param k=v`` strings into a strategy's parameter dataclass, with messages a user can act on."""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from streams.money import to_decimal_str, to_fixed


class ParamError(ValueError):
    """A parameter a strategy does not take, or a value of the wrong form; ``fields`` names the
    parameters the message is about (none when it cannot tell)."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


FIXED_SUFFIX = "_fx"
"""Fields whose name ends so are fixed-point amounts given as decimals ('0.01')."""


_EXPECTED = {int: "expected a whole number such as 10", float: "expected a number such as 0.25"}


def _convert(name: str, tp: Any, raw: str) -> Any:
    if name.endswith(FIXED_SUFFIX) and tp is int:
        try:
            return to_fixed(raw.strip())
        except ArithmeticError:  # Decimal's InvalidOperation
            raise ValueError("expected a decimal amount such as 0.01") from None
    if tp is bool:
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ValueError("expected true or false")
    if tp is int or tp is float:
        try:
            return tp(raw)
        except ValueError:
            raise ValueError(_EXPECTED[tp]) from None
    if tp is str:
        return raw
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
                         f"{', '.join(unknown)}; it takes: {known}", tuple(unknown))
    values: dict[str, Any] = {}
    for key, text in sorted(raw.items()):
        try:
            values[key] = _convert(key, hints[key], text)
        except ValueError as exc:
            raise ParamError(f"bad value {text!r} for parameter {key}: {exc}", (key,)) from None
    try:
        return params_type(**values)
    except (TypeError, ValueError) as exc:
        named = tuple(f.name for f in dataclasses.fields(params_type)
                      if re.search(rf"\b{re.escape(f.name)}\b", str(exc)))
        raise ParamError(f"bad parameters for {strategy or params_type.__name__}: {exc}", named) from None


def parse_pairs(items: list[str]) -> dict[str, str]:
    """``["k=v", ...]`` as a dict; raises ParamError for an item without '='."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParamError(f"bad --param {item!r}: expected KEY=VALUE, e.g. bases=BTC,ETH")
        out[key.strip()] = value.strip()
    return out


ParamKind = Literal["int", "float", "bool", "text", "list", "amount"]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter as a form shows it: its kind, its default as the text a user would type, a hint."""

    name: str
    kind: ParamKind
    default: str
    help: str


def kind_of(name: str, tp: Any) -> ParamKind:
    """The kind of input a parameter takes (``amount``: a fixed-point ``_fx`` field given as a decimal)."""
    if name.endswith(FIXED_SUFFIX) and tp is int:
        return "amount"
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is float:
        return "float"
    if typing.get_origin(tp) is tuple:
        return "list"
    return "text"


def as_text(kind: ParamKind, value: Any) -> str:
    """A parameter's value as the text ``parse_params`` reads back into it."""
    if kind == "amount":
        return to_decimal_str(value)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "list":
        return ",".join(str(x) for x in value)
    return str(value)


def _comments(params_type: type) -> dict[str, str]:
    """``name: type = default  # comment`` lines of the class's source: the comment per field."""
    try:
        source = inspect.getsource(params_type)
    except (OSError, TypeError):  # built at run time, or no source file
        return {}
    found = re.finditer(r"^\s+(\w+)\s*:[^#\n]*#\s*(.+)$", source, re.MULTILINE)
    return {m.group(1): m.group(2).strip() for m in found}


def _sentences(doc: str, name: str) -> str:
    """The docstring's sentences that name ``name`` in double backquotes."""
    text = " ".join(doc.split())
    chosen = [s for s in re.split(r"(?<=\.)\s+", text) if f"``{name}``" in s]
    return " ".join(chosen).replace("``", "")


def describe(params_type: type) -> list[ParamSpec]:
    """Every parameter of ``params_type`` in declaration order. The hint is the field's ``help`` metadata,
    else its source comment, else the class docstring's sentences that name it, else empty."""
    hints = typing.get_type_hints(params_type)
    comments = _comments(params_type)
    own_doc = params_type.__doc__ if "__doc__" in vars(params_type) else None
    doc = own_doc or ""
    if doc.startswith(f"{params_type.__name__}("):  # the signature dataclass writes when there is none
        doc = ""
    out = []
    for f in dataclasses.fields(params_type):
        kind = kind_of(f.name, hints[f.name])
        if f.default is not dataclasses.MISSING:
            default = as_text(kind, f.default)
        elif f.default_factory is not dataclasses.MISSING:
            default = as_text(kind, f.default_factory())
        else:
            default = ""
        hint = str(f.metadata.get("help", "")) or comments.get(f.name, "") or _sentences(doc, f.name)
        out.append(ParamSpec(f.name, kind, default, hint))
    return out


def values_as_text(params: Any) -> dict[str, str]:
    """A parsed parameter object's values as text, in declaration order."""
    hints = typing.get_type_hints(type(params))
    return {f.name: as_text(kind_of(f.name, hints[f.name]), getattr(params, f.name))
            for f in dataclasses.fields(params)}

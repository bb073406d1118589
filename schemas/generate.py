"""Generate ``schemas/avsc/<Name>.avsc`` from the event classes.

Run ``python -m schemas.generate`` after changing ``schemas/events.py``; a test
fails while the committed ``.avsc`` files and the classes disagree, and another
checks each schema stays backward compatible with its released versions.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any

from schemas.events import EVENT_TYPES, NESTED

NAMESPACE = "cryptick.v1"
AVSC_DIR = Path(__file__).parent / "avsc"
RELEASED_DIR = Path(__file__).parent / "released"

_PRIMITIVES: dict[Any, str] = {int: "long", str: "string", bool: "boolean", bytes: "bytes"}


def _avro_type(tp: Any, defined: set[str]) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"only optional unions are supported, not {tp}")
        return ["null", _avro_type(args[0], defined)]
    if origin is list:
        (item,) = typing.get_args(tp)
        return {"type": "array", "items": _avro_type(item, defined)}
    if tp in _PRIMITIVES:
        return _PRIMITIVES[tp]
    if tp in NESTED:
        return _record(tp, defined)
    raise TypeError(f"no Avro mapping for {tp}")


def _record(cls: type, defined: set[str]) -> Any:
    name = cls.__name__
    if name in defined:
        return f"{NAMESPACE}.{name}"
    defined.add(name)
    hints = typing.get_type_hints(cls)
    fields: list[dict[str, Any]] = []
    for f in dataclasses.fields(cls):
        entry: dict[str, Any] = {"name": f.name, "type": _avro_type(hints[f.name], defined)}
        if isinstance(entry["type"], list):
            entry["default"] = None
        elif isinstance(f.default, bool | int | str):  # a field added later reads old data as its default
            entry["default"] = f.default
        fields.append(entry)
    record: dict[str, Any] = {"type": "record", "name": name, "namespace": NAMESPACE}
    doc = (cls.__doc__ or "").strip().splitlines()
    if doc:
        record["doc"] = doc[0]
    record["fields"] = fields
    return record


def schema_for(cls: type) -> dict[str, Any]:
    """The Avro schema of one event class."""
    result = _record(cls, set())
    assert isinstance(result, dict)
    return result


def render(cls: type) -> str:
    return json.dumps(schema_for(cls), indent=2) + "\n"


def main() -> None:
    AVSC_DIR.mkdir(exist_ok=True)
    for cls in EVENT_TYPES:
        (AVSC_DIR / f"{cls.__name__}.avsc").write_text(render(cls))
    print(f"wrote {len(EVENT_TYPES)} schemas to {AVSC_DIR}")


if __name__ == "__main__":
    main()

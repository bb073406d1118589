"""Events as JSON-ready dicts, for the streams, the run messages and the command outcomes.

An integer beyond ±(2^53 - 1) is sent as a string of its digits: a browser reads a JSON number into a
float, which holds integers exactly only that far (a fixed-point amount of 90,071,993 units or more
would change). Every smaller integer stays a number (dashboard/src/api/events.gen.ts types a long as
``number | string``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from schemas.events import Event

_FIELDS: dict[type, tuple[str, ...]] = {}
EXACT = 2**53 - 1  # the largest integer a browser's JSON.parse keeps exactly


def exact(value: Any) -> Any:
    """``value`` with every integer beyond ``EXACT`` (in lists and objects too) as its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) > EXACT else value
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [exact(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return exact(dataclasses.asdict(value))
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return exact(value)


def to_json(event: Event) -> dict[str, Any]:
    """The event as a JSON object, with its type; bytes as hex, nested records as objects.
    (Field by field: ``dataclasses.asdict`` deep-copies every value and took half of a read's time.)"""
    cls = type(event)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    body: dict[str, Any] = {"type": cls.__name__}
    for name in names:
        value = getattr(event, name)
        body[name] = value if isinstance(value, str | float | bool | None) or (
            isinstance(value, int) and -EXACT <= value <= EXACT) else _plain(value)
    return body

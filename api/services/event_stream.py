"""Events as JSON-ready dicts, for the streams and the command outcomes."""

from __future__ import annotations

import dataclasses
from typing import Any

from schemas.events import Event


def to_json(event: Event) -> dict[str, Any]:
    """The event as a JSON object, with its type; bytes as hex."""
    body = dataclasses.asdict(event)
    for k, v in body.items():
        if isinstance(v, bytes):
            body[k] = v.hex()
    return {"type": type(event).__name__, **body}

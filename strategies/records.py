"""Strategy records the event contract does not have yet, and how they travel.

These are proposed as Avro records for ``schemas/events.py``; until the
contract has them they are plain frozen dataclasses here, encoded as
``RECORD_MARKER`` + canonical JSON (sorted keys, no whitespace), so a byte
string is always either Avro single-object (``C3 01``) or one of these, never
ambiguous. The mapping:

| record                 | topic              | key    | direction                  |
| ---------------------- | ------------------ | ------ | -------------------------- |
| ``ControlMessage``     | ``strategy.journal`` | run id | dashboard -> strategy    |
| ``UiComponentDeclared``| ``strategy.events``  | run id | strategy -> dashboard    |
| ``UiComponentUpdated`` | ``strategy.events``  | run id | strategy -> dashboard    |
| ``StrategyLogged``     | ``strategy.events``  | run id | strategy -> dashboard    |
| ``TimerSet``           | ``strategy.events``  | run id | strategy -> clock        |

Spec, data and payload are JSON text so that the records stay flat (one Avro
``string`` each) and compare byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from schemas.codec import default_codec
from schemas.events import Event

RECORD_MARKER = b"CJ"
"""First bytes of a JSON-encoded strategy record (Avro single-object starts with C3 01)."""


@dataclass(frozen=True, slots=True)
class ControlMessage:
    """A message from the dashboard to a run, e.g. a slider moved on a component."""

    event_id: str
    run_id: str
    component_id: str
    payload_json: str
    ts: int

    @property
    def payload(self) -> Any:
        return json.loads(self.payload_json)


@dataclass(frozen=True, slots=True)
class UiComponentDeclared:
    """A run declares a dashboard component: its kind and a spec the dashboard renders generically."""

    event_id: str
    run_id: str
    component_id: str
    kind: str
    spec_json: str
    ts: int


@dataclass(frozen=True, slots=True)
class UiComponentUpdated:
    """New data for a declared component."""

    event_id: str
    run_id: str
    component_id: str
    data_json: str
    ts: int


@dataclass(frozen=True, slots=True)
class StrategyLogged:
    """A log line of a run (the dashboard's log panel)."""

    event_id: str
    run_id: str
    level: str
    message: str
    ts: int


@dataclass(frozen=True, slots=True)
class TimerSet:
    """A run asks to be woken at ``at_ts``: the clock (or the backtest scheduler) sends a tick."""

    event_id: str
    run_id: str
    timer_id: str
    name: str
    at_ts: int
    ts: int


StrategyRecord = ControlMessage | UiComponentDeclared | UiComponentUpdated | StrategyLogged | TimerSet
_RECORD_CLASSES = (ControlMessage, UiComponentDeclared, UiComponentUpdated, StrategyLogged, TimerSet)
RECORD_TYPES: dict[str, type] = {cls.__name__: cls for cls in _RECORD_CLASSES}


def canonical_json(value: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces, no NaN); raises TypeError if not JSON data."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)
    except ValueError as exc:
        raise TypeError(f"not JSON data: {exc}") from None


def encode_record(record: StrategyRecord) -> bytes:
    body = {"type": type(record).__name__, **dataclasses.asdict(record)}
    return RECORD_MARKER + canonical_json(body).encode()


def decode_record(data: bytes) -> StrategyRecord:
    if not data.startswith(RECORD_MARKER):
        raise ValueError("not a strategy record (missing the CJ marker)")
    body = json.loads(data[len(RECORD_MARKER):])
    cls = RECORD_TYPES.get(body.pop("type", None))
    if cls is None:
        raise ValueError("unknown strategy record type")
    record: StrategyRecord = cls(**body)
    return record


def encode_any(item: Event | StrategyRecord) -> bytes:
    """Avro for contract events, the JSON mapping for strategy records."""
    if isinstance(item, _RECORD_CLASSES):
        return encode_record(item)
    return default_codec().encode(item)


def decode_any(data: bytes) -> Event | StrategyRecord:
    if data.startswith(RECORD_MARKER):
        return decode_record(data)
    return default_codec().decode(data)

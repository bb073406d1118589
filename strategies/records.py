"""What a run writes besides orders: dashboard components, logs, timers; and what it is told.

The records are Avro events of the contract (``schemas.events``), on the run's
topics (key = run id):

| record                 | topic                | direction                  |
| ---------------------- | -------------------- | -------------------------- |
| ``ControlMessage``     | ``strategy.journal`` | dashboard -> strategy      |
| ``UiComponentDeclared``| ``strategy.events``  | strategy -> dashboard      |
| ``UiComponentUpdated`` | ``strategy.events``  | strategy -> dashboard      |
| ``StrategyLogged``     | ``strategy.events``  | strategy -> dashboard      |
| ``TimerSet``           | ``strategy.events``  | strategy -> clock          |

Spec, data and payload are JSON text (``canonical_json``) so the records stay
flat (one Avro ``string`` each) and compare byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

from schemas.events import (
    ControlMessage,
    StrategyLogged,
    TimerSet,
    UiComponentDeclared,
    UiComponentUpdated,
)

StrategyRecord = ControlMessage | UiComponentDeclared | UiComponentUpdated | StrategyLogged | TimerSet

__all__ = ["ControlMessage", "StrategyLogged", "StrategyRecord", "TimerSet", "UiComponentDeclared",
           "UiComponentUpdated", "canonical_json"]


def canonical_json(value: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces, no NaN); raises TypeError if not JSON data."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)
    except ValueError as exc:
        raise TypeError(f"not JSON data: {exc}") from None

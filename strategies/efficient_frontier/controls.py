"""Dashboard control messages of the efficient-frontier strategy: parsing and the state machine (pure).

Components and payloads:

| component        | payload                                              | command           |
| ---------------- | ---------------------------------------------------- | ----------------- |
| ``frontier``     | ``{"point": 12}`` or ``{"target": "max_sharpe"}``    | select a target   |
| ``custom_weights`` | ``{"weights": {"BTC": 0.5, "ETH": 0.5}}``          | select weights    |
| ``risk``         | ``{"volatility": 0.6}`` (annualised)                 | select a risk level |
| ``controls``     | ``{"action": "confirm" / "pause" / "resume"}``       | confirm, pause, resume |

A selection becomes target weights (the optimiser resolves it), which are *proposed*;
only ``confirm`` makes them *active* — the weights the strategy trades towards —
unless the run confirms automatically. Anything malformed is ``Invalid`` with a reason
and changes nothing.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .params import NAMED_TARGETS
from .portfolio import WEIGHT_SUM_TOLERANCE

Weights = tuple[tuple[str, float], ...]
"""(asset, weight) in the universe's order, summing to one."""


@dataclass(frozen=True, slots=True)
class Named:
    """The max-Sharpe or minimum-variance portfolio of the latest estimates."""

    name: str


@dataclass(frozen=True, slots=True)
class Point:
    """A point of the latest frontier, 0 being its minimum-variance end."""

    index: int


@dataclass(frozen=True, slots=True)
class Custom:
    weights: Weights


@dataclass(frozen=True, slots=True)
class Risk:
    """The highest-return portfolio of at most this annualised volatility."""

    volatility: float


Selection = Named | Point | Custom | Risk


@dataclass(frozen=True, slots=True)
class Select:
    selection: Selection


@dataclass(frozen=True, slots=True)
class Confirm:
    pass


@dataclass(frozen=True, slots=True)
class Pause:
    pass


@dataclass(frozen=True, slots=True)
class Resume:
    pass


Command = Select | Confirm | Pause | Resume


@dataclass(frozen=True, slots=True)
class Invalid:
    reason: str


@dataclass(frozen=True, slots=True)
class ControlState:
    selection: Selection
    proposed: Weights | None = None
    active: Weights | None = None
    paused: bool = False


def initial_state(target: str) -> ControlState:
    """The state for the ``target`` parameter (a named portfolio or a point index)."""
    return ControlState(Named(target) if target in NAMED_TARGETS else Point(int(target)))


def describe(selection: Selection) -> str:
    if isinstance(selection, Named):
        return selection.name
    if isinstance(selection, Point):
        return f"frontier point {selection.index}"
    if isinstance(selection, Risk):
        return f"volatility at most {selection.volatility:.1%}"
    return "custom weights " + ", ".join(f"{a} {w:.1%}" for a, w in selection.weights)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _custom(raw: Any, names: Sequence[str], max_weight: float) -> Custom | Invalid:
    if not isinstance(raw, Mapping) or not raw:
        return Invalid('custom weights must be an object like {"BTC": 0.5, "ETH": 0.5}')
    unknown = sorted(str(k) for k in raw if k not in names)
    if unknown:
        return Invalid(f"unknown assets {', '.join(unknown)}; the universe is {', '.join(names)}")
    values: dict[str, float] = {}
    for name in names:
        value = _number(raw.get(name, 0.0))
        if value is None or value < 0.0:
            return Invalid(f"the weight of {name} must be a number >= 0, got {raw.get(name)!r}")
        if value > max_weight + WEIGHT_SUM_TOLERANCE:
            return Invalid(f"the weight of {name} is {value:g}, above max_weight {max_weight:g}")
        values[name] = value
    total = sum(values.values())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        return Invalid(f"weights sum to {total:.6g}, not 1")
    return Custom(tuple((n, values[n]) for n in names))


def parse_control(component_id: str, payload: Any, names: Sequence[str], points: int,
                  max_weight: float = 1.0) -> Command | Invalid:
    """The command a control message asks for, or why it is invalid."""
    if not isinstance(payload, Mapping):
        return Invalid(f"payload must be a JSON object, got {type(payload).__name__}")
    if component_id == "frontier":
        if "point" in payload:
            index = payload["point"]
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < points:
                return Invalid(f"unknown frontier point {index!r}: choose 0 to {points - 1}")
            return Select(Point(index))
        target = payload.get("target")
        if target in NAMED_TARGETS:
            return Select(Named(str(target)))
        return Invalid(f'expected {{"point": 0..{points - 1}}} or {{"target": '
                       f'{" or ".join(NAMED_TARGETS)}}}, got {dict(payload)!r}')
    if component_id == "custom_weights":
        custom = _custom(payload.get("weights"), names, max_weight)
        return custom if isinstance(custom, Invalid) else Select(custom)
    if component_id == "risk":
        vol = _number(payload.get("volatility"))
        if vol is None or vol <= 0.0:
            return Invalid(f"volatility must be a positive number, got {payload.get('volatility')!r}")
        return Select(Risk(vol))
    if component_id == "controls":
        action = payload.get("action")
        commands: dict[Any, Command] = {"confirm": Confirm(), "pause": Pause(), "resume": Resume()}
        if action in commands:
            return commands[action]
        return Invalid(f"unknown action {action!r}: choose confirm, pause or resume")
    return Invalid(f"component {component_id!r} takes no control messages")


def apply(state: ControlState, command: Confirm | Pause | Resume) -> ControlState | Invalid:
    """The state after confirm, pause or resume, or why it does not apply."""
    if isinstance(command, Confirm):
        if state.proposed is None:
            return Invalid("nothing to confirm: no target change is waiting")
        return dataclasses.replace(state, active=state.proposed, proposed=None)
    if isinstance(command, Pause):
        return Invalid("already paused") if state.paused else dataclasses.replace(state, paused=True)
    return dataclasses.replace(state, paused=False) if state.paused else Invalid("not paused")


def distance(a: Weights, b: Weights) -> float:
    """The largest difference of one asset's weight between ``a`` and ``b``."""
    left, right = dict(a), dict(b)
    return max(abs(left.get(n, 0.0) - right.get(n, 0.0)) for n in {*left, *right})


def propose(state: ControlState, selection: Selection, weights: Weights, *, auto_confirm: bool,
            tolerance: float) -> ControlState:
    """Adopt ``selection`` resolved to ``weights``: active at once if auto-confirmed, else proposed.

    Weights within ``tolerance`` of the active ones are no change and need no confirmation.
    """
    if state.active is not None and distance(state.active, weights) <= tolerance:
        return dataclasses.replace(state, selection=selection, proposed=None)
    if auto_confirm:
        return dataclasses.replace(state, selection=selection, active=weights, proposed=None)
    return dataclasses.replace(state, selection=selection, proposed=weights)

"""The runs a namespace has, as a client reads them back (pure): folded from the strategy inbox
(``strategy.journal``: start, stop, control messages, loaded history) and the strategy outputs
(``strategy.events``: state changes, UI components, logs, orders).

So a page opened mid-run renders at once: each component's declaration with its latest data, the
run's state and reason, its recent logs, and how many messages of each type it received and emitted.
Bounded: the last ``LOGS`` log lines per run; every run and component is kept (they are few). A
component whose updates each add a point or a row (see ``appends``) keeps its last ``HISTORY``, so a
chart opened mid-run shows its path, not only its latest point.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from schemas.events import (
    Event,
    RunStateChanged,
    StartRun,
    StopRun,
    StrategyLogged,
    UiComponentDeclared,
    UiComponentUpdated,
)

LOGS = 500
HISTORY = 1000


def appends(kind: str, spec: Any, data: Any) -> bool:
    """Whether each update of a component adds to what it shows (a point of a ``line_chart`` declared
    with ``append``, a row of a ``table`` sent as one object) rather than replacing it. The dashboard
    folds the stream by the same rule (dashboard/src/store/components.ts)."""
    if kind == "line_chart":
        return isinstance(spec, dict) and spec.get("append") is True
    if kind == "table":
        return isinstance(data, dict) and not isinstance(data.get("rows"), list)
    return False


@dataclass
class Component:
    """One UI component of a run: what it is and its latest data (None until the first update)."""

    component_id: str
    kind: str
    spec: Any
    declared_ts: int
    data: Any = None
    updated_ts: int | None = None
    updates: int = 0
    history: deque[Any] | None = None  # the last HISTORY data of an appending component, oldest first


@dataclass
class RunView:
    """One run as its messages tell it."""

    run_id: str
    strategy: str = ""
    params: dict[str, str] = field(default_factory=dict)
    account: str = ""
    wallet_set_id: str = ""
    mode: str = ""
    allocations: list[tuple[str, str, int]] = field(default_factory=list)  # venue, currency, units
    start_ts: int | None = None  # when the run was asked to start (StartRun's ts)
    end_ts: int | None = None
    duration_us: int | None = None
    state: str = "requested"  # until the host says otherwise
    detail: str = ""
    state_ts: int | None = None
    stop_requested: str | None = None  # the reason of a StopRun, once one was sent
    components: dict[str, Component] = field(default_factory=dict)
    logs: deque[tuple[int, str, str]] = field(default_factory=lambda: deque(maxlen=LOGS))
    inbox: dict[str, int] = field(default_factory=dict)  # message type -> count
    outputs: dict[str, int] = field(default_factory=dict)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # shown as it came: a strategy's own string


class RunsFold:
    """Every run of a namespace; ``inbox`` and ``output`` take the events of the two topics in order."""

    def __init__(self) -> None:
        self.runs: dict[str, RunView] = {}

    def _run(self, run_id: str) -> RunView:
        run = self.runs.get(run_id)
        if run is None:
            run = self.runs[run_id] = RunView(run_id)
        return run

    def _counted(self, event: Event, inbox: bool) -> RunView | None:
        """The run an event is about, with the event counted; None for an event of no run."""
        run_id = getattr(event, "run_id", None)
        if not isinstance(run_id, str) or not run_id:
            return None
        run = self._run(run_id)
        counts = run.inbox if inbox else run.outputs
        name = type(event).__name__
        counts[name] = counts.get(name, 0) + 1
        return run

    def inbox(self, event: Event) -> None:
        run = self._counted(event, inbox=True)
        if run is None:
            return
        if isinstance(event, StartRun) and run.start_ts is None:  # a repeated start changes nothing
            params = _json(event.params_json)
            run.strategy, run.account, run.wallet_set_id = event.strategy, event.account, event.wallet_set_id
            run.params = {str(k): str(v) for k, v in params.items()} if isinstance(params, dict) else {}
            run.mode, run.start_ts, run.end_ts, run.duration_us = event.mode, event.ts, event.end_ts, \
                event.duration_us
            run.allocations = [(a.venue, a.currency, a.amount) for a in event.allocations]
        elif isinstance(event, StopRun) and run.stop_requested is None:
            run.stop_requested = event.reason

    def output(self, event: Event) -> None:
        run = self._counted(event, inbox=False)
        if run is None:
            return
        if isinstance(event, RunStateChanged):
            run.state, run.detail, run.state_ts = event.state, event.detail, event.ts
            run.strategy = run.strategy or event.strategy
        elif isinstance(event, UiComponentDeclared):
            old = run.components.get(event.component_id)
            run.components[event.component_id] = Component(
                event.component_id, event.kind, _json(event.spec_json), event.ts,
                old.data if old else None, old.updated_ts if old else None, old.updates if old else 0,
                old.history if old and old.kind == event.kind else None)
        elif isinstance(event, UiComponentUpdated):
            component = run.components.get(event.component_id)
            if component is None:  # data for a component not declared (yet): keep it, kind unknown
                component = run.components[event.component_id] = Component(event.component_id, "", None,
                                                                           event.ts)
            component.data, component.updated_ts = _json(event.data_json), event.ts
            component.updates += 1
            if appends(component.kind, component.spec, component.data):
                if component.history is None:
                    component.history = deque(maxlen=HISTORY)
                component.history.append(component.data)
            else:
                component.history = None
        elif isinstance(event, StrategyLogged):
            run.logs.append((event.ts, event.level, event.message))

"""The strategy agent (shell): ``strategy.journal`` -> ``StrategyHost`` -> ``strategy.events``.

Beside the strategies it hosts (the host is their pure core); the market fan-out that feeds the runs their
books is a router's shell (``streams.routing.agent``).
"""

from __future__ import annotations

import logging
from typing import Any

from schemas.events import Event, RunState, RunStateChanged
from schemas.topics import STRATEGY_EVENTS, STRATEGY_JOURNAL
from strategies.host import INBOX_TYPES, StrategyFactory, StrategyHost, output_key, registry_factory
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import InboxProcessor
from streams.runtime.shell import inbox_processor

log = logging.getLogger(__name__)


def log_run_failures(engine: Any, event: Event, out: list[Any]) -> None:
    """The processor's observer: a run that fails (a strategy's error, a refused start) is logged with its
    reason and run id when it happens (not on a rebuild); the run's own state says it too."""
    for o in out:
        e = o.event
        if type(e) is RunStateChanged and e.state == RunState.FAILED:
            log.warning("run %s (%s) failed: %s", e.run_id, e.strategy, e.detail,
                        extra={"run_id": e.run_id, "event_id": e.event_id})


def processor(bootstrap: str | None = None, namespace: str = "",
              factory: StrategyFactory = registry_factory, *, observed: bool = False) -> InboxProcessor:
    """The strategy agent's inbox shell; with ``bootstrap`` it rebuilds its runs from the inbox on restart;
    ``observed`` (a worker's agent) logs the runs that fail."""
    p = inbox_processor(STRATEGY_JOURNAL, STRATEGY_EVENTS, lambda: StrategyHost(factory), INBOX_TYPES,
                        output_key, bootstrap, namespace, keyed=True)
    if observed:
        p.observer = log_run_failures
    return p


def register(rt: Runtime) -> None:
    register_inbox_agent(rt, "strategies", processor(rt.bootstrap, rt.namespace, observed=True))
